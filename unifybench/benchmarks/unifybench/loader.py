"""Load a UnifyBench dataset folder (official layout, see docs/data.md) into a :class:`Benchmark`.

Only metadata is read: JSON files and a few directory listings. Images stay on disk as paths.
Every problem raises :class:`DataError` naming the file, the field and what was expected; the
checker (:mod:`unifybench.benchmarks.unifybench.check`) runs the same parsers in collecting mode
to report them all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from unifybench.benchmarks.unifybench.prompts import FACE_PROMPT, dreambooth_prompts, fill
from unifybench.data.paths import RootGuard, join_inside, list_images, reroot
from unifybench.data.problems import Problems, read_json
from unifybench.data.records import (
    Benchmark,
    Category,
    Concept,
    GenerationPrompt,
    GenerationType,
    UnderstandingItem,
)
from unifybench.errors import ConfigError, DataError

# Categories of the 20 official concepts, as the authors' evaluation code groups them.
_HUMANS = ("adrien_brody", "b_jordan", "coco", "emma", "fine_woolfhard", "leonardo", "ningning",
           "wangkai", "will", "willinvietnam")  # fmt: skip
_ANIMALS = ("bo", "mam", "maeve_dog", "butin", "mydieu")
_OBJECTS = ("pig_cup", "dunpai", "nha_tho_hanoi", "skulls_mug", "gold_pineapple")
KNOWN_CATEGORIES: dict[str, Category] = {
    **dict.fromkeys(_HUMANS, "human"),
    **dict.fromkeys(_ANIMALS, "animal"),
    **dict.fromkeys(_OBJECTS, "object"),
}
# Keys of the dict-shaped t2i_conditions.json (UnifyBench++); other keys are read with a warning.
KNOWLEDGE_GROUPS: tuple[str, ...] = (
    "dense_prompt_generation",
    "personalized_driven_generation",
    "explicit_personalized_driven_generation",
    "personalized_dense_prompt_generation",
    "explicit_personalized_dense_prompt_generation",
)
GENERATION_TYPES: tuple[GenerationType, ...] = ("live_subject", "object")


def n_images(task: str) -> int:
    """Images per prompt of a generation task in the published protocol (its task spec): 4 per
    DreamBooth prompt (100 per concept), 100 for the face prompt, 100 per knowledge condition (of
    which the published judge scores 4)."""
    from unifybench.tasks import get_task

    return get_task(task).images_per_item


BLACK_IMAGE = "black_512x512.png"
# test_data/ is derived: the release ships the script that writes it, not necessarily the files.
TEST_DATA_HINT = (
    "file not found: test_data/<c>.json holds the understanding items; the raw release does not "
    "always contain it, it is written by gen_test_data.py in the dataset root (set DATA_ROOT in "
    "that script to this folder and run it once)"
)


def normalise_generation_type(value: Any) -> Any:
    """``generation_type`` in canonical spelling: case, spaces and hyphens do not matter.

    ``"Live-Subject"`` and ``"live subject"`` become ``"live_subject"``; anything that is not a
    string is returned unchanged (and then rejected by the caller).
    """
    if not isinstance(value, str):
        return value
    return value.strip().lower().replace("-", "_").replace(" ", "_")


def category_of(concept_id: str, conversation_type: str | None, generation_type: str) -> Category:
    """The official category for known ids; otherwise human / object / animal from the profile."""
    if concept_id in KNOWN_CATEGORIES:
        return KNOWN_CATEGORIES[concept_id]
    if conversation_type == "human":
        return "human"
    if generation_type == "object":
        return "object"
    return "animal"


def read_concept_ids(root: Path, problems: Problems) -> list[str]:
    """The ids of concepts_list.json (a non-empty list of unique strings)."""
    path = root / "concepts_list.json"
    if not path.exists():
        found = concept_folders(root)
        if found:
            problems.warn(
                path,
                "",
                "a JSON list of concept ids (file not found; using the folders of concept/train/ "
                f"that hold an info.json: {', '.join(found)})",
            )
            return found
    data = read_json(path, problems, what="a JSON list of concept ids")
    if data is None:
        return []
    if not isinstance(data, list):
        problems.error(path, "", f"a JSON list of concept ids, got {type(data).__name__}")
        return []
    if not data:
        problems.error(path, "", "a non-empty list of concept ids, got an empty list")
        return []
    ids: list[str] = []
    for i, cid in enumerate(data):
        if not isinstance(cid, str) or not cid or "/" in cid or cid in (".", ".."):
            problems.error(path, f"[{i}]", f"a concept id (a plain folder name), got {cid!r}")
        elif cid in ids:
            problems.error(path, f"[{i}]", f"unique concept ids, {cid!r} appears twice")
        else:
            ids.append(cid)
    return ids


def concept_folders(root: Path) -> list[str]:
    """Names of the folders of concept/train/ that hold an info.json, sorted."""
    base = root / "concept" / "train"
    try:
        with os.scandir(base) as entries:
            names = [
                e.name for e in entries if e.is_dir() and (base / e.name / "info.json").is_file()
            ]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(names)


def read_train_images(root: Path, problems: Problems) -> dict[str, Any]:
    """concept/train/train_images.json: {concept: [file names]} (values checked per concept)."""
    path = root / "concept" / "train" / "train_images.json"
    data = read_json(path, problems, what="a JSON object {concept: [training image file names]}")
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.error(
            path, "", f"a JSON object {{concept: [file names]}}, got {type(data).__name__}"
        )
        return {}
    return data


def _string(info: dict, key: str, path: Path, problems: Problems, *, required: bool) -> str | None:
    value = info.get(key)
    if value is None:
        if required:
            problems.error(path, key, "a string (required field is missing)")
        return None
    if not isinstance(value, str):
        problems.error(path, key, f"a string, got {type(value).__name__}")
        return None
    return value


def parse_concept(
    root: Path,
    cid: str,
    train_map: dict[str, Any],
    guard: RootGuard,
    problems: Problems,
    random_negatives: tuple[Path, ...] = (),
) -> Concept | None:
    """Read one concept's profile and image lists; None if it cannot be built."""
    train_dir = root / "concept" / "train" / cid
    info_path = train_dir / "info.json"
    info = read_json(info_path, problems, what="the concept profile, a JSON object")
    ok = True
    if info is not None and not isinstance(info, dict):
        problems.error(
            info_path, "", f"a JSON object (the concept profile), got {type(info).__name__}"
        )
        info = None
    have_info = info is not None
    if not have_info:
        ok = False
        info = {}
    class_noun = _string(info, "class", info_path, problems, required=have_info)
    text = _string(info, "info", info_path, problems, required=have_info)
    conversation_type = _string(info, "conversation_type", info_path, problems, required=False)
    generation_type = normalise_generation_type(info.get("generation_type"))
    if have_info and generation_type not in GENERATION_TYPES:
        problems.error(
            info_path,
            "generation_type",
            f"one of {', '.join(GENERATION_TYPES)}, got {info.get('generation_type')!r}",
        )
        ok = False
    extra = info.get("extra_info", [])
    raw_extra: tuple[str, ...] | str | None = None
    if isinstance(extra, str):
        raw_extra, extra = extra, [extra]
    if not isinstance(extra, list) or not all(isinstance(x, str) for x in extra):
        problems.error(info_path, "extra_info", "a list of strings (or one string)")
        extra = []
    elif raw_extra is None and "extra_info" in info:
        raw_extra = tuple(extra)
    extra = [x.strip() for x in extra if x.strip()]
    num_testing = info.get("num_testing_info")
    if isinstance(num_testing, str) and num_testing.strip().isdigit():
        num_testing = int(num_testing.strip())  # read as int(...) by later evaluation code
    if num_testing is not None and (
        not isinstance(num_testing, int) or isinstance(num_testing, bool)
    ):
        problems.error(info_path, "num_testing_info", f"an integer, got {num_testing!r}")
        num_testing = None

    train_file = root / "concept" / "train" / "train_images.json"
    names = train_map.get(cid)
    train: list[Path] = []
    if names is None:
        if train_map:
            problems.error(train_file, cid, "a list of training image file names for this concept")
    elif not isinstance(names, list):
        problems.error(train_file, cid, f"a list of file names, got {type(names).__name__}")
    else:
        for i, name in enumerate(names):
            try:
                train.append(
                    join_inside(train_dir, name, guard, file=train_file, field=f"{cid}[{i}]")
                )
            except DataError as err:
                problems.add(err)

    if not ok or class_noun is None or text is None:
        return None
    return Concept(
        id=cid,
        category=category_of(cid, conversation_type, generation_type),
        class_noun=class_noun,
        info=text,
        extra_info=tuple(extra),
        generation_type=generation_type,
        train_images=tuple(train),
        test_images=list_images(root / "concept" / "test" / cid),
        hard_negatives=list_images(train_dir / "negative_example"),
        random_negatives=random_negatives,
        cropped_images=list_images(train_dir / "cropped"),
        conversation_type=conversation_type,
        num_testing_info=num_testing,
        extra_info_raw=raw_extra,
    )


