"""Face similarity on real photos with dlib's pretrained descriptor; ArcFace up to model load."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dlib")
pytest.importorskip("face_recognition_models")

from PIL import Image

from tests.scorers.conftest import json_roundtrip, make_concept, make_prompt
from unifybench.errors import ScorerUnavailable
from unifybench.scorers.base import ScoringInput
from unifybench.scorers.faces import (
    ANTELOPEV2_REQUIRED,
    ArcFaceEmbedder,
    DlibEmbedder,
    FaceScorer,
    protocol_resize,
)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Astronaut (one person) under crops/flip, LFW faces (other people), coffee (no face)."""
    from skimage import data

    root = tmp_path_factory.mktemp("faces")

    def save(name: str, arr: np.ndarray) -> Path:
        if arr.ndim == 2:
            arr = np.stack([arr] * 3, axis=-1)
        path = root / f"{name}.png"
        Image.fromarray(np.ascontiguousarray(arr)).save(path)
        return path

    ast = data.astronaut()
    lfw = (data.lfw_subset()[:100] * 255).astype(np.uint8)  # the first 100 are faces
    return {
        "refs": [save("ref0", ast[:400, 60:460]), save("ref1", ast[20:360, 100:420])],
        "same": [save("same_flip", ast[:, ::-1]), save("same_crop", ast[10:330, 80:400])],
        "other": [save("lfw0", lfw[0]), save("lfw20", lfw[20]), save("lfw40", lfw[40])],
        "none": [save("coffee", data.coffee())],
    }


@pytest.fixture(scope="module")
def dlib_embedder() -> DlibEmbedder:
    return DlibEmbedder()


def score(protocol: str, embedder, refs, images) -> tuple[FaceScorer, list]:
    scorer = FaceScorer(protocol, embedder)
    concept = make_concept("coco", tuple(refs), category="human")
    inputs = [
        ScoringInput(item=make_prompt("face", i, cid="coco"), concept=concept, images=tuple(imgs))
        for i, imgs in enumerate(images)
    ]
    return scorer, scorer.score(inputs)


def test_same_person_scores_above_different_people(photos, dlib_embedder) -> None:
    for protocol in ("legacy", "v2"):
        scorer, (same, other) = score(
            protocol, dlib_embedder, photos["refs"], [photos["same"], photos["other"]]
        )
        assert scorer.id == f"face_sim_dlib/dlib-resnet-v1/{protocol}@1"
        assert all(same.metadata["detected"]) and all(other.metadata["detected"])
        assert min(same.metadata["per_image"]) > max(other.metadata["per_image"])
        assert same.value > 0.6  # 1 - L2: same face under crop/flip is close
        assert other.value < 0.45  # different people are beyond dlib's 0.6 distance


def test_no_face_dropped_in_legacy_counted_zero_in_v2(photos, dlib_embedder) -> None:
    images = [photos["same"] + photos["none"]]
    _, (legacy,) = score("legacy", dlib_embedder, photos["refs"], images)
    v2_scorer, (v2,) = score("v2", dlib_embedder, photos["refs"], images)
    assert legacy.metadata["detected"] == [True, True, False]
    assert legacy.metadata["per_image"][2] is None
    assert v2.metadata["per_image"][2] == 0.0
    faces = legacy.metadata["per_image"][:2]
    assert legacy.value == pytest.approx(np.mean(faces))
    assert v2.value == pytest.approx(sum(faces) / 3)
    assert "dropped (legacy)" in legacy.explanation and "counted as 0" in v2.explanation
    agg = v2_scorer.aggregate([v2])
    assert agg["face_detection_rate"] == pytest.approx(2 / 3)
    assert agg["face_sim_dlib"] == pytest.approx(v2.value)
    legacy_scorer = FaceScorer("legacy", dlib_embedder)
    assert legacy_scorer.aggregate(json_roundtrip([legacy])) == legacy_scorer.aggregate([legacy])
    assert v2_scorer.aggregate(json_roundtrip([v2])) == agg


def test_aggregate_equals_published_pair_grid_mean(photos, dlib_embedder) -> None:
    """Mean over every (training, generated) pair with a face, across all prompts of a concept."""
    groups = [photos["same"], photos["other"] + photos["none"]]
    scorer, scores = score("legacy", dlib_embedder, photos["refs"], groups)

    def emb(p: Path):
        return dlib_embedder.embed(np.asarray(protocol_resize(Image.open(p).convert("RGB"))))

    refs = [emb(p) for p in photos["refs"]]
    gens = [e for p in groups[0] + groups[1] if (e := emb(p)) is not None]
    grid = [1 - np.linalg.norm(r - g) for r in refs for g in gens]
    agg = scorer.aggregate(scores)
    assert agg["face_sim_dlib"] == pytest.approx(float(np.mean(grid)), abs=1e-9)
    assert agg["face_detection_rate"] == pytest.approx(5 / 6)


