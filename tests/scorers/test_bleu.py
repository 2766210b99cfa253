"""bleu_char equals nltk's sentence_bleu (weights 0.7/0.3, method1) on any pair of strings."""

from __future__ import annotations

import math
import random

import pytest
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from tests.scorers.conftest import make_concept, make_item
from unifybench.scorers import bleu_char
from unifybench.scorers.base import Score, ScoringInput
from unifybench.scorers.bleu import BleuScorer

_SMOOTH = SmoothingFunction().method1


def nltk_bleu(prediction: str, reference: str) -> float:
    return sentence_bleu(
        [list(reference)], list(prediction), weights=(0.7, 0.3), smoothing_function=_SMOOTH
    )


EDGE_PAIRS = [
    ("", ""),
    ("a", ""),
    ("", "a"),
    ("a", "a"),
    ("a", "b"),
    ("ab", "ab"),
    ("ab", "ba"),
    ("abc", "xyz"),
    ("aaaa", "a"),
    ("a", "aaaa"),
    ("The dog wears a red hat.", "The dog wears a red hat."),
    ("It has a red hat", "<bo> has a red hat."),
    ("狗戴着红帽子", "狗戴着一顶红色的帽子"),
    ("😀😀 e\u0301", "😀 é"),  # combining accent vs precomposed: different code points
    ("\n\t ", " "),
    ("x" * 5000, "x" * 3000),
    ("ab" * 4000, "ba" * 4001),
    ("I don't know.", "Yes."),
]


def random_pairs(n: int, seed: int = 1234) -> list[tuple[str, str]]:
    """Seeded random strings over small and large alphabets (incl. non-BMP), lengths 0..200."""
    rng = random.Random(seed)
    printable = "".join(map(chr, range(32, 127)))
    alphabets = ["ab", "abc ", "the quick brown fox.", "aé中😀 \u0301", printable]
    pairs = []
    for _ in range(n):
        alpha_p, alpha_r = rng.choice(alphabets), rng.choice(alphabets)
        lp = rng.choice([0, 1, 2, 3, rng.randint(0, 40), rng.randint(0, 200)])
        lr = rng.choice([0, 1, 2, 3, rng.randint(0, 40), rng.randint(0, 200)])
        p = "".join(rng.choice(alpha_p) for _ in range(lp))
        r = "".join(rng.choice(alpha_r) for _ in range(lr))
        if rng.random() < 0.1:
            r = p  # identical
        elif rng.random() < 0.1:
            r = p[: len(p) // 2] + r  # shared prefix
        pairs.append((p, r))
    return pairs


@pytest.mark.parametrize(("prediction", "reference"), EDGE_PAIRS)
def test_edge_pairs_match_nltk(prediction: str, reference: str) -> None:
    assert bleu_char(prediction, reference) == pytest.approx(
        nltk_bleu(prediction, reference), abs=1e-9, rel=0
    )


def test_many_random_pairs_match_nltk() -> None:
    worst = 0.0
    for p, r in random_pairs(4000):
        ours, ref = bleu_char(p, r), nltk_bleu(p, r)
        assert isinstance(ours, float)
        assert 0.0 <= ours <= 1.0
        worst = max(worst, abs(ours - ref))
    assert worst <= 1e-9


def test_known_values() -> None:
    assert bleu_char("", "abc") == 0.0
    assert bleu_char("abc", "") == 0.0
    assert bleu_char("abc", "xyz") == 0.0
    assert bleu_char("abcdef", "abcdef") == 1.0
    # single character, matching: unigram p=1, bigram smoothed to 0.1/1 -> 0.1 ** 0.3
    assert bleu_char("a", "a") == pytest.approx(0.1**0.3, abs=1e-12)
    # shorter hypothesis pays the brevity penalty exp(1 - r/c)
    assert bleu_char("ab", "abab") == pytest.approx(math.exp(1 - 2), abs=1e-12)


def test_bleu_scorer_scores_and_aggregates() -> None:
    concept = make_concept()
    items = [make_item("vqa", "A red hat.", 0), make_item("text_only", "It is brown.", 1)]
    preds = ["A red hat.", None]
    scorer = BleuScorer("legacy")
    assert scorer.id == "bleu/char-1-2/legacy@2"
    assert BleuScorer("v2").id == "bleu/char-1-2/v2@1"
    inputs = [
        ScoringInput(item=i, concept=concept, text=t) for i, t in zip(items, preds, strict=True)
    ]
    scores = scorer.score(inputs)
    assert [s.value for s in scores] == [1.0, 0.0]
    agg = scorer.aggregate([Score(**{"value": s.value}) for s in scores])
    assert agg == {"bleu": 0.5}