def task_of_type(kind: Any) -> str | None:
    """The task of an item ``type``: rec, vqa, text_only; any type containing "choice" is choice."""
    if not isinstance(kind, str):
        return None
    if "choice" in kind:
        return "choice"
    if kind in ("rec", "vqa", "text_only"):
        return kind  # type: ignore[return-value]
    return None


def _turns(raw: dict, path: Path, field: str, problems: Problems) -> tuple[str, str] | None:
    """(question, answer) of an item as written: the first human turn and the gpt turn after
    it."""
    convs = raw.get("conversations")
    if not isinstance(convs, list):
        problems.error(path, f"{field}.conversations", "a list of {from, value} turns")
        return None
    question = answer = None
    for j, turn in enumerate(convs):
        if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
            problems.error(
                path, f"{field}.conversations[{j}]", 'an object {"from": ..., "value": str}'
            )
            return None
        if turn.get("from") == "human" and question is None:
            question = turn["value"]
        elif turn.get("from") == "gpt" and question is not None and answer is None:
            answer = turn["value"]
    # The published scorer reads turns by position (conversations[0] is the question,
    # conversations[1] the answer) and never looks at "from"; do the same when the roles are
    # missing or spelled otherwise.
    unlabelled = all(turn.get("from") not in ("human", "gpt") for turn in convs[:2])
    if (question is None or answer is None) and len(convs) >= 2 and unlabelled:
        question, answer = convs[0]["value"], convs[1]["value"]
    if question is None or answer is None:
        problems.error(
            path,
            f"{field}.conversations",
            'a "human" turn (question) followed by a "gpt" turn (answer), or two turns '
            "(question, answer) without roles",
        )
        return None
    return question, answer


