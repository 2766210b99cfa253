"""Legacy judge-reply readings pinned to the published scripts' rules.

Published (arctanxarc/UniCTokens): eval/eval_p_mmu.py reads the text judge's reply as
``float(reply.split("Score::")[-1].strip())`` and asserts 0 <= score <= 1 (a failure crashes the
concept); eval/4o_judge_t2i.py reads the image judge's reply as ``float(reply.strip())`` with no
range check and skips images whose reply does not read.
"""

from __future__ import annotations

import math

import pytest

from tests.judges.conftest import fast_config
from tests.judges.test_scorers import _grey, knowledge_input, make_images, user_content, vqa_input
from unifybench.judges import OpenAIJudge
from unifybench.judges.parsing import (
    REASK_SUFFIX,
    ReplyParseError,
    parse_score_legacy_text,
    parse_score_legacy_vision,
)
from unifybench.scorers.judged import TextJudgeScorer
from unifybench.scorers.knowledge import KnowledgeScorer

REPLIES = [
    "1",
    "1.0",
    " 0.5\n",
    "0",
    "0.7",
    "1.",
    ".5",
    "Score:: 0.5",
    "Verdict. Score::1.0",
    "Score: 1",
    "1.5",
    "-0.5",
    "yes",
    "",
    "nan",
    "inf",
    "1/1",
    "0.5 (partial)",
    "2",
]


def published_text(reply: str) -> float | None:
    """Straightforward re-reading of the published text rule; None where it would crash."""
    try:
        score = float(reply.split("Score::")[-1].strip())
    except ValueError:
        return None
    return score if 0 <= score <= 1 else None  # NaN fails the published assert too


def published_vision(reply: str) -> float | None:
    """The published image-judge rule; None where the image is skipped. NaN and inf are read
    by the published code too, and make its condition and concept means non-finite (no usable
    number); the project skips such replies instead (docs/metrics.md; the recorded outputs are in
    tests/fixtures/reference/legacy/knowledge.json)."""
    try:
        score = float(reply.strip())
    except ValueError:
        return None
    return score if math.isfinite(score) else None


@pytest.mark.parametrize("reply", REPLIES)
def test_legacy_text_reading_matches_the_published_rule(reply: str) -> None:
    expected = published_text(reply)
    if expected is None:
        with pytest.raises(ReplyParseError):
            parse_score_legacy_text(reply)
    else:
        assert parse_score_legacy_text(reply) == expected


@pytest.mark.parametrize("reply", REPLIES)
def test_legacy_vision_reading_matches_the_published_rule(reply: str) -> None:
    expected = published_vision(reply)
    if expected is None:
        with pytest.raises(ReplyParseError):
            parse_score_legacy_vision(reply)
    else:
        assert parse_score_legacy_vision(reply) == expected


def test_golden_values() -> None:
    assert parse_score_legacy_text("0.7") == 0.7  # not one of 0/0.5/1, still taken
    assert parse_score_legacy_text("Score:: 0.5") == 0.5
    assert parse_score_legacy_vision("2") == 2.0  # no range check upstream
    for bad in ("Score: 1", "1.5", None):
        with pytest.raises(ReplyParseError):
            parse_score_legacy_text(bad)


def test_text_scorer_legacy_takes_a_non_grid_grade_v2_does_not(server, judge_key, tmp_path) -> None:
    server.responder(lambda body: "0.7")
    legacy = TextJudgeScorer(OpenAIJudge(fast_config(server, tmp_path / "a")), "legacy")
    [s] = legacy.score([vqa_input(0, "A red cap.", system_prompt="<bo> is <token_0>.\n")])
    assert s.value == pytest.approx(0.7) and s.metadata["reading"] == "legacy"
    v2 = TextJudgeScorer(OpenAIJudge(fast_config(server, tmp_path / "b")), "v2")
    [s2] = v2.score([vqa_input(0, "A red cap.")])
    assert math.isnan(s2.value)  # strict: unreadable even after the re-ask


def test_text_scorer_legacy_reads_the_first_reply_and_flags_published_crashes(
    server, judge_key, tmp_path
) -> None:
    # first reply "Score: 1" (the published script crashed on it); the re-ask answers "1"
    def reply(body: dict) -> str:
        content = user_content(body)
        return "1" if content.endswith(REASK_SUFFIX) else "Score: 1"

    server.responder(reply)
    legacy = TextJudgeScorer(OpenAIJudge(fast_config(server, tmp_path)), "legacy")
    [s] = legacy.score([vqa_input(0, "A red hat.")])
    assert s.value == 1.0  # strict reading kept: no number exists upstream for this concept
    assert "would have crashed" in s.explanation and s.metadata["legacy_unreadable"]


def test_knowledge_legacy_skips_images_the_published_reading_cannot_read(
    server, judge_key, tmp_path
) -> None:
    # image grey level 0 -> "1"; grey 20 -> "Score: 1" first, "0" when re-asked; grey 40 -> "0.8"
    def reply(body: dict) -> str:
        parts = user_content(body)
        text = parts[0]["text"]
        grey = _grey(body)
        if grey == 0:
            return "1"
        if grey == 20:
            return "0" if text.endswith(REASK_SUFFIX) else "Score: 1"
        return "0.8"

    server.responder(reply)
    images = make_images(tmp_path / "gen", 3)
    vision = dict(role="vision", prompt="vision")
    legacy = KnowledgeScorer(OpenAIJudge(fast_config(server, tmp_path / "l", **vision)), "legacy")
    [s] = legacy.score([knowledge_input(1, images)])
    # published: image 0 -> 1.0, image 1 skipped, image 2 -> 0.8; mean of the read ones
    assert s.value == pytest.approx((1.0 + 0.8) / 2)
    assert s.metadata["n_unscored"] == 1
    assert len(server.requests) == 3  # no re-ask: the published script sent one request each
    server.requests.clear()
    v2 = KnowledgeScorer(OpenAIJudge(fast_config(server, tmp_path / "v", **vision)), "v2")
    [s2] = v2.score([knowledge_input(1, images)])
    assert s2.value == pytest.approx(1.0)  # strict: 1, 1 (reads "Score: 1"), 0.8 unreadable


def test_knowledge_extra_info_joined_by_spaces_in_legacy(server, judge_key, tmp_path) -> None:
    """Published eval/4o_judge_t2i.py joins the extra_info sentences with single spaces and
    ends them with a line break (every shape is compared in test_reference_legacy.py)."""
    server.responder(lambda body: "1")
    images = make_images(tmp_path / "gen", 1)
    vision = dict(role="vision", prompt="vision")
    texts = {}
    for protocol in ("legacy", "v2"):
        server.requests.clear()
        judge = OpenAIJudge(fast_config(server, tmp_path / protocol, **vision))
        KnowledgeScorer(judge, protocol).score([knowledge_input(1, images)])
        [body] = server.requests
        texts[protocol] = user_content(body)[0]["text"]
    assert "<bo> has a red hat. <bo> loves the beach.\n" in texts["legacy"]
    assert "<bo> has a red hat.\n<bo> loves the beach." in texts["v2"]
