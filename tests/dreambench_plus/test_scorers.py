"""DreamBench++ scorers: DINO on tiny random models, the 0-4 readers, the judge over loopback."""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path

import pytest

from tests.support.openai_server import FakeOpenAI
from unifybench.benchmarks.dreambench_plus import LEGACY_PROTOCOL, V2_PROTOCOL
from unifybench.benchmarks.dreambench_plus.loader import load
from unifybench.errors import ScorerUnavailable
from unifybench.judges import JudgeConfig, OpenAIJudge
from unifybench.judges.parsing import (
    ReplyParseError,
    parse_score_0_4,
    parse_score_legacy_dreambench,
)
from unifybench.scorers.base import ScoringInput
from unifybench.scorers.dino import (
    DinoEncoder,
    DinoScorer,
    aggregate_dino,
    build_random_dino,
    dino_transform,
    open_like_published,
)
from unifybench.scorers.spec import ScorerContext
from unifybench.scorers.subject_judge import (
    CONCEPT_PRESERVATION,
    PROMPT_FOLLOWING,
    SubjectJudgeScorer,
    aggregate_judged,
)

KEY_VAR = "UB_TEST_DBPP_KEY"


@pytest.fixture(scope="module")
def bench(dbpp_sample: Path):
    return load(dbpp_sample)


def _inputs(bench, concept: str, images: list[Path]) -> list[ScoringInput]:
    items = bench.generation[concept]
    return [
        ScoringInput(item=items[i], concept=bench.concepts[concept], images=(img,))
        for i, img in enumerate(images)
    ]


@pytest.mark.parametrize("implementation", ["dino-vits8", "dinov2-small"])
def test_dino_on_a_tiny_random_model(bench, tmp_path, implementation) -> None:
    cat = "live_subject_animal_00_cat"
    reference = bench.concepts[cat].train_images[0]
    other = bench.concepts["object_00_coffee_cup"].train_images[0]
    unreadable = tmp_path / "broken.png"
    unreadable.write_bytes(b"not an image")
    encoder = DinoEncoder(implementation, model=build_random_dino(implementation))
    scorer = DinoScorer(V2_PROTOCOL, encoder=encoder)
    assert scorer.id == f"{scorer.spec.family}/{implementation}-injected/dbpp-v2@1"
    scores = scorer.score(_inputs(bench, cat, [reference, other, unreadable]))
    assert scores[0].value == pytest.approx(1.0, abs=1e-5)  # the reference itself
    assert -1 <= scores[1].value < 1.0
    assert math.isnan(scores[2].value) and "broken.png" in scores[2].explanation
    assert aggregate_dino(scores, V2_PROTOCOL, scorer.metric) == {
        scorer.metric: pytest.approx((scores[0].value + scores[1].value) / 2)
    }
    pooled = aggregate_dino(scores, LEGACY_PROTOCOL, scorer.metric)
    assert pooled["_pool_weight"] == 2.0


def test_dino_preprocessing_equals_the_dinov2_image_processor(bench) -> None:
    """The published DINOv2 score used BitImageProcessor (facebook/dinov2-small's settings)."""
    import torch
    from transformers import BitImageProcessor

    processor = BitImageProcessor(
        do_resize=True,
        size={"shortest_edge": 256},
        resample=3,
        do_center_crop=True,
        crop_size={"height": 224, "width": 224},
        do_rescale=True,
        rescale_factor=1 / 255,
        do_normalize=True,
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
        do_convert_rgb=True,
    )
    for concept in bench.concepts.values():
        img = open_like_published(concept.train_images[0].read_bytes())
        ours = dino_transform("dinov2-small")(img)
        theirs = torch.as_tensor(processor(images=img, return_tensors="pt")["pixel_values"][0])
        assert ours.shape == theirs.shape == (3, 224, 224)
        assert float((ours - theirs).abs().max()) < 0.02  # uint8 rounding of the resize only
    # DINO v1 crops as torchvision does: one pixel apart on odd margins (the 256x171 style image)
    style = open_like_published(
        bench.concepts["style_00_poster_flower_style"].train_images[0].read_bytes()
    )
    assert (
        float(
            (dino_transform("dino-vits8")(style) - dino_transform("dinov2-small")(style))
            .abs()
            .max()
        )
        > 0.1
    )