def parse_items(
    root: Path, cid: str, guard: RootGuard, problems: Problems
) -> tuple[UnderstandingItem, ...]:
    """The understanding items of test_data/<c>.json, indexed per task in file order."""
    path = root / "test_data" / f"{cid}.json"
    if not path.exists():
        problems.error(path, "", TEST_DATA_HINT)
        return ()
    data = read_json(path, problems, what="a JSON list of test items")
    if data is None:
        return ()
    if not isinstance(data, list):
        problems.error(path, "", f"a JSON list of test items, got {type(data).__name__}")
        return ()
    counters: dict[str, int] = {}
    items: list[UnderstandingItem] = []
    for pos, raw in enumerate(data):
        field = f"[{pos}]"
        if not isinstance(raw, dict):
            problems.error(path, field, f"an item object, got {type(raw).__name__}")
            continue
        task = task_of_type(raw.get("type"))
        if task is None:
            problems.error(
                path,
                f"{field}.type",
                "one of rec, vqa, text_only or a type containing 'choice', "
                f"got {raw.get('type')!r}",
            )
            continue
        qa = _turns(raw, path, field, problems)
        image_raw = raw.get("image")
        if isinstance(image_raw, list) and len(image_raw) == 1:
            image_raw = image_raw[0]
        image = None
        if image_raw is not None:
            try:
                image = reroot(image_raw, guard, file=path, field=f"{field}.image")
            except DataError as err:
                problems.add(err)
                continue
        if qa is None:
            continue
        index = counters.get(task, 0)
        counters[task] = index + 1
        items.append(
            UnderstandingItem(
                id=f"{cid}/{task}/{index}",
                concept_id=cid,
                task=task,
                index=index,
                question=qa[0].replace("<image>", "").strip(),
                answer=qa[1].strip(),
                image=image,
                source=f"test_data/{cid}.json#{pos}",
                item_type=raw["type"],
                question_raw=qa[0],
                answer_raw=qa[1],
            )
        )
    return tuple(items)


def _prompt(
    concept: Concept, task: str, index: int, text: str, group: str = ""
) -> GenerationPrompt:
    return GenerationPrompt(
        id=f"{concept.id}/{task}/{index}",
        concept_id=concept.id,
        task=task,
        index=index,
        prompt=text,
        clip_text=text.replace(concept.token, concept.class_noun),
        n_images=n_images(task),
        group=group,
    )


def _prompt_list(value: Any, path: Path, field: str, problems: Problems) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        problems.error(path, field, "a list of prompt strings")
        return []
    return value