def test_unreadable_image_and_faceless_references(photos, dlib_embedder, tmp_path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"garbage")
    scorer, (s,) = score("v2", dlib_embedder, photos["refs"], [[photos["same"][0], bad]])
    assert s.metadata["errors"] and "bad.png" in s.explanation
    assert s.value == pytest.approx(s.metadata["per_image"][0])  # the broken file is not a zero
    assert scorer.aggregate([s])["face_detection_rate"] == 1.0
    assert scorer.aggregate(json_roundtrip([s])) == scorer.aggregate([s])
    _, (nor,) = score("v2", dlib_embedder, photos["none"], [photos["same"]])
    assert math.isnan(nor.value) and nor.metadata["refs_with_face"] == 0
    assert "no face found in any training image" in nor.explanation


def test_protocol_resize_matches_published_arithmetic() -> None:
    sizes = {(512, 512): (1280, 1280), (640, 480): (1280, 960), (25, 25): (1280, 1280)}
    for src, expected in sizes.items():
        assert protocol_resize(Image.new("RGB", src)).size == expected
    w, h = protocol_resize(Image.new("RGB", (300, 1000))).size
    assert h == 1280 and w % 64 == 0 and w == (round(1280 / 3413 * 1024) // 64) * 64


def test_arcface_missing_pack_is_clear_and_fast(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ScorerUnavailable) as err:
        FaceScorer("legacy", ArcFaceEmbedder(model_dir=tmp_path / "antelopev2"))
    assert time.monotonic() - start < 5
    msg = str(err.value)
    assert str(tmp_path / "antelopev2") in msg
    for name in (*ANTELOPEV2_REQUIRED, "antelopev2.zip", "face_sim_dlib"):
        assert name in msg


def test_arcface_broken_models_fail_at_load(tmp_path) -> None:
    pack = tmp_path / "antelopev2" / "antelopev2"  # the zip's nesting is accepted
    pack.mkdir(parents=True)
    for name in ANTELOPEV2_REQUIRED:
        (pack / name).write_bytes(b"not an onnx model")
    with pytest.raises(ScorerUnavailable, match="failed to load"):
        ArcFaceEmbedder(model_dir=pack.parent, download=False)


def test_arcface_keeps_the_largest_face_normalised() -> None:
    """Selection logic only (the antelopev2 models cannot be had here): insightface Face records
    as its FaceAnalysis.get returns them; the largest box wins and is L2-normalised."""
    from insightface.app.common import Face

    small = Face(bbox=np.array([0, 0, 10, 10]), embedding=np.full(512, 1.0))
    large = Face(bbox=np.array([0, 0, 50, 40]), embedding=np.arange(512, dtype=np.float32))
    seen: list[np.ndarray] = []

    class App:  # stands in for FaceAnalysis: returns the faces it was told about
        def get(self, bgr: np.ndarray) -> list:
            seen.append(bgr)
            return [small, large] if bgr.any() else []

    emb = ArcFaceEmbedder.__new__(ArcFaceEmbedder)
    emb.app = App()
    rgb = np.zeros((8, 8, 3), dtype=np.uint8)
    rgb[..., 0] = 255  # red in RGB
    out = emb.embed(rgb)
    assert seen[0][..., 2].all() and not seen[0][..., 0].any()  # handed over as BGR
    assert out is not None and np.linalg.norm(out) == pytest.approx(1.0)
    assert np.allclose(out, np.arange(512) / np.linalg.norm(np.arange(512)))
    assert emb.embed(np.zeros((8, 8, 3), dtype=np.uint8)) is None


def test_arcface_equal_areas_take_the_later_face_as_published() -> None:
    """Published eval/face_eval_v2.py (arctanxarc/UniCTokens) sorts faces by box area and takes
    the last: of two equally large faces the one detected later is used."""
    from insightface.app.common import Face

    first = Face(bbox=np.array([0, 0, 20, 10]), embedding=np.full(512, 1.0))
    second = Face(bbox=np.array([5, 5, 15, 25]), embedding=np.arange(512, dtype=np.float32))

    class App:
        def get(self, bgr: np.ndarray) -> list:
            return [first, second]

    emb = ArcFaceEmbedder.__new__(ArcFaceEmbedder)
    emb.app = App()
    out = emb.embed(np.zeros((8, 8, 3), dtype=np.uint8))
    assert out is not None
    assert np.allclose(out, np.arange(512) / np.linalg.norm(np.arange(512)))