@pytest.mark.parametrize(("name", "repo"), [("dino", "timm/vit_small_patch8_224.dino"),
                                            ("dino_v2", "facebook/dinov2-small")])  # fmt: skip
def test_dino_weights_offline_skip_with_one_clear_reason(name, repo) -> None:
    from unifybench.runner.setup import short_reason
    from unifybench.scorers.registry import get_scorer

    spec = get_scorer(name)
    with pytest.raises(ScorerUnavailable) as err:
        spec.build(spec, V2_PROTOCOL, ScorerContext(), ("subject",))
    assert repo in short_reason(str(err.value)) and "not available" in str(err.value)


def test_strict_0_4_reading() -> None:
    assert parse_score_0_4("Score: 3") == 0.75
    assert parse_score_0_4("Analysis: the dog is there.\nscore: 4.") == 1.0
    for bad in ("Score: 5", "Score: 2.5", "3", "Score: 1\nScore: 2", "Score: good 3", None):
        with pytest.raises(ReplyParseError):
            parse_score_0_4(bad)


def test_published_0_4_reading() -> None:
    assert parse_score_legacy_dreambench("Score: 3") == 0.75
    assert parse_score_legacy_dreambench("Analysis: fine.\nScore: Excellent 4") == 1.0
    assert parse_score_legacy_dreambench("score: 7") == 1.75  # no range check, as published
    assert parse_score_legacy_dreambench("Score: 3.5") == 0.75  # the digits before the point
    for bad in ("3", "Score: 1 then score: 2", "SCORE: 3", None):
        with pytest.raises(ReplyParseError):
            parse_score_legacy_dreambench(bad)


def _judge(server: FakeOpenAI, **overrides) -> OpenAIJudge:
    config = JudgeConfig(
        role="vision",
        base_url=server.base_url,
        model="gpt-4o",
        api_key_env=KEY_VAR,
        prompt="dreambench-subject",
        use_cache=False,
        max_retries=0,
        **overrides,
    )
    return OpenAIJudge(config)


def _texts(request: dict) -> str:
    return json.dumps(request["messages"])


def _images(request: dict) -> list[bytes]:
    parts = request["messages"][-1]["content"]
    return [
        base64.b64decode(p["image_url"]["url"].split(",", 1)[1])
        for p in parts
        if p["type"] == "image_url"
    ]