def parse_generation(
    root: Path, concept: Concept, problems: Problems
) -> tuple[GenerationPrompt, ...]:
    """t2i (25 DreamBooth prompts), face (people only) and knowledge prompts of one concept."""
    token = concept.token
    prompts = [
        GenerationPrompt(
            id=f"{concept.id}/t2i/{i}",
            concept_id=concept.id,
            task="t2i",
            index=i,
            prompt=fill(template, token),
            clip_text=fill(template, concept.class_noun),
            n_images=n_images("t2i"),
        )
        for i, template in enumerate(dreambooth_prompts(concept.generation_type))
    ]
    path = root / "concept" / "test" / concept.id / "t2i_conditions.json"
    data = read_json(path, problems, what="a list of prompts or an object of prompt lists")
    face = fill(FACE_PROMPT, token)
    knowledge: list[tuple[str, str]] = []  # (prompt, group)
    if isinstance(data, list):
        entries = _prompt_list(data, path, "", problems)
        if entries:
            face = entries[0]
            knowledge = [(p, "") for p in entries[1:]]
            if token not in face or "photo" not in face.lower():
                problems.warn(path, "[0]", f'the face prompt "A photo of {token}.", got {face!r}')
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in KNOWLEDGE_GROUPS:
                problems.warn(
                    path, key, f"one of the UnifyBench++ keys {', '.join(KNOWLEDGE_GROUPS)}"
                )
            knowledge += [(p, key) for p in _prompt_list(value, path, key, problems)]
    elif data is not None:
        problems.error(
            path, "", f"a list of prompts or an object of prompt lists, got {type(data).__name__}"
        )
    if concept.category == "human":
        prompts.append(_prompt(concept, "face", 0, face))
    prompts += [_prompt(concept, "knowledge", i, p, g) for i, (p, g) in enumerate(knowledge)]
    return tuple(prompts)


def load_local(
    root: str | Path,
    *,
    concepts: Iterable[str] | None = None,
    name: str = "unifybench",
    revision: str = "local",
) -> Benchmark:
    """Load the dataset folder ``root`` (official layout); only ``concepts`` if given."""
    root = Path(os.path.abspath(root))
    if not root.is_dir():
        raise DataError(root, "", "a dataset folder (it does not exist or is not a folder)")
    problems = Problems(collect=False)
    guard = RootGuard(root)
    ids = read_concept_ids(root, problems)
    ids = _select(ids, concepts, root)
    train_map = read_train_images(root, problems)
    random_negatives = list_images(root / "random_images")
    loaded: dict[str, Concept] = {}
    understanding: dict[str, tuple[UnderstandingItem, ...]] = {}
    generation: dict[str, tuple[GenerationPrompt, ...]] = {}
    for cid in ids:
        concept = parse_concept(root, cid, train_map, guard, problems, random_negatives)
        assert concept is not None  # strict mode raised otherwise
        loaded[cid] = concept
        understanding[cid] = parse_items(root, cid, guard, problems)
        generation[cid] = parse_generation(root, concept, problems)
    black = root / BLACK_IMAGE
    files = [root / "concepts_list.json", root / "concept" / "train" / "train_images.json"]
    for cid in ids:
        files += [
            root / "concept" / "train" / cid / "info.json",
            root / "concept" / "test" / cid / "t2i_conditions.json",
            root / "test_data" / f"{cid}.json",
        ]
    return Benchmark(
        root=root,
        concepts=loaded,
        understanding=understanding,
        generation=generation,
        name=name,
        revision=revision,
        black_image=black if black.is_file() else None,
        metadata_files=tuple(files),
    )


def _select(ids: list[str], wanted: Iterable[str] | None, root: Path) -> list[str]:
    if wanted is None:
        return ids
    wanted = list(wanted)
    unknown = [c for c in wanted if c not in ids]
    if unknown:
        raise DataError(
            root / "concepts_list.json",
            "",
            f"the requested concepts {', '.join(map(repr, unknown))} "
            f"(the list has: {', '.join(ids)})",
        )
    return [c for c in ids if c in set(wanted)]


def load_benchmark(
    source: str | Path,
    *,
    revision: str | None = None,
    concepts: Sequence[str] | None = None,
    cache_dir: str | Path | None = None,
    local_dir: str | Path | None = None,
) -> Benchmark:
    """Load UnifyBench from a local folder or from the hub.

    ``source`` is a dataset folder, or a hub dataset repo id such as ``HankYang428/unictokens_data``
    (downloaded with ``huggingface_hub``; ``revision``, ``cache_dir`` and ``local_dir`` are passed
    on; with ``concepts`` only those concepts' files are fetched). A path that exists always wins
    over a repo id of the same spelling.
    """
    path = Path(source)
    if path.is_dir():
        if revision is not None:
            raise ConfigError(
                f"revision={revision!r} applies to hub repos; {path} is a local folder"
            )
        return load_local(path, concepts=concepts, name=path.name or "unifybench")
    from unifybench.benchmarks.unifybench import hub

    # "data/ub" where ./data exists is a mistyped local folder, not a repo named ub of user data.
    if hub.looks_like_repo_id(str(source)) and not Path(path.parts[0]).is_dir():
        root = hub.download(
            str(source),
            revision=revision,
            concepts=concepts,
            cache_dir=cache_dir,
            local_dir=local_dir,
        )
        return load_local(
            root,
            concepts=concepts,
            name=str(source),
            revision=hub.resolved_revision(root, revision),
        )
    raise DataError(source, "", "a dataset folder or a hub dataset repo id like owner/name")
