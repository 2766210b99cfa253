"""TextJudgeScorer and KnowledgeScorer on the loopback server."""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.judges.conftest import fast_config
from unifybench.data.records import Concept, GenerationPrompt, UnderstandingItem
from unifybench.errors import ConfigError
from unifybench.judges import OpenAIJudge
from unifybench.scorers.base import Score, ScoringInput
from unifybench.scorers.judged import TextJudgeScorer
from unifybench.scorers.knowledge import KnowledgeScorer, legacy_sample

CONCEPT = Concept(
    id="bo",
    category="animal",
    class_noun="dog",
    info="<bo> is a small brown dog.",
    extra_info=("<bo> has a red hat.", "<bo> loves the beach."),
    generation_type="live_subject",
    train_images=(),
    test_images=(),
)
SYSTEM_PROMPT = "<bo> is <token_0><token_1><token_2>.\n"


def vqa_input(i: int, text: str | None, *, system_prompt: str | None = None) -> ScoringInput:
    item = UnderstandingItem(
        id=f"bo/vqa/{i}",
        concept_id="bo",
        task="vqa",
        index=i,
        question=f"What does <bo> wear? ({i})",
        answer="A red hat.",
        image=None,
    )
    return ScoringInput(item=item, concept=CONCEPT, text=text, system_prompt=system_prompt)


def user_content(body: dict):
    return next(m for m in body["messages"] if m["role"] == "user")["content"]


def test_text_scorer_ids_metrics_and_metadata(server, judge_key, tmp_path) -> None:
    server.responder(
        lambda body: "1" if "red hat" in user_content(body).split("Model")[-1] else "0"
    )
    judge = OpenAIJudge(fast_config(server, tmp_path))
    scorer = TextJudgeScorer(judge, "v2")
    assert scorer.id == "judge/fake-judge/v2@1" and scorer.metric == "judge"
    assert scorer.tasks == frozenset({"vqa", "text_only"})
    scores = scorer.score(
        [vqa_input(0, "It wears a red hat."), vqa_input(1, "A blue scarf."), vqa_input(2, None)]
    )
    assert [s.value for s in scores[:2]] == [1.0, 0.0]
    assert math.isnan(scores[2].value) and scores[2].explanation == "no prediction"
    assert len(server.requests) == 2  # nothing sent for a missing prediction
    meta = scores[0].metadata
    assert meta["judge"] == judge.identity and meta["prompt_hash"] == judge.template.sha256
    json.dumps([s.metadata for s in scores])  # the runner stores metadata as JSON
    assert scorer.aggregate(scores) == {"judge": 0.5}  # NaN skipped, counted by the runner


def test_legacy_text_scorer_shows_the_system_prompt_to_the_judge(
    server, judge_key, tmp_path
) -> None:
    judge = OpenAIJudge(fast_config(server, tmp_path))  # built-in "text" prompt
    legacy = TextJudgeScorer(judge, "legacy")
    assert legacy.id == "judge/fake-judge/legacy@3"
    assert legacy.judge.config.prompt == "text-legacy"
    assert legacy.judge.identity != judge.identity
    legacy.score([vqa_input(0, "A red hat.", system_prompt=SYSTEM_PROMPT)])
    v2 = TextJudgeScorer(judge, "v2")
    v2.score([vqa_input(0, "A red hat.", system_prompt=SYSTEM_PROMPT)])
    legacy_text, v2_text = (user_content(b) for b in server.requests)
    assert f"Question: {SYSTEM_PROMPT}What does <bo> wear? (0)" in legacy_text
    assert "<token_0>" not in v2_text and "What does <bo> wear? (0)" in v2_text
    assert [m["role"] for m in server.requests[0]["messages"]] == ["user"]


def test_text_scorer_rejects_other_tasks_and_protocols(server, judge_key, tmp_path) -> None:
    judge = OpenAIJudge(fast_config(server, tmp_path))
    with pytest.raises(ConfigError, match="protocol"):
        TextJudgeScorer(judge, "v3")
    with pytest.raises(ConfigError, match="needs a text judge"):
        TextJudgeScorer(vision_judge(server, tmp_path), "v2")
    rec = UnderstandingItem("bo/rec/0", "bo", "rec", 0, "Is <bo> here?", "Yes.", None)
    with pytest.raises(ConfigError, match="rec"):
        TextJudgeScorer(judge, "v2").score([ScoringInput(rec, CONCEPT, "yes")])


def make_images(folder: Path, n: int) -> tuple[Path, ...]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"{i}.png"
        Image.fromarray(np.full((8, 8, 3), i * 20, dtype=np.uint8)).save(path)
        paths.append(path)
    return tuple(paths)


def knowledge_input(index: int, images: tuple[Path, ...]) -> ScoringInput:
    item = GenerationPrompt(
        id=f"bo/knowledge/{index}",
        concept_id="bo",
        task="knowledge",
        index=index,
        prompt="<bo> on the beach wearing its hat",
        clip_text="dog on the beach wearing its hat",
        n_images=len(images),
    )
    return ScoringInput(item=item, concept=CONCEPT, images=images)


