"""Loading the official layout: records, item ids, prompts, re-rooting and the root guard."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.data.helpers import copy_sample, read, write
from unifybench.benchmarks import load_benchmark
from unifybench.benchmarks.unifybench.loader import KNOWN_CATEGORIES, category_of, task_of_type
from unifybench.benchmarks.unifybench.prompts import LIVE_SUBJECT_PROMPTS, OBJECT_PROMPTS
from unifybench.data.paths import RootGuard, reroot
from unifybench.errors import DataError


def test_sample_concepts_and_categories(sample_benchmark) -> None:
    b = sample_benchmark
    assert list(b.concepts) == ["astro", "chelsea", "cup"]
    assert {c.id: c.category for c in b.concepts.values()} == {
        "astro": "human", "chelsea": "animal", "cup": "object"
    }  # fmt: skip
    astro = b.concepts["astro"]
    assert astro.class_noun == "woman"
    assert astro.extra_info and astro.info.startswith("<astro> is")
    assert len(astro.train_images) == 6 and len(astro.test_images) == 5
    assert [p.name for p in astro.test_images] == [f"{i}.png" for i in range(5)]
    assert len(astro.random_negatives) == 20 and astro.hard_negatives and astro.cropped_images
    for path in (*astro.train_images, *astro.test_images, *astro.hard_negatives):
        assert path.is_file() and b.root in path.parents
    assert b.black_image == b.root / "black_512x512.png"


def test_understanding_items_are_rerooted_and_indexed_per_task(sample_benchmark) -> None:
    b = sample_benchmark
    items = b.understanding["chelsea"]
    by_task: dict[str, list] = {}
    for item in items:
        by_task.setdefault(item.task, []).append(item)
    assert set(by_task) == {"rec", "vqa", "text_only", "choice"}
    for task, group in by_task.items():
        assert [i.index for i in group] == list(range(len(group)))
        assert [i.id for i in group] == [f"chelsea/{task}/{k}" for k in range(len(group))]
    for item in items:
        assert "<image>" not in item.question and item.question == item.question.strip()
        assert item.image is not None and item.image.is_file()
        assert b.root in item.image.parents or item.image == b.black_image
    recs = by_task["rec"]
    assert sum(i.is_positive for i in recs) == 5
    assert {i.answer for i in recs} == {"Yes.", "No."}
    assert all(i.image == b.black_image for i in by_task["text_only"])
    assert b.items("chelsea", "vqa") == tuple(by_task["vqa"])


def test_generation_prompts(sample_benchmark) -> None:
    b = sample_benchmark
    t2i = b.items("cup", "t2i")
    assert len(t2i) == 25
    assert t2i[0].prompt == OBJECT_PROMPTS[0].replace("<sks>", "<cup>")
    assert t2i[0].clip_text == OBJECT_PROMPTS[0].replace("<sks>", "cup")
    assert b.items("chelsea", "t2i")[12].prompt == LIVE_SUBJECT_PROMPTS[12].replace(
        "<sks>", "<chelsea>"
    )
    face = b.items("astro", "face")
    assert [p.prompt for p in face] == ["A photo of <astro>."]
    assert b.items("cup", "face") == () and b.items("chelsea", "face") == ()
    knowledge = b.items("astro", "knowledge")
    assert [p.id for p in knowledge] == [
        "astro/knowledge/0",
        "astro/knowledge/1",
        "astro/knowledge/2",
    ]
    assert knowledge[0].prompt == "A photo of <astro> walking with her pet."
    assert knowledge[0].clip_text == "A photo of woman walking with her pet."


def test_dict_shaped_t2i_conditions(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    write(root / "concept/test/astro/t2i_conditions.json", {
        "dense_prompt_generation": ["<astro> on a beach at dawn."],
        "personalized_driven_generation": ["<astro> with her pet.", "<astro> with her drink."],
    })  # fmt: skip
    b = load_benchmark(root)
    knowledge = b.items("astro", "knowledge")
    assert [(p.index, p.group) for p in knowledge] == [
        (0, "dense_prompt_generation"),
        (1, "personalized_driven_generation"),
        (2, "personalized_driven_generation"),
    ]
    assert [p.prompt for p in b.items("astro", "face")] == ["A photo of <astro>."]


def test_category_rule() -> None:
    assert KNOWN_CATEGORIES["bo"] == "animal" and KNOWN_CATEGORIES["pig_cup"] == "object"
    assert len(KNOWN_CATEGORIES) == 20
    assert category_of("bo", "human", "object") == "animal"  # known ids win
    assert category_of("emma", None, "live_subject") == "human"
    assert category_of("x", "human", "live_subject") == "human"
    assert category_of("x", None, "object") == "object"
    assert category_of("x", "object", "live_subject") == "animal"


def test_known_id_gets_the_official_category(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    os.rename(root / "concept/train/cup", root / "concept/train/pig_cup")
    os.rename(root / "concept/test/cup", root / "concept/test/pig_cup")
    os.rename(root / "test_data/cup.json", root / "test_data/pig_cup.json")
    write(root / "concepts_list.json", ["pig_cup"])
    train = read(root / "concept/train/train_images.json")
    write(root / "concept/train/train_images.json", {"pig_cup": train["cup"]})
    b = load_benchmark(root)
    assert b.concepts["pig_cup"].category == "object"
    assert b.understanding["pig_cup"][0].id == "pig_cup/rec/0"


def test_task_of_type() -> None:
    assert task_of_type("rec") == "rec" and task_of_type("text_only") == "text_only"
    assert task_of_type("vqa_choice") == "choice" and task_of_type("multi_choice") == "choice"
    assert task_of_type("caption") is None and task_of_type(3) is None


def test_concept_selection(sample_root: Path) -> None:
    b = load_benchmark(sample_root, concepts=["cup", "astro"])
    assert list(b.concepts) == ["astro", "cup"] and set(b.understanding) == {"astro", "cup"}
    with pytest.raises(DataError, match="'nobody'"):
        load_benchmark(sample_root, concepts=["nobody"])


def test_loading_reads_no_pixels(sample_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    def refuse(*args, **kwargs):
        raise AssertionError("the loader opened an image")

    monkeypatch.setattr(Image, "open", refuse)
    b = load_benchmark(sample_root)
    assert b.understanding["astro"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/mnt/authors/unictokens_data/concept/test/bo/0.png", "concept/test/bo/0.png"),
        ("/home/concept/data/concept/train/bo/1.png", "concept/train/bo/1.png"),
        ("/x/concept/y/random_images/7.png", "random_images/7.png"),
        ("C:\\data\\ub\\black_512x512.png", "black_512x512.png"),
        ("./concept/test/bo/2.png", "concept/test/bo/2.png"),
        ("concept/test/bo/extra/3.png", "concept/test/bo/extra/3.png"),
    ],
)
def test_reroot(tmp_path: Path, raw: str, expected: str) -> None:
    guard = RootGuard(tmp_path)
    assert reroot(raw, guard, file="f.json", field="[0].image") == tmp_path / expected


@pytest.mark.parametrize(
    "raw",
    [
        "/mnt/a/concept/test/../../../etc/passwd",
        "../outside.png",
        "/etc/passwd",
        "",
    ],
)
def test_reroot_refuses_paths_outside_the_root(tmp_path: Path, raw: str) -> None:
    with pytest.raises(DataError) as info:
        reroot(raw, RootGuard(tmp_path / "root"), file="test_data/bo.json", field="[4].image")
    assert info.value.file == "test_data/bo.json" and info.value.field == "[4].image"


def test_symlink_leaving_the_root_is_refused(sample_root: Path, tmp_path: Path) -> None:
    root = copy_sample(sample_root, tmp_path / "ds")
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not yours")
    target = root / "concept/test/astro/0.png"
    target.unlink()
    target.symlink_to(secret)
    with pytest.raises(
        DataError, match=r"test_data/astro\.json: field '\[0\]\.image'.*resolves to"
    ):
        load_benchmark(root)


def test_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"concepts_list\.json"):
        load_benchmark(tmp_path)
    with pytest.raises(DataError, match="dataset folder or a hub dataset repo id"):
        load_benchmark(str(tmp_path / "missing" / "deeper" / "x"))


def test_local_folder_mistakes(sample_root: Path, tmp_path: Path, monkeypatch) -> None:
    from unifybench.errors import ConfigError

    with pytest.raises(ConfigError, match="revision"):
        load_benchmark(sample_root, revision="v1")
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="dataset folder or a hub dataset repo id"):
        load_benchmark("data/ub")  # ./data exists: a missing local folder, not a hub repo
