"""Character-level BLEU exactly as the published UnifyBench script computes it, without nltk.

The published script calls nltk ``sentence_bleu([list(gold)], list(pred), weights=(0.7, 0.3),
smoothing_function=SmoothingFunction().method1)``: characters as tokens, clipped 1- and 2-gram
precision, nltk's brevity penalty, "method1" smoothing (a zero n-gram count becomes 0.1). This
module reproduces that arithmetic step by step (same integer ratios, same ``math.fsum``) so
the result equals nltk's to the last bit in practice (within 1e-9 by test), at a fraction of
the cost.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from unifybench.protocols import Protocol
from unifybench.scorers.base import Score, ScoringInput, SpecScorer, gold_answer
from unifybench.scorers.spec import ScorerContext, ScorerSpec

BLEU_WEIGHTS: tuple[float, float] = (0.7, 0.3)
SMOOTHING_EPSILON = 0.1  # nltk SmoothingFunction().method1 default
# @2: the gold answer as written (flag gold_as_written; the loader strips it, @1 used the stripped)
GOLD_AS_WRITTEN_VERSION = 2


def _clipped_matches(hyp: Counter, ref: Counter) -> int:
    """Sum over hypothesis n-grams of min(count in hypothesis, count in reference)."""
    if len(hyp) > len(ref):
        hyp, ref = ref, hyp  # min() is symmetric; iterate the smaller table
    get = ref.get
    return sum(min(count, get(gram, 0)) for gram, count in hyp.items())


def bleu_char(prediction: str, reference: str) -> float:
    """Character BLEU of ``prediction`` against one ``reference`` (weights 0.7/0.3, method1).

    Equal to nltk ``sentence_bleu([list(reference)], list(prediction), weights=(0.7, 0.3),
    smoothing_function=SmoothingFunction().method1)`` for every pair of strings: 0.0 when no
    character matches (including either string empty), 1.0 for identical strings of length >= 2.
    """
    hyp_len = len(prediction)
    ref_len = len(reference)
    if hyp_len == 0 or ref_len == 0:
        return 0.0  # nltk: no unigram can match
    hyp1 = Counter(prediction)
    ref1 = Counter(reference)
    num1 = _clipped_matches(hyp1, ref1)
    if num1 == 0:
        return 0.0  # nltk returns 0 when no unigram matched
    den1 = hyp_len
    if hyp_len >= 2:
        hyp2 = Counter(pairwise(prediction))
        ref2 = Counter(pairwise(reference)) if ref_len >= 2 else Counter()
        num2 = _clipped_matches(hyp2, ref2) if ref2 else 0
        den2 = hyp_len - 1
    else:
        num2, den2 = 0, 1  # nltk: empty bigram table, denominator floored at 1

    # nltk brevity penalty with a single reference
    if hyp_len > ref_len:
        bp: float = 1
    else:
        bp = math.exp(1 - ref_len / hyp_len)

    # method1 smoothing: a zero numerator becomes epsilon; float(Fraction(a, b)) == a / b
    p1 = num1 / den1
    p2 = num2 / den2 if num2 else (num2 + SMOOTHING_EPSILON) / den2
    s = math.fsum((BLEU_WEIGHTS[0] * math.log(p1), BLEU_WEIGHTS[1] * math.log(p2)))
    return float(bp * math.exp(s))


class BleuScorer(SpecScorer):
    """Character BLEU of the answer against the gold answer, for free-text answers.

    The formula is the same under every protocol (the published one has no defect of its own).
    With the protocol flag ``gold_as_written`` (legacy) the gold answer is read as written, as the
    published script did (a gold with surrounding whitespace is compared with that whitespace;
    since ``@2``); otherwise the stripped gold.
    """

    def __init__(self, protocol: Protocol | str = "legacy", **kw: Any) -> None:
        super().__init__(protocol, **kw)

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """One Score per input; a missing prediction (None) is scored 0, like an empty answer."""
        out = []
        for inp in inputs:
            pred = inp.text or ""
            gold = gold_answer(inp.item, self.protocol)
            out.append(Score(value=bleu_char(pred, gold), answer=pred))
        return out


def _build(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> BleuScorer:
    return BleuScorer(protocol, tasks=tasks)


BLEU = ScorerSpec(
    name="bleu",
    metrics=("bleu",),
    card=lambda p: (
        "character BLEU, 1-2-grams weights 0.7/0.3, method1 smoothing (nltk-equal)"
        + (", gold as written" if p.gold_as_written else "")
    ),
    implementation="char-1-2",
    version=lambda p: GOLD_AS_WRITTEN_VERSION if p.gold_as_written else 1,
    build=_build,
    scorer_class="unifybench.scorers.bleu:BleuScorer",
    reference="arctanxarc/UniCTokens eval/eval_p_mmu.py (nltk sentence_bleu over characters)",
)
SCORERS = (BLEU,)
BleuScorer.spec = BLEU
