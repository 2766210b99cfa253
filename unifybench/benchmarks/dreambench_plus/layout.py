"""The DreamBench++ release layout and its parsers (sources of each fact: docs/data.md).

``images/<category>/<NN>.jpg`` with ``captions/<category>/<NN>.txt`` at the same relative path;
categories ``live_subject/animal``, ``live_subject/human``, ``object``, ``style``. A caption file
is the subject name on line 1, then the 9 prompts. A collection (a concept here) is named as the
published dataset class names it: ``<category with / as _>_<NN>_<subject, lower case, spaces as
_>``, e.g. ``live_subject_animal_00_kitten``; the published rating files key items by
``<collection>-<prompt index>``.

Parsers report to :class:`~unifybench.data.problems.Problems` (raise when loading, collect when
checking); every path is checked with :class:`~unifybench.data.paths.RootGuard`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from unifybench.data.paths import IMAGE_SUFFIXES, RootGuard
from unifybench.data.problems import Problems
from unifybench.data.records import Category
from unifybench.errors import DataError

IMAGES = "images"
CAPTIONS = "captions"
# category folder -> (the category of the records, the prefix of collection ids)
CATEGORY_DIRS: dict[str, tuple[Category, str]] = {
    "live_subject/animal": ("animal", "live_subject_animal"),
    "live_subject/human": ("human", "live_subject_human"),
    "object": ("object", "object"),
    "style": ("style", "style"),
}
N_PROMPTS = 9
# The published benchmarking.py groups prompts by index: 0-3, 4-6, 7-8.
PROMPT_GROUPS: tuple[str, ...] = (
    ("photorealistic",) * 4 + ("style_transfer",) * 3 + ("imaginative",) * 2
)
PUBLISHED_SUFFIX = ".jpg"  # the published loader globs **/*.jpg only


@dataclass(frozen=True)
class Collection:
    """One reference image with its subject name and prompts, as the release holds it."""

    id: str
    category: Category
    category_dir: str
    index: str
    subject: str
    prompts: tuple[str, ...]
    image: Path
    caption: Path


def find_root(path: Path, label: str = "") -> Path:
    """The folder holding ``images/`` and ``captions/``: ``path`` or one folder below it (the
    release's zip unpacks into a folder of its own)."""
    if (path / IMAGES).is_dir() and (path / CAPTIONS).is_dir():
        return path
    below = sorted(p for p in path.glob("*") if (p / IMAGES).is_dir() and (p / CAPTIONS).is_dir())
    if len(below) == 1:
        return below[0]
    found = "several" if below else "none"
    raise DataError(
        label or path,
        "",
        f"a DreamBench++ folder with images/ and captions/ in {path} or one folder below it "
        f"(found {found})",
    )


def collection_id(category_dir: str, index: str, subject: str) -> str:
    """The published collection id, e.g. ``live_subject_animal_00_kitten``."""
    prefix = CATEGORY_DIRS[category_dir][1]
    return "_".join([prefix, index, subject.lower().replace(" ", "_")])


def rating_key(collection: str, prompt_index: int) -> str:
    """How the published rating files key one generated image: ``<collection>-<index>``."""
    return f"{collection}-{prompt_index}"


def _files(base: Path, guard: RootGuard, problems: Problems) -> dict[str, Path]:
    """Relative path without suffix (``object/03``) -> file, for every file below ``base``."""
    out: dict[str, Path] = {}
    for folder, dirs, names in os.walk(base, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            try:
                guard.check(path, file=path, field="", raw=str(path.relative_to(guard.root)))
            except DataError as err:
                problems.add(err)
                continue
            rel = path.relative_to(base).with_suffix("").as_posix()
            if rel in out:
                problems.error(path, "", f"one file per name; {out[rel].name} has the same name")
                continue
            out[rel] = path
    return out


def _category_of(rel: str, path: Path, problems: Problems) -> str | None:
    folder = rel.rpartition("/")[0]
    if folder not in CATEGORY_DIRS:
        problems.error(
            path,
            "",
            f"a file in one of the category folders {', '.join(CATEGORY_DIRS)} "
            f"(found it in {folder or 'the top folder'})",
        )
        return None
    return folder


def parse_caption(path: Path, problems: Problems) -> tuple[str, tuple[str, ...]] | None:
    """(subject, prompts) of a caption file; None (and a problem) when malformed."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        problems.error(path, "", f"a UTF-8 text file (subject name, then prompts): {err}")
        return None
    except OSError as err:
        problems.error(path, "", f"a readable caption file: {err}")
        return None
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()  # trailing blank lines carry nothing
    if not lines or not lines[0]:
        problems.error(path, "line 1", "the subject name (a non-empty first line)")
        return None
    blank = [i + 1 for i, line in enumerate(lines) if not line]
    if blank:
        problems.error(path, f"line {blank[0]}", "a prompt (blank lines are not allowed)")
        return None
    prompts = tuple(lines[1:])
    if len(prompts) != N_PROMPTS:
        problems.error(
            path,
            "",
            f"the subject name then {N_PROMPTS} prompts, one per line (4 photorealistic, 3 "
            f"style, 2 imaginative); got {len(prompts)} prompt(s)",
        )
        return None
    return lines[0], prompts


def read_collections(root: Path, guard: RootGuard, problems: Problems) -> list[Collection]:
    """Every (image, caption) pair of the release at ``root``, in collection id order."""
    images = _files(root / IMAGES, guard, problems)
    captions = _files(root / CAPTIONS, guard, problems)
    out: dict[str, Collection] = {}
    for rel, image in images.items():
        if image.suffix.lower() not in IMAGE_SUFFIXES:
            problems.error(image, "", "an image file (.jpg as the release ships them)")
            continue
        if image.suffix != PUBLISHED_SUFFIX:
            problems.warn(image, "", "a .jpg file (the published loader reads only *.jpg)")
        folder = _category_of(rel, image, problems)
        caption = captions.get(rel)
        if caption is None or caption.suffix != ".txt":
            problems.error(
                image, "", f"its caption file {CAPTIONS}/{rel}.txt (the same relative path)"
            )
            continue
        if folder is None:
            continue
        parsed = parse_caption(caption, problems)
        if parsed is None:
            continue
        subject, prompts = parsed
        index = rel.rpartition("/")[2]
        cid = collection_id(folder, index, subject)
        if "/" in cid or "\\" in cid or cid.startswith("."):
            problems.error(caption, "line 1", f"a subject name usable in an id, got {subject!r}")
            continue
        if cid in out:
            problems.error(caption, "line 1", f"a unique collection; {cid} appears twice")
            continue
        for k, prompt in enumerate(prompts):
            if subject not in prompt and CATEGORY_DIRS[folder][0] != "style":
                problems.warn(
                    caption,
                    f"line {k + 2}",
                    f"a prompt that names the subject {subject!r} (it becomes the concept "
                    "placeholder; this prompt has none)",
                )
        out[cid] = Collection(
            cid, CATEGORY_DIRS[folder][0], folder, index, subject, prompts, image, caption
        )
    for rel, caption in captions.items():
        if rel not in images:
            problems.error(caption, "", f"its image {IMAGES}/{rel}.jpg (the same relative path)")
    if not out and not problems.errors:
        problems.error(root / IMAGES, "", "at least one image with its caption file")
    return [out[k] for k in sorted(out)]
