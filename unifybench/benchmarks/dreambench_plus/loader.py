"""Load DreamBench++ (a folder, the release's zip, or the hub repo) into a :class:`Benchmark`.

Each collection (reference image + caption file) becomes a concept whose id is the published
collection id, whose only training image is the reference, and whose class noun is the subject
name of the caption's first line. Its 9 prompts become ``subject`` items: the subject name in a
prompt is replaced by the concept placeholder (as the published textual-inversion run replaced
it by ``<sks>``), ``clip_text`` keeps the prompt as written (what the published CLIP-T and the
prompt-following judge read), and ``group`` is the prompt's published group (photorealistic 0-3,
style_transfer 4-6, imaginative 7-8).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from unifybench.benchmarks.dreambench_plus import NAME, REPO_ID, archive, hub
from unifybench.benchmarks.dreambench_plus.layout import (
    PROMPT_GROUPS,
    Collection,
    find_root,
    read_collections,
)
from unifybench.data.paths import RootGuard
from unifybench.data.problems import Problems
from unifybench.data.records import Benchmark, Concept, GenerationPrompt, concept_token
from unifybench.errors import ConfigError, DataError

TASK = "subject"


def concept_of(c: Collection) -> Concept:
    """The concept record of one collection."""
    token = concept_token(c.id)
    return Concept(
        id=c.id,
        category=c.category,
        class_noun=c.subject,
        info=f"{token} is the {c.subject} shown in its reference image.",
        extra_info=(),
        generation_type="live_subject" if c.category in ("animal", "human") else "object",
        train_images=(c.image,),
        test_images=(),
        conversation_type="human" if c.category == "human" else None,
    )


def prompts_of(c: Collection) -> tuple[GenerationPrompt, ...]:
    """The ``subject`` items of one collection (images per prompt from the task spec)."""
    from unifybench.tasks import get_task

    n = get_task(TASK).images_per_item
    token = concept_token(c.id)
    return tuple(
        GenerationPrompt(
            id=f"{c.id}/{TASK}/{k}",
            concept_id=c.id,
            task=TASK,
            index=k,
            prompt=text.replace(c.subject, token),
            clip_text=text,
            n_images=n,
            group=PROMPT_GROUPS[k],
        )
        for k, text in enumerate(c.prompts)
    )


def load_local(
    root: str | Path,
    *,
    concepts: Iterable[str] | None = None,
    name: str = NAME,
    revision: str = "local",
) -> Benchmark:
    """Load the release folder ``root`` (or the folder one level below it that holds it)."""
    root = Path(os.path.abspath(root))
    if not root.is_dir():
        raise DataError(root, "", "a DreamBench++ folder (it does not exist or is not a folder)")
    root = find_root(root)
    collections = read_collections(root, RootGuard(root), Problems(collect=False))
    ids = [c.id for c in collections]
    if concepts is not None:
        wanted = list(concepts)
        unknown = [c for c in wanted if c not in ids]
        if unknown:
            raise DataError(
                root / "captions",
                "",
                f"the requested concepts {', '.join(map(repr, unknown))} (found: {', '.join(ids)})",
            )
        collections = [c for c in collections if c.id in set(wanted)]
    return Benchmark(
        root=root,
        concepts={c.id: concept_of(c) for c in collections},
        generation={c.id: prompts_of(c) for c in collections},
        name=name,
        revision=revision,
        metadata_files=tuple(c.caption for c in collections),
        adapter=NAME,
    )


def load(
    source: str | Path,
    *,
    revision: str | None = None,
    concepts: Sequence[str] | None = None,
    cache_dir: str | Path | None = None,
    local_dir: str | Path | None = None,
) -> Benchmark:
    """Load from a folder, a ``.zip`` (the release's data.zip) or a hub dataset repo id.

    A path that exists always wins over a repo id of the same spelling. The hub's ``data.zip``
    is fetched with ``huggingface_hub`` (``revision``, ``cache_dir``, ``local_dir`` passed on),
    then unpacked like a local zip.
    """
    path = Path(source)
    if path.exists() and revision is not None:
        raise ConfigError(f"revision={revision!r} applies to hub repos; {path} is a local path")
    if path.is_dir():
        return load_local(path, concepts=concepts, name=path.name or NAME)
    if path.is_file():
        if path.suffix.lower() != ".zip":
            raise DataError(path, "", "a folder or the release's data.zip (a .zip file)")
        return load_local(archive.unpack(path), concepts=concepts, name=path.stem)
    if hub.looks_like_repo_id(str(source)) and not Path(path.parts[0]).is_dir():
        zipped = hub.download(
            str(source), revision=revision, cache_dir=cache_dir, local_dir=local_dir
        )
        return load_local(
            archive.unpack(zipped),
            concepts=concepts,
            name=str(source),
            revision=hub.resolved_revision(zipped, revision),
        )
    raise DataError(
        source, "", f"a DreamBench++ folder, its data.zip, or a hub repo id like {REPO_ID}"
    )
