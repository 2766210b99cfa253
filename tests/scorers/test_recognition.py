"""Recognition (rec) and choice scorers: the published substring rules and the v2 readers."""

from __future__ import annotations

import math

import pytest

from tests.scorers.conftest import json_roundtrip, make_concept, make_item
from unifybench.scorers.base import Score, ScoringInput
from unifybench.scorers.recognition import (
    ChoiceScorer,
    RecognitionScorer,
    choice_correct_v2,
    parse_yes_no,
)

CONCEPT = make_concept()


def rec_scores(protocol: str, pairs: list[tuple[str, str]]) -> list[Score]:
    scorer = RecognitionScorer(protocol)
    inputs = [
        ScoringInput(item=make_item("rec", gold, i), concept=CONCEPT, text=answer)
        for i, (gold, answer) in enumerate(pairs)
    ]
    return scorer.score(inputs)


# (gold, answer, legacy correct, v2 correct)
CASES = [
    ("Yes.", "Yes.", 1, 1),
    ("Yes.", "yes, that is <bo>", 1, 1),
    ("Yes.", "No.", 0, 0),
    ("No.", "No, it is not.", 1, 1),
    ("No.", "Yes.", 0, 0),
    ("No.", "I don't know.", 1, 0),  # "know" contains "no": legacy reads it as no
    ("No.", "I cannot tell.", 1, 0),  # "cannot"
    ("Yes.", "I don't know.", 0, 0),
    ("No.", "Yes, but there is no hat.", 1, 0),  # both substrings: legacy credits the gold
    ("Yes.", "Yes, but there is no hat.", 1, 1),
    ("Yes.", "Eyes are brown.", 1, 0),  # "eyes" contains "yes"
    ("Yes.", "", 0, 0),
    ("No.", "", 0, 0),
    ("No.", "Nope!", 1, 1),
    ("No.", "NO", 1, 1),
]


@pytest.mark.parametrize(("gold", "answer", "legacy", "v2"), CASES)
def test_rec_rules(gold: str, answer: str, legacy: int, v2: int) -> None:
    assert rec_scores("legacy", [(gold, answer)])[0].value == legacy
    assert rec_scores("v2", [(gold, answer)])[0].value == v2


def test_parse_yes_no_reads_first_word() -> None:
    assert parse_yes_no("Yes.") == "yes"
    assert parse_yes_no("No, it is not <bo>.") == "no"
    assert parse_yes_no("Well... yes! no doubt") == "yes"
    assert parse_yes_no("I don't know") is None
    assert parse_yes_no("nothing here, eyes closed") is None


def test_metadata_and_ids() -> None:
    assert RecognitionScorer("legacy").id == "rec/substring/legacy@2"
    assert RecognitionScorer("v2").id == "rec/word/v2@1"
    legacy = rec_scores("legacy", [("No.", "Yes and no"), ("Yes.", "maybe"), ("No.", "no")])
    assert [s.metadata for s in legacy] == [
        {"positive": False, "predicted": "no"},
        {"positive": True, "predicted": None},
        {"positive": False, "predicted": "no"},
    ]
    v2 = rec_scores("v2", [("Yes.", "I don't know")])
    assert v2[0].metadata == {"positive": True, "predicted": None}
    assert "wrong" in v2[0].explanation


def test_aggregate_on_deserialised_scores() -> None:
    pairs = [("Yes.", "Yes."), ("Yes.", "No."), ("Yes.", "yes"), ("No.", "No."), ("No.", "Yes.")]
    for protocol in ("legacy", "v2"):
        scores = rec_scores(protocol, pairs)
        # the runner stores Scores as JSON and aggregates what it reads back
        restored = json_roundtrip(scores)
        agg = RecognitionScorer(protocol).aggregate(restored)
        assert agg["recall"] == pytest.approx(2 / 3)
        assert agg["no_recall"] == pytest.approx(1 / 2)
        assert agg["accuracy"] == pytest.approx(3 / 5)
        assert agg["weight"] == pytest.approx((2 / 3 + 1 / 2) / 2)


def test_aggregate_with_one_side_missing() -> None:
    agg = RecognitionScorer("v2").aggregate(rec_scores("v2", [("Yes.", "Yes."), ("Yes.", "no")]))
    assert agg["recall"] == 0.5
    assert math.isnan(agg["no_recall"])
    assert agg["weight"] == 0.5


def choice(protocol: str, gold: str, answer: str) -> float:
    item = make_item("choice", gold)
    return (
        ChoiceScorer(protocol)
        .score([ScoringInput(item=item, concept=CONCEPT, text=answer)])[0]
        .value
    )


@pytest.mark.parametrize(
    ("gold", "answer", "legacy", "v2"),
    [
        ("A", "A", 1, 1),
        ("A", "A. The red hat", 1, 1),
        ("A", "(a) the red hat", 0, 1),  # case: legacy is case-sensitive
        ("A", "B. A red hat", 1, 0),  # legacy finds the capital A of the article
        ("B", "Bo is wearing it", 1, 0),
        ("red hat", "It is a Red Hat.", 0, 1),
        ("red hat", "a red hatter", 1, 0),  # whole words in v2
        ("blue", "", 0, 0),
    ],
)
def test_choice_rules(gold: str, answer: str, legacy: int, v2: int) -> None:
    assert choice("legacy", gold, answer) == legacy
    assert choice("v2", gold, answer) == v2


def test_choice_ids_and_aggregate() -> None:
    assert ChoiceScorer("legacy").id == "choice/substring/legacy@2"
    assert ChoiceScorer("v2").id == "choice/normalised/v2@1"
    agg = ChoiceScorer("v2").aggregate([Score(1.0), Score(0.0), Score(math.nan)])
    assert agg == {"accuracy": 0.5}
    assert not choice_correct_v2("anything", "")
