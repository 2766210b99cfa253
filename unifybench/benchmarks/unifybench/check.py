"""Validate a dataset folder: every problem with file, field and expectation, never a traceback.

:func:`check_dataset` runs the loader's parsers in collecting mode, then checks what the loader
leaves for later (that images exist) and reads the files whose schema is not published
(template.json, text_only.json, vqa.json, the training dialogues) tolerantly: anything unexpected
there is a warning, not an error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from unifybench.benchmarks.unifybench.loader import (
    BLACK_IMAGE,
    concept_folders,
    parse_concept,
    parse_generation,
    parse_items,
    read_concept_ids,
    read_train_images,
)
from unifybench.data.paths import RootGuard, list_images
from unifybench.data.problems import CheckReport, Finding, Problems, read_json
from unifybench.errors import DataError

Problem = Finding  # the name this module used before the report became shared

EXPECTED_TEST_IMAGES = 5
_DIALOGUE_FILES = ("conversations.json", "positive_recognitions.json", "random_recognitions.json")


def _tolerant(path: Path, problems: Problems, *, what: str, shape: str) -> Any:
    """Read a file of unpublished schema: missing is a warning, broken JSON an error."""
    if not path.is_file():
        problems.warn(path, "", f"file not found ({what}; not needed for evaluation)")
        return None
    data = read_json(path, problems, what=what)
    if data is not None and shape == "list-or-dict" and not isinstance(data, (list, dict)):
        problems.warn(path, "", f"a JSON list or object ({what}), got {type(data).__name__}")
    return data


_DIALOGUE_SHAPES = (
    'an object {image name: [{"query": str, "answer": str}, ...]} (the shape the published '
    'Sync-R1 code reads from conversations.json) or a list of {"image", "conversations"} '
    "entries (LLaVA style)"
)


def _check_dialogues(path: Path, data: Any, problems: Problems) -> None:
    """Warn (once per file) when a training-dialogue file has neither known shape."""
    if isinstance(data, dict):
        for key, entries in data.items():
            ok = isinstance(entries, list) and all(
                isinstance(e, dict)
                and isinstance(e.get("query"), str)
                and isinstance(e.get("answer"), str)
                for e in entries
            )
            if not ok:
                problems.warn(path, key, _DIALOGUE_SHAPES)
                return  # one warning per file is enough to say the shape differs
        return
    if not isinstance(data, list):
        problems.warn(path, "", f"{_DIALOGUE_SHAPES}, got {type(data).__name__}")
        return
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or not isinstance(entry.get("conversations"), list):
            problems.warn(path, f"[{i}]", _DIALOGUE_SHAPES)
            return


def _check_concept(
    root: Path,
    cid: str,
    train_map: dict[str, Any],
    guard: RootGuard,
    problems: Problems,
    report: CheckReport,
) -> None:
    random_negatives = list_images(root / "random_images")
    concept = parse_concept(root, cid, train_map, guard, problems, random_negatives)
    train_file = root / "concept" / "train" / "train_images.json"
    info_path = root / "concept" / "train" / cid / "info.json"
    items = parse_items(root, cid, guard, problems)
    item_file = root / "test_data" / f"{cid}.json"
    for item in items:
        position = item.source.rsplit("#", 1)[-1]
        if item.image is not None and not item.image.is_file():
            problems.error(
                item_file, f"[{position}].image", f"an existing image; {item.image} is missing"
            )
        if not item.question:
            problems.error(item_file, f"[{position}].conversations", "a non-empty question")
        if item.task == "rec" and item.answer not in ("Yes.", "No."):
            problems.warn(
                item_file, f"[{position}]", f'a rec answer "Yes." or "No.", got {item.answer!r}'
            )
    counts: dict[str, int] = {}
    for item in items:
        counts[item.task] = counts.get(item.task, 0) + 1

    if concept is None:
        report.concepts[cid] = "?"
        report.counts[cid] = counts
        return
    report.concepts[cid] = concept.category
    for i, path in enumerate(concept.train_images):
        if not path.is_file():
            problems.error(
                train_file, f"{cid}[{i}]", f"an existing training image; {path} is missing"
            )
    if not concept.train_images and cid in train_map:
        problems.error(train_file, cid, "at least one training image")
    n_test = len(concept.test_images)
    if n_test == 0:
        problems.error(
            root / "concept" / "test" / cid, "", "test images 0.png .. 4.png, found none"
        )
    elif n_test != EXPECTED_TEST_IMAGES:
        problems.warn(
            root / "concept" / "test" / cid,
            "",
            f"{EXPECTED_TEST_IMAGES} test images, found {n_test}",
        )
    if not concept.info.startswith(f"{concept.token} is"):
        problems.warn(info_path, "info", f'a sentence starting "{concept.token} is ..."')
    if not concept.extra_info:
        problems.warn(
            info_path, "extra_info", "facts for the knowledge-driven task (list is empty)"
        )
    for prompt in parse_generation(root, concept, problems):
        counts[prompt.task] = counts.get(prompt.task, 0) + 1
    report.counts[cid] = counts

    test_dir = root / "concept" / "test" / cid
    for name in ("text_only.json", "vqa.json"):
        _tolerant(test_dir / name, problems, what="test questions", shape="list-or-dict")
    train_dir = root / "concept" / "train" / cid
    for name in _DIALOGUE_FILES:
        data = _tolerant(train_dir / name, problems, what="training dialogues", shape="any")
        if data is not None:
            _check_dialogues(train_dir / name, data, problems)
    score = train_dir / "negative_example" / "score.json"
    if score.is_file():
        _tolerant(score, problems, what="hard-negative scores", shape="list-or-dict")


def check_dataset(root: str | Path) -> CheckReport:
    """Check the dataset folder ``root``; return every problem found (never raises for bad data)."""
    root = Path(os.path.abspath(root))
    report = CheckReport(root=root)
    problems = Problems(collect=True)
    if not root.is_dir():
        problems.error(root, "", "a dataset folder (it does not exist or is not a folder)")
    else:
        guard = RootGuard(root)
        ids = read_concept_ids(root, problems)
        train_map = read_train_images(root, problems)
        for key in train_map:
            if key not in ids:
                problems.warn(
                    root / "concept/train/train_images.json", key, "a concept of the list"
                )
        for cid in ids:
            try:
                _check_concept(root, cid, train_map, guard, problems, report)
            except DataError as err:
                problems.add(err)
            except Exception as err:  # a checker bug must not hide the rest of the report
                problems.error(
                    root / "concept" / "train" / cid,
                    "",
                    f"a readable concept; checking it failed unexpectedly ({type(err).__name__}: "
                    f"{err}); please report this",
                )
        listed = set(ids)
        for folder in concept_folders(root):
            if folder not in listed and ids:
                problems.warn(
                    root / "concept" / "train" / folder,
                    "",
                    "a concept of concepts_list.json (this folder is not evaluated)",
                )
        for extra in sorted((root / "test_data").glob("*.json")):
            if extra.stem not in listed and ids:
                problems.warn(extra, "", "a concept of concepts_list.json (this file is ignored)")
        if not (root / BLACK_IMAGE).is_file():
            problems.warn(root / BLACK_IMAGE, "", "the black placeholder image (file not found)")
        if not list_images(root / "random_images"):
            problems.warn(root / "random_images", "", "random negative images (none found)")
        template = root / "template.json"
        _tolerant(template, problems, what="conversation templates", shape="list-or-dict")

    report.add_problems(problems)
    return report
