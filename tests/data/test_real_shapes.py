"""The shapes of the published release and of the code that reads it (sources in docs/data.md).

Every fixture here is written by hand with invented content; only the shapes follow the public
sources: the authors' evaluation script (turns read by position, any type containing "choice"),
the README's layout (test_data/ derived by gen_test_data.py), the Sync-R1 code
(conversations.json keyed by image name, {"query", "answer"} entries) and later evaluation code
built on the release (image paths with a ``unictokens_data/`` prefix and Windows separators,
``extra_info`` as one string, ``num_testing_info`` read with ``int(...)``, concepts found as
folders of concept/train/ holding an info.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.data.helpers import copy_sample, read, write
from unifybench.benchmarks import load_benchmark
from unifybench.benchmarks.unifybench.check import check_dataset
from unifybench.benchmarks.unifybench.hub import allow_patterns
from unifybench.benchmarks.unifybench.loader import normalise_generation_type
from unifybench.data.paths import RootGuard, reroot
from unifybench.errors import DataError


def _item(image: str, kind: str, turns: list[dict]) -> dict:
    return {"image": image, "type": kind, "conversations": turns}


def _set_items(root: Path, cid: str, items: list[dict]) -> None:
    write(root / "test_data" / f"{cid}.json", items)


def test_turns_without_roles_are_read_by_position(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    image = "/srv/me/unictokens_data/concept/test/cup/1.png"
    _set_items(root, "cup", [
        _item(image, "vqa", [{"value": "<image>\nWhat is on <cup>?"}, {"value": "A red star."}]),
        _item(image, "rec", [{"from": "user", "value": "<image>\nIs <cup> here?"},
                             {"from": "assistant", "value": "Yes."}]),
    ])  # fmt: skip
    b = load_benchmark(root, concepts=["cup"])
    vqa, rec = b.items("cup", "vqa")[0], b.items("cup", "rec")[0]
    assert (vqa.question, vqa.answer) == ("What is on <cup>?", "A red star.")
    assert (rec.question, rec.answer) == ("Is <cup> here?", "Yes.")
    assert vqa.image == root / "concept/test/cup/1.png"


def test_labelled_turns_without_an_answer_are_refused(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    _set_items(root, "cup", [
        _item("concept/test/cup/0.png", "vqa",
              [{"from": "human", "value": "Q?"}, {"from": "human", "value": "Q again?"}]),
    ])  # fmt: skip
    with pytest.raises(DataError) as info:
        load_benchmark(root, concepts=["cup"])
    assert info.value.file.endswith("test_data/cup.json")
    assert info.value.field == "[0].conversations"


@pytest.mark.parametrize("kind", ["vqa_choice", "text_only_choice", "multiple_choice", "choice"])
def test_any_type_containing_choice_is_a_choice_item(
    sample_root: Path, tmp_path: Path, kind: str
) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    turns = [{"from": "human", "value": "Which is <cup>? A. mug B. vase"},
             {"from": "gpt", "value": "A"}]  # fmt: skip
    _set_items(root, "cup", [_item("/a/b/black_512x512.png", kind, turns)])
    (choice,) = load_benchmark(root, concepts=["cup"]).items("cup", "choice")
    assert choice.id == "cup/choice/0" and choice.answer == "A"
    assert choice.image == root / "black_512x512.png"


def test_unknown_type_names_file_and_field(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    items = read(root / "test_data/cup.json")
    items[2]["type"] = "caption"
    _set_items(root, "cup", items)
    with pytest.raises(DataError) as info:
        load_benchmark(root, concepts=["cup"])
    assert info.value.field == "[2].type" and "caption" in info.value.expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("D:\\work\\unictokens_data\\concept\\test\\bo\\4.png", "concept/test/bo/4.png"),
        ("../dataset/unictokens_data/random_images/42.png", "random_images/42.png"),
        ("/path/to/UniCTokens_Dataset/concept/train/bo/negative_example/3.jpg",
         "concept/train/bo/negative_example/3.jpg"),
        ("/path/to/UniCTokens_Dataset/black_512x512.png", "black_512x512.png"),
        ("concept\\test\\bo\\0.png", "concept/test/bo/0.png"),
    ],
)  # fmt: skip
def test_image_path_forms_of_the_release(tmp_path: Path, raw: str, expected: str) -> None:
    assert reroot(raw, RootGuard(tmp_path), file="t.json", field="[0].image") == tmp_path / expected


def test_paths_written_for_this_very_root_stay_put(sample_root: Path, tmp_path: Path) -> None:
    """gen_test_data.py run with DATA_ROOT set to the local folder writes local absolute paths."""
    root = copy_sample(sample_root, tmp_path / "ds")
    items = read(root / "test_data/cup.json")
    for item in items:
        rel = item["image"].split("unictokens_data/", 1)[1]
        item["image"] = str(root / rel)
    _set_items(root, "cup", items)
    b = load_benchmark(root, concepts=["cup"])
    assert all(i.image is not None and i.image.is_file() for i in b.understanding["cup"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Live Subject", "live_subject"), ("live-subject", "live_subject"), (" OBJECT ", "object"),
     ("object", "object"), (None, None)],
)  # fmt: skip
def test_generation_type_spelling(raw: object, expected: object) -> None:
    assert normalise_generation_type(raw) == expected


def test_info_variants(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    info_path = root / "concept/train/cup/info.json"
    info = read(info_path)
    info["generation_type"] = "Object"
    info["extra_info"] = "<cup> was a gift from a friend."  # one string instead of a list
    info["num_testing_info"] = "2"  # read with int(...) by later evaluation code
    del info["conversation_type"]  # optional for objects
    write(info_path, info)
    cup = load_benchmark(root, concepts=["cup"]).concepts["cup"]
    assert cup.generation_type == "object"
    assert cup.extra_info == ("<cup> was a gift from a friend.",)
    assert cup.num_testing_info == 2 and cup.conversation_type is None

    info["extra_info"] = ["<cup> is chipped.", "  ", ""]
    del info["num_testing_info"]
    write(info_path, info)
    cup = load_benchmark(root, concepts=["cup"]).concepts["cup"]
    assert cup.extra_info == ("<cup> is chipped.",) and cup.num_testing_info is None

    del info["extra_info"]
    write(info_path, info)
    assert load_benchmark(root, concepts=["cup"]).concepts["cup"].extra_info == ()


@pytest.mark.parametrize(
    ("field", "value"),
    [("generation_type", "person"), ("num_testing_info", "three"), ("extra_info", {"a": 1}),
     ("class", ["mug"])],
)  # fmt: skip
def test_bad_info_fields_are_named(
    sample_root: Path, tmp_path: Path, field: str, value: object
) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    info_path = root / "concept/train/cup/info.json"
    info = read(info_path)
    info[field] = value
    write(info_path, info)
    with pytest.raises(DataError) as err:
        load_benchmark(root, concepts=["cup"])
    assert err.value.file == str(info_path) and err.value.field == field


def test_missing_test_data_points_at_gen_test_data(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    (root / "test_data/chelsea.json").unlink()
    with pytest.raises(DataError) as info:
        load_benchmark(root)
    assert info.value.file == str(root / "test_data/chelsea.json")
    assert "gen_test_data.py" in info.value.expected
    report = check_dataset(root)
    assert [(e.file, "gen_test_data.py" in e.expected) for e in report.errors] == [
        ("test_data/chelsea.json", True)
    ]


def test_concepts_from_folders_without_concepts_list(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    (root / "concepts_list.json").unlink()
    b = load_benchmark(root)
    assert list(b.concepts) == ["astro", "chelsea", "cup"]
    report = check_dataset(root)
    assert report.ok, report.format()
    assert [w.file for w in report.warnings] == ["concepts_list.json"]


def test_concept_folder_not_in_the_list(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    write(root / "concepts_list.json", ["astro", "cup"])
    b = load_benchmark(root)
    assert list(b.concepts) == ["astro", "cup"]
    report = check_dataset(root)
    assert report.ok, report.format()
    assert ("concept/train/chelsea", "") in {(w.file, w.field) for w in report.warnings}


def test_conversations_keyed_by_image(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    conv = root / "concept/train/cup/conversations.json"
    assert isinstance(read(conv), dict)  # the sample writes the published shape
    write(conv, {"0.png": [{"query": "What colour is <cup>?", "answer": "White."}],
                 "1.png": []})  # fmt: skip
    report = check_dataset(root)
    assert report.ok and not report.warnings, report.format()

    write(conv, {"0.png": [{"question": "What colour is <cup>?"}]})
    report = check_dataset(root)
    assert [(w.file, w.field) for w in report.warnings] == [
        ("concept/train/cup/conversations.json", "0.png")
    ]


def test_sample_conversations_match_the_training_images(sample_root: Path) -> None:
    train_map = read(sample_root / "concept/train/train_images.json")
    for cid, names in train_map.items():
        conv = json.loads((sample_root / f"concept/train/{cid}/conversations.json").read_text())
        assert set(conv) == set(names)
        assert all({"query", "answer"} == set(e) for entries in conv.values() for e in entries)


def test_hub_selection_fetches_the_derivation_scripts() -> None:
    patterns = allow_patterns(["bo"])
    assert patterns is not None
    assert "gen_test_data.py" in patterns and "test_data/bo.json" in patterns