def test_judges_over_loopback_v2(bench, monkeypatch) -> None:
    cat, style = "live_subject_animal_00_cat", "style_00_poster_flower_style"
    with FakeOpenAI() as server:
        monkeypatch.setenv(KEY_VAR, server.api_key)

        def reply(request: dict) -> str:
            text = _texts(request)
            if "Prompt:" in text:
                return "Analysis: it shows it.\nScore: 2"
            return "Score: 4" if "reference artwork" in text else "Score: 3"

        server.responder(reply)
        cp = SubjectJudgeScorer(_judge(server), V2_PROTOCOL, aspect="cp")
        pf = SubjectJudgeScorer(_judge(server), V2_PROTOCOL, aspect="pf")
        generated = bench.concepts["object_00_coffee_cup"].train_images[0]
        inputs = _inputs(bench, cat, [generated]) + _inputs(bench, style, [generated])
        cp_scores = cp.score(inputs)
        pf_scores = pf.score(inputs)
        requests = list(server.requests)
    assert [s.value for s in cp_scores] == [0.75, 1.0]  # subject template, then style template
    assert [s.value for s in pf_scores] == [0.5, 0.5]
    assert cp.id == "concept_preservation/gpt-4o/dbpp-v2@1"
    assert pf.id == "prompt_following/gpt-4o/dbpp-v2@1"
    assert "/prompts:" in cp.judge.identity and "/prompt:" in pf.judge.identity
    meta = cp_scores[1].metadata
    assert meta["images"][0]["template"] == "dreambench-style"
    assert meta["category"] == "style" and meta["rating_key"] == f"{style}-0"
    assert pf_scores[0].metadata["group"] == "photorealistic"
    cp_requests = [r for r in requests if "Prompt:" not in _texts(r)]
    pf_requests = [r for r in requests if "Prompt:" in _texts(r)]
    assert all(len(_images(r)) == 2 for r in cp_requests)  # reference first, then generated
    assert _images(cp_requests[0])[0] == bench.concepts[cat].train_images[0].read_bytes()
    assert all(len(_images(r)) == 1 for r in pf_requests)
    assert "a cat in a sunny park" in _texts(pf_requests[0])  # the prompt as written
    assert all(r["temperature"] == 0 and r["max_tokens"] == 512 for r in requests)
    agg = aggregate_judged(cp_scores, V2_PROTOCOL, CONCEPT_PRESERVATION.main_metric)
    assert agg["concept_preservation"] == 0.875
    assert agg["concept_preservation[style]"] == 1.0 and "_pool_weight" not in agg
    pf_agg = aggregate_judged(pf_scores, LEGACY_PROTOCOL, PROMPT_FOLLOWING.main_metric)
    assert pf_agg["prompt_following[photorealistic]"] == 0.5 and pf_agg["_pool_weight"] == 2


def test_legacy_judge_repeats_the_request_and_sends_512px_jpeg(bench, monkeypatch) -> None:
    from PIL import Image

    cat = "live_subject_animal_00_cat"
    replies = iter(["I think it is good.", "Score: 1 and score: 2", "Score: Good 3"])
    with FakeOpenAI() as server:
        monkeypatch.setenv(KEY_VAR, server.api_key)
        server.responder(lambda request: next(replies))
        cp = SubjectJudgeScorer(_judge(server), LEGACY_PROTOCOL, aspect="cp")
        (score,) = cp.score(_inputs(bench, cat, [bench.concepts[cat].train_images[0]]))
        requests = list(server.requests)
    assert score.value == 0.75 and len(requests) == 3
    assert score.metadata["images"][0]["attempts"] == 3
    assert all(r["temperature"] == 1 and "max_tokens" not in r for r in requests)
    for data in _images(requests[0]):
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "JPEG" and img.size == (512, 512)
    assert cp.id == "concept_preservation/gpt-4o/dbpp-legacy@1"


def test_legacy_judge_leaves_an_unreadable_item_out(bench, monkeypatch) -> None:
    cat = "live_subject_animal_00_cat"
    with FakeOpenAI() as server:
        monkeypatch.setenv(KEY_VAR, server.api_key)
        server.responder(lambda request: "no idea")
        pf = SubjectJudgeScorer(_judge(server), LEGACY_PROTOCOL, aspect="pf")
        (score,) = pf.score(_inputs(bench, cat, [bench.concepts[cat].train_images[0]]))
        assert len(server.requests) == 3
    assert (
        math.isnan(score.value) and "left out as published" in score.metadata["images"][0]["error"]
    )


def test_colour_histogram_stand_in(bench, tmp_path) -> None:
    from PIL import Image

    from unifybench.scorers.colour import ColourHistogramScorer

    cat = "live_subject_animal_00_cat"
    reference = bench.concepts[cat].train_images[0]
    grey = tmp_path / "grey.png"
    Image.new("RGB", (32, 32), (128, 128, 128)).save(grey)
    scorer = ColourHistogramScorer(V2_PROTOCOL)
    assert scorer.id == "colour_hist/rgb-8x8x8/dbpp-v2@1" and scorer.spec.replaces == "dino"
    same, flat = scorer.score(_inputs(bench, cat, [reference, grey]))
    assert same.value == pytest.approx(1.0) and 0 <= flat.value < 0.2