def image_from_request(body: dict, kind: str | None = None) -> bytes:
    """The bytes of the one image a request carries (PNG as stored under v2; legacy re-encodes
    as JPEG quality 95 like the published judge)."""
    parts = user_content(body)
    [url] = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    if kind is not None:
        assert url.startswith(f"data:image/{kind};base64,"), url[:40]
    return base64.b64decode(url.split(",", 1)[1])


def vision_judge(server, tmp_path) -> OpenAIJudge:
    return OpenAIJudge(fast_config(server, tmp_path, role="vision", prompt="vision"))


def test_knowledge_legacy_judges_a_seeded_sample_of_four(server, judge_key, tmp_path) -> None:
    images = make_images(tmp_path / "gen", 10)
    # the grade depends on which image was sent: image i (grey level 20 i) -> 1 if i even else 0
    server.responder(lambda body: "1" if _grey(body) % 40 == 0 else "0")
    scorer = KnowledgeScorer(vision_judge(server, tmp_path / "c"), "legacy", seed=7)
    assert scorer.id == "judge/fake-judge-image/legacy@3"
    [score] = scorer.score([knowledge_input(1, images)])
    chosen = legacy_sample(10, 7, "bo/knowledge/1")
    assert len(chosen) == 4 and chosen == legacy_sample(10, 7, "bo/knowledge/1")
    # the sample depends on the seed and the item id
    samples = {
        tuple(legacy_sample(10, seed, f"bo/knowledge/{i}")) for seed in (7, 8) for i in (1, 2)
    }
    assert len(samples) > 1
    assert legacy_sample(3, 7, "bo/knowledge/1") == [0, 1, 2]  # fewer than 4: all of them
    assert [img["index"] for img in score.metadata["images"]] == chosen
    assert len(server.requests) == 4
    sent = sorted(_grey(b) for b in server.requests)  # legacy sends JPEG q95, as published
    assert sent == sorted(20 * i for i in chosen)
    assert all(image_from_request(b, "jpeg") for b in server.requests)
    expected = sum(1.0 if i % 2 == 0 else 0.0 for i in chosen) / 4
    assert score.value == pytest.approx(expected)
    for body in server.requests:  # stateless: one system + one user turn per image
        assert [m["role"] for m in body["messages"]] == ["system", "user"]
        text = user_content(body)[0]["text"]
        assert "<bo> has a red hat." in text and "<bo> is a small brown dog." in text
        assert "<bo> on the beach wearing its hat" in text
    # same seed, fresh cache: the same sample again
    server.requests.clear()
    again = KnowledgeScorer(vision_judge(server, tmp_path / "c2"), "legacy", seed=7)
    [score2] = again.score([knowledge_input(1, images)])
    assert score2.value == score.value
    assert sorted(_grey(b) for b in server.requests) == sent


def _grey(body: dict) -> int:
    """The grey level (a multiple of 20) of the test image a request carries."""
    raw = image_from_request(body)
    with Image.open(io.BytesIO(raw)) as img:
        return 20 * round(img.convert("L").getpixel((0, 0)) / 20)


def test_knowledge_v2_judges_all_images_and_aggregates(server, judge_key, tmp_path) -> None:
    server.responder(lambda body: "1" if _grey(body) < 60 else "0.5")
    images = make_images(tmp_path / "gen", 6)  # grey 0, 20, 40 -> 1; 60, 80, 100 -> 0.5
    scorer = KnowledgeScorer(vision_judge(server, tmp_path / "c"), "v2")
    scores = scorer.score([knowledge_input(1, images), knowledge_input(2, images[:2])])
    assert len(server.requests) == 6  # the 2 images of the second condition are cached repeats
    assert scores[0].value == pytest.approx(0.75) and scores[1].value == 1.0
    assert scores[0].metadata["n_judged"] == 6 and scores[0].metadata["n_unscored"] == 0
    assert scorer.aggregate(scores) == {"judge": pytest.approx(0.875)}
    restored = [Score(**json.loads(json.dumps(s.__dict__))) for s in scores]
    assert scorer.aggregate(restored) == scorer.aggregate(scores)


def test_knowledge_all_unscored_is_nan_not_a_crash(server, judge_key, tmp_path) -> None:
    server.responder(lambda body: "I cannot see an image.")
    images = make_images(tmp_path / "gen", 3)
    scorer = KnowledgeScorer(vision_judge(server, tmp_path / "c"), "legacy")
    [score] = scorer.score([knowledge_input(1, images)])
    assert math.isnan(score.value) and score.metadata["n_unscored"] == 3
    assert "none of the 3" in score.explanation
    assert all(img["error"] and img["raw"] for img in score.metadata["images"])
    assert math.isnan(scorer.aggregate([score])["judge"])


def test_knowledge_scorer_needs_a_vision_judge(server, judge_key, tmp_path) -> None:
    with pytest.raises(ConfigError, match="vision judge"):
        KnowledgeScorer(OpenAIJudge(fast_config(server, tmp_path)), "v2")
