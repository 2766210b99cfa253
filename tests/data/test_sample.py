"""The sample benchmark: official layout, deterministic bytes, usable images."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from unifybench.benchmarks.unifybench.sample import FOREIGN_ROOT, N_TEST, N_TRAIN, write_sample


def _tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_sample_is_byte_identical_on_every_run(sample_root: Path, tmp_path: Path) -> None:
    again = write_sample(tmp_path / "again")
    first, second = _tree_hashes(sample_root), _tree_hashes(again)
    assert len(first) > 100
    assert first == second


def test_sample_has_the_official_layout(sample_root: Path) -> None:
    ids = json.loads((sample_root / "concepts_list.json").read_text())
    assert ids == ["astro", "chelsea", "cup"]
    train_map = json.loads((sample_root / "concept/train/train_images.json").read_text())
    for c in ids:
        train = sample_root / "concept/train" / c
        test = sample_root / "concept/test" / c
        assert train_map[c] == [f"{i}.png" for i in range(N_TRAIN)]
        assert all((train / name).is_file() for name in train_map[c])
        assert sorted(p.name for p in test.glob("*.png")) == [f"{i}.png" for i in range(N_TEST)]
        for name in ("info.json", "conversations.json", "positive_recognitions.json",
                     "random_recognitions.json", "negative_example/score.json"):  # fmt: skip
            assert (train / name).is_file(), name
        assert list((train / "cropped").glob("*.png"))
        scores = json.loads((train / "negative_example/score.json").read_text())
        assert set(scores) == {p.name for p in (train / "negative_example").glob("*.png")}
        assert all(0.0 <= v <= 1.0 for v in scores.values())
        info = json.loads((train / "info.json").read_text())
        assert info["info"].startswith(f"<{c}> is ")
        assert info["extra_info"] and all(f"<{c}>" in fact for fact in info["extra_info"])
        assert info["generation_type"] in ("live_subject", "object")
        conditions = json.loads((test / "t2i_conditions.json").read_text())
        assert conditions[0] == f"A photo of <{c}>."
        assert len(conditions) >= 3
        for name in ("text_only.json", "vqa.json"):
            assert isinstance(json.loads((test / name).read_text()), list)
    assert len(list((sample_root / "random_images").glob("*.png"))) == 20
    assert (sample_root / "black_512x512.png").is_file()
    assert (sample_root / "template.json").is_file()
    readme = (sample_root / "README.md").read_text()
    assert "smoke-test set, not a research benchmark" in readme
    assert "CC0" in readme and "CC-BY 2.0" in readme


def test_sample_test_data_uses_foreign_absolute_paths(sample_root: Path) -> None:
    for path in (sample_root / "test_data").glob("*.json"):
        items = json.loads(path.read_text())
        types = {item["type"] for item in items}
        assert {"rec", "vqa", "text_only"} <= types
        for item in items:
            assert item["image"].startswith(FOREIGN_ROOT + "/")
            human, gpt = item["conversations"]
            assert human["from"] == "human" and gpt["from"] == "gpt"
            if item["type"] == "rec":
                assert gpt["value"] in ("Yes.", "No.")
            if item["type"] == "text_only":
                assert item["image"].endswith("/black_512x512.png")
        recs = [i["conversations"][1]["value"] for i in items if i["type"] == "rec"]
        assert recs.count("Yes.") == N_TEST and recs.count("No.") >= N_TEST


def test_sample_views_are_distinct_modest_images(sample_root: Path) -> None:
    from PIL import Image

    pngs = [p for p in sample_root.rglob("*.png") if p.name != "black_512x512.png"]
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in pngs]
    assert len(set(digests)) == len(digests), "two views came out identical"
    with Image.open(pngs[0]) as img:
        assert img.size == (256, 256)


def test_sample_person_has_a_detectable_face_in_every_view(sample_root: Path) -> None:
    dlib = pytest.importorskip("dlib")
    import numpy as np
    from PIL import Image

    detector = dlib.get_frontal_face_detector()
    views = sorted((sample_root / "concept/train/astro").glob("*.png"))
    views += sorted((sample_root / "concept/test/astro").glob("*.png"))
    assert len(views) == N_TRAIN + N_TEST
    for path in views:
        faces = detector(np.asarray(Image.open(path).convert("RGB")), 0)
        assert len(faces) >= 1, path
        assert max(f.width() for f in faces) >= 80, path
