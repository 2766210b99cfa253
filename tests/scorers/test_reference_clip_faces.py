"""Legacy CLIP-I/CLIP-T and face similarity equal the published scorers' recorded outputs.

CLIP: the published ``SHOWO_P_CLIPEvaluator`` (eval/clip_eval.py) ran a small random CLIP built by
OpenAI's ``clip`` package (``clip.load`` of a TorchScript archive); the same weights
(``clip/weights.safetensors``) are loaded strictly into an ``open_clip.CLIP`` here, the project's
model class. Faces: ``resize_img`` and ``SHOWO_P_FACEEvaluator`` (eval/face_eval_v2.py) with a
scripted detector in place of insightface's models; the same scripted faces are given to the
project's ArcFace embedder. Tolerances: the published code computes in float32 (torch), the
project's face code in float64, and CLIP batches differently, so values agree to about 1e-7 in
float32 terms, not bit for bit; 1e-5 (CLIP) and 1e-6 (faces) are asserted.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.reference import LEGACY, load, worst
from unifybench.data.records import Concept, GenerationPrompt
from unifybench.scorers.base import ScoringInput

CLIP_TOLERANCE = 1e-5
FACE_TOLERANCE = 1e-6


# --- CLIP -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip_record() -> dict[str, Any]:
    return load("clip.json")


@pytest.fixture(scope="module")
def encoder(clip_record: dict[str, Any]) -> Any:
    """The recorded weights in open_clip's CLIP, with open_clip's preprocessing and tokenizer."""
    torch = pytest.importorskip("torch")
    open_clip = pytest.importorskip("open_clip")
    pytest.importorskip("safetensors")
    from safetensors.torch import load_file

    from unifybench.scorers.clip import OPENAI_MEAN, OPENAI_STD, ClipEncoder

    arch = clip_record["architecture"]
    model = open_clip.CLIP(
        embed_dim=arch["embed_dim"],
        quick_gelu=True,
        vision_cfg={
            "image_size": arch["image_resolution"],
            "layers": arch["vision_layers"],
            "width": arch["vision_width"],
            "head_width": 64,  # the clip package: vision heads = width // 64
            "patch_size": arch["vision_patch_size"],
        },
        text_cfg={
            "context_length": arch["context_length"],
            "vocab_size": arch["vocab_size"],
            "width": arch["transformer_width"],
            "heads": arch["transformer_heads"],
            "layers": arch["transformer_layers"],
        },
    )
    stored = load_file(str(LEGACY / "clip" / "weights.safetensors"))
    state = {k: v.float() for k, v in stored.items() if not k.startswith("token_embedding.")}
    embedding = torch.zeros(arch["vocab_size"], arch["transformer_width"])
    embedding[stored["token_embedding.rows"]] = stored["token_embedding.values"].float()
    state["token_embedding.weight"] = embedding
    model.load_state_dict(state, strict=True)
    preprocess = open_clip.image_transform(
        arch["image_resolution"],
        is_train=False,
        mean=OPENAI_MEAN,
        std=OPENAI_STD,
        interpolation="bicubic",
        resize_mode="shortest",
    )
    tokenizer = open_clip.SimpleTokenizer(context_length=arch["context_length"])
    return ClipEncoder(model=model, preprocess=preprocess, tokenizer=tokenizer)


def test_clip_tokens_equal_the_clip_package(encoder, clip_record) -> None:
    for text, tokens in clip_record["text_tokens"].items():
        assert encoder.tokenizer([text])[0].tolist() == tokens


def test_legacy_pixels_equal_the_published_pipeline(encoder, clip_record) -> None:
    """What the model is fed (PIL resize 512, crop, [0.5, 1] quirk, CLIP resize/crop/normalise)."""
    from PIL import Image

    picks = clip_record["model_input_picks"]
    diffs = []
    for name, ref in clip_record["model_input"].items():
        with Image.open(LEGACY / "clip" / "images" / name) as img:
            x = encoder.transform("legacy")(img.convert("RGB")).double().flatten()
        assert list(encoder.transform("legacy")(Image.new("RGB", (9, 9))).shape) == ref["shape"]
        diffs += [(float(x[i]), v) for i, v in zip(picks, ref["picks"], strict=True)]
        n = x.numel()
        diffs.append((float(x.sum()) / n, ref["sum"] / n))
        diffs.append((float((x * x).sum()) / n, ref["sum_of_squares"] / n))
    assert worst(diffs, "clip legacy model input") <= 1e-6


def test_legacy_embeddings_equal_the_published_ones(encoder, clip_record) -> None:
    names = sorted(clip_record["image_embeddings"])
    paths = [LEGACY / "clip" / "images" / n for n in names]
    ours, errors = encoder.encode_image_files(paths, "legacy")
    assert not any(errors)
    diffs = [
        (float(a), b)
        for row, name in zip(ours, names, strict=True)
        for a, b in zip(row.tolist(), clip_record["image_embeddings"][name], strict=True)
    ]
    texts = list(clip_record["text_embeddings"])
    for row, text in zip(encoder.encode_texts(texts), texts, strict=True):
        diffs += list(zip(row.tolist(), clip_record["text_embeddings"][text], strict=True))
    assert worst(diffs, "clip embeddings") <= CLIP_TOLERANCE


def _clip_inputs(clip_record: dict[str, Any]) -> dict[str, list[ScoringInput]]:
    images = LEGACY / "clip" / "images"
    out: dict[str, list[ScoringInput]] = {}
    for cid, prompts in clip_record["generated"].items():
        noun = clip_record["classes"][cid]
        concept = Concept(
            id=cid,
            category="object",
            class_noun=noun,
            info="",
            extra_info=(),
            generation_type="object",
            train_images=tuple(images / n for n in clip_record["train_images"][cid]),
            test_images=(),
        )
        inputs = []
        for i, (prompt, files) in enumerate(prompts.items()):
            item = GenerationPrompt(
                id=f"{cid}/t2i/{i}",
                concept_id=cid,
                task="t2i",
                index=i,
                prompt=prompt.replace("<sks>", f"<{cid}>"),
                clip_text=prompt.replace("<sks>", noun),
                n_images=len(files),
            )
            inputs.append(ScoringInput(item, concept, images=tuple(images / f for f in files)))
        out[cid] = inputs
    return out


def test_clip_scores_and_pooled_means_equal_published(encoder, clip_record) -> None:
    """Per image CLIP-I / CLIP-T, and print_avg_results' pool over all images of all concepts
    (the runner's weighted mean over concepts with the scorers' _pool_weight)."""
    from unifybench.runner.aggregate import _weighted_mean_or_none
    from unifybench.scorers.base import POOL_WEIGHT
    from unifybench.scorers.clip import ClipImageScorer, ClipTextScorer

    diffs = []
    for scorer_cls, key, printed in (
        (ClipImageScorer, "sim_samples_to_img", "img2img_avg"),
        (ClipTextScorer, "sim_samples_to_text", "img2text_avg"),
    ):
        scorer = scorer_cls("legacy", encoder=encoder)
        per_concept, weights = {}, {}
        for cid, inputs in _clip_inputs(clip_record).items():
            scores = scorer.score(inputs)
            for inp, score in zip(inputs, scores, strict=True):
                prompt = inp.item.prompt.replace(f"<{cid}>", "<sks>")
                published = clip_record["results"][cid][prompt]
                for path, value in zip(inp.images, score.metadata["per_image"], strict=True):
                    file = next(
                        f"{i}.png"
                        for i, name in enumerate(clip_record["generated"][cid][prompt])
                        if name == path.name
                    )
                    diffs.append((value, published[file][key]))
            out = scorer.aggregate(scores)
            weights[cid] = out.pop(POOL_WEIGHT)
            per_concept[cid] = out[scorer.metric]
        pooled = _weighted_mean_or_none(per_concept, weights)
        diffs.append((pooled, clip_record["print_avg_results"][printed]))
    assert len(diffs) > 20 and worst(diffs, "clip scores and pooled means") <= CLIP_TOLERANCE


# --- faces ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def face_record() -> dict[str, Any]:
    return load("faces.json")


def test_resize_equals_published_resize_img(face_record) -> None:
    from PIL import Image

    from unifybench.scorers.faces import protocol_resize

    for case in face_record["resize"]:
        with Image.open(LEGACY / case["file"]) as img:
            if "crash" in case:  # e.g. 17x931: a side snaps to 0 pixels there and here
                with pytest.raises(ValueError):
                    protocol_resize(img.convert("RGB"))
                continue
            out = protocol_resize(img.convert("RGB"))
        assert list(out.size) == case["out_size"]
        assert hashlib.sha256(out.tobytes()).hexdigest() == case["out_sha256"], case["file"]


class ScriptedApp:
    """insightface's FaceAnalysis.get as the recording scripted it: the faces of the image whose
    marker colour is in the top-left pixel; records the BGR arrays it was given."""

    def __init__(self, record: dict[str, Any]) -> None:
        from insightface.app.common import Face

        self.faces: dict[tuple[int, ...], list[Any]] = {}
        for concept in record["concepts"].values():
            for entry in concept["train"] + concept["gen"]:
                self.faces[tuple(entry["colour"])] = [
                    Face(
                        bbox=np.array(f["bbox"], dtype=np.float32),
                        embedding=np.array(f["embedding"], dtype=np.float32),
                    )
                    for f in entry["faces"]
                ]
        self.seen: dict[tuple[int, ...], str] = {}

    def get(self, bgr: np.ndarray) -> list[Any]:
        b, g, r = (int(x) for x in bgr[0, 0])
        colour = min(self.faces, key=lambda c: abs(c[0] - r) + abs(c[1] - g) + abs(c[2] - b))
        self.seen[colour] = hashlib.sha256(bgr.tobytes()).hexdigest()
        return list(self.faces[colour])


@pytest.fixture
def arcface(face_record) -> Any:
    pytest.importorskip("insightface")
    from unifybench.scorers.faces import ArcFaceEmbedder

    embedder = object.__new__(ArcFaceEmbedder)  # the real class; only its detector is scripted
    embedder.app = ScriptedApp(face_record)
    return embedder


def test_largest_face_and_pixels_equal_published_encode_image(arcface, face_record) -> None:
    """The detector sees the same pixels; the same face is chosen (largest box, the later of
    equal ones); the embedding equals the published normalised one."""
    from unifybench.scorers.faces import FaceScorer

    scorer = FaceScorer("legacy", arcface)
    diffs = []
    for concept in face_record["concepts"].values():
        for entry in concept["train"] + concept["gen"]:
            emb, err = scorer.embed_file(LEGACY / entry["file"])
            assert not err
            assert arcface.app.seen[tuple(entry["colour"])] == entry["detector_saw"]["sha256"]
            published = entry["encode_image"]
            if "crash" in published:  # no face: the published code raised, the image dropped
                assert emb is None and not entry["faces"]
                continue
            diffs += list(zip(emb.tolist(), published["value"], strict=True))
    assert worst(diffs, "face embeddings chosen") <= FACE_TOLERANCE


def test_face_similarity_equals_published_evaluate_concept(arcface, face_record) -> None:
    from unifybench.scorers.faces import FaceScorer

    diffs, crashed = [], 0
    for cid, concept in face_record["concepts"].items():
        record = Concept(
            id=cid,
            category="human",
            class_noun="man",
            info="",
            extra_info=(),
            generation_type="live_subject",
            train_images=tuple(LEGACY / e["file"] for e in concept["train"]),
            test_images=(),
        )
        item = GenerationPrompt(
            id=f"{cid}/face/0",
            concept_id=cid,
            task="face",
            index=0,
            prompt=f"A photo of <{cid}>.",
            clip_text="A photo of man.",
            n_images=len(concept["gen"]),
        )
        images = tuple(LEGACY / e["file"] for e in concept["gen"])
        scorer = FaceScorer("legacy", arcface)
        scores = scorer.score([ScoringInput(item, record, images=images)])
        value = scorer.aggregate(scores)["face_sim"]
        if "crash" in concept["similarity"]:  # no generated image with a face
            crashed += 1
            assert math.isnan(value)
            continue
        diffs.append((value, concept["similarity"]["value"]))
    assert crashed == 1 and len(diffs) == 2 and worst(diffs, "face similarity") <= FACE_TOLERANCE


def test_published_detector_settings(face_record) -> None:
    from unifybench.scorers.faces import DET_SIZE

    assert face_record["detector"]["prepare"]["det_size"] == list(DET_SIZE)
    assert face_record["detector"]["init"]["name"] == "antelopev2"


def test_fixture_images_exist() -> None:
    assert Path(LEGACY / "clip" / "weights.safetensors").is_file()
