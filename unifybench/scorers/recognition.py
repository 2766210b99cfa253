"""Recognition (task ``rec``): does the answer say yes or no, and is that right?

Two readers of the answer, chosen by the protocol flag ``yes_no_reader``:

- ``substring`` (``rec/substring/legacy@2``), exactly the published rule: for a positive item
  (gold, as written with the flag ``gold_as_written``, not exactly "No.") the answer is correct
  iff its lower-cased text contains the substring "yes";
  for a negative item iff it contains the substring "no". So "I don't know", "not", "cannot",
  "nothing" all count as *no*; an answer containing both ("yes, ... no hat") is correct whatever
  the gold; an answer containing neither is wrong.
- ``word`` (``rec/word/v2@1``): the first whole word that is a yes-word (yes, yeah, yep) or a
  no-word (no, nope) decides. "Yes.", "No, it is not." and "yes!" parse; "I don't know",
  "nothing" or an empty answer have no yes/no word: predicted ``None``, scored as **wrong**
  (value 0, never NaN: refusing to answer a yes/no question is a failure of the model, not of
  the scorer, and counting it as missing would reward evasive models).

Every Score carries ``metadata = {"positive": bool, "predicted": "yes" | "no" | None}`` so
:func:`aggregate_recognition` works on deserialised scores.

Multiple choice: the flag ``choice_match`` picks the published substring test or the normalised
whole-word match.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from unifybench.protocols import Protocol
from unifybench.scorers.base import (
    Score,
    ScoringInput,
    SpecScorer,
    gold_answer,
    is_positive,
    nanmean,
    per_type_metric,
)
from unifybench.scorers.spec import ScorerContext, ScorerSpec

YES_WORDS = frozenset({"yes", "yeah", "yep"})
NO_WORDS = frozenset({"no", "nope"})
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def legacy_rec_correct(answer: str, positive: bool) -> bool:
    """The published rule: "yes" substring for positives, "no" substring for negatives."""
    text = answer.lower()
    return ("yes" in text) if positive else ("no" in text)


def legacy_rec_predicted(answer: str, positive: bool) -> str | None:
    """What the published rule effectively read: the label it credited, if any.

    With both substrings present the published code credits whichever the gold asks for, so
    the reading is the gold's label; with neither, nothing was read.
    """
    text = answer.lower()
    has_yes, has_no = "yes" in text, "no" in text
    if has_yes and has_no:
        return "yes" if positive else "no"
    if has_yes:
        return "yes"
    if has_no:
        return "no"
    return None


def parse_yes_no(answer: str) -> str | None:
    """The v2 reader: "yes"/"no" from the first yes-word or no-word of the answer, else None."""
    for word in _WORD.findall(answer.lower()):
        if word in YES_WORDS:
            return "yes"
        if word in NO_WORDS:
            return "no"
    return None


def aggregate_recognition(
    scores: Sequence[Score], protocol: Protocol, metric: str
) -> dict[str, float]:
    """recall (positives), no_recall (negatives), pooled accuracy, weight = their mean.

    A concept without negatives (or positives) has NaN for that side; ``weight`` is then the mean
    of the side that exists (NaN-skipping, like every other aggregate here).
    """
    pos = [s.value for s in scores if s.metadata.get("positive", True)]
    neg = [s.value for s in scores if not s.metadata.get("positive", True)]
    recall, no_recall = nanmean(pos), nanmean(neg)
    return {
        "recall": recall,
        "no_recall": no_recall,
        "accuracy": nanmean([s.value for s in scores]),
        "weight": nanmean([v for v in (recall, no_recall) if not math.isnan(v)]),
    }


class RecognitionScorer(SpecScorer):
    """Yes/no recognition: per-item correctness; recall, no_recall, accuracy, weight per concept."""

    def __init__(self, protocol: Protocol | str = "legacy", **kw: Any) -> None:
        super().__init__(protocol, **kw)

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """1.0 if the answer's yes/no matches the gold, else 0.0 (None predictions are wrong)."""
        out = []
        for inp in inputs:
            answer = inp.text or ""
            positive = is_positive(inp.item, self.protocol)
            tag = self.protocol.id_tag
            if self.protocol.yes_no_reader == "substring":
                correct = legacy_rec_correct(answer, positive)
                predicted = legacy_rec_predicted(answer, positive)
                why = "substring 'yes'" if positive else "substring 'no'"
                explanation = f"{tag}: {'found' if correct else 'no'} {why} in the answer"
            else:
                predicted = parse_yes_no(answer)
                correct = predicted == ("yes" if positive else "no")
                explanation = (
                    f"{tag}: no yes/no word in the answer (counted wrong)"
                    if predicted is None
                    else f"{tag}: first yes/no word reads {predicted!r}"
                )
            out.append(
                Score(
                    value=1.0 if correct else 0.0,
                    answer=predicted,
                    explanation=explanation,
                    metadata={"positive": positive, "predicted": predicted},
                )
            )
        return out


_PUNCT_EDGES = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)
_OPTION = re.compile(r"^\(?([a-z])[\).:]?$")


def normalise_choice(text: str) -> str:
    """Lower-case, collapse whitespace, strip punctuation at both ends (v2 choice comparison)."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text).casefold()
    text = " ".join(text.split())
    return _PUNCT_EDGES.sub("", text)


def choice_correct_v2(answer: str, gold: str) -> bool:
    """v2: normalised gold equals the normalised answer, or appears in it as whole words.

    A gold that is a bare option label ("A", "(b)", "C.") must be the answer's first word, so
    the article "a" inside a sentence is not read as option A.
    """
    g, a = normalise_choice(gold), normalise_choice(answer)
    if not g:
        return False
    if g == a:
        return True
    option = _OPTION.match(g)
    if option:
        words = _WORD.findall(a)
        return bool(words) and words[0] == option.group(1)
    return re.search(rf"(?<!\w){re.escape(g)}(?!\w)", a) is not None


class ChoiceScorer(SpecScorer):
    """Multiple choice accuracy: published substring match or normalised whole-word match.

    With the protocol flag ``choice_per_type`` (legacy) it also reports the accuracy of each item
    type (``accuracy[vqa_choice]``, ...): the published script scores every ``type`` containing
    "choice" separately and reports one number per type; ``accuracy`` is the pooled figure.
    """

    def __init__(self, protocol: Protocol | str = "legacy", **kw: Any) -> None:
        super().__init__(protocol, **kw)

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """1.0 if the answer picks the gold option, else 0.0; with ``choice_per_type`` the item's
        type is recorded in the metadata (for the per-type accuracies)."""
        out = []
        for inp in inputs:
            answer = inp.text or ""
            item = inp.item
            meta: dict[str, Any] = {}
            if self.protocol.choice_per_type:
                meta["type"] = item.legacy_type  # type: ignore[union-attr]
            gold = gold_answer(item, self.protocol)
            if self.protocol.choice_match == "substring":
                correct = gold in answer  # case-sensitive, raw substring, as published
            else:
                correct = choice_correct_v2(answer, gold)
            out.append(Score(value=1.0 if correct else 0.0, answer=answer, metadata=meta))
        return out


def aggregate_choice(scores: Sequence[Score], protocol: Protocol, metric: str) -> dict[str, float]:
    """Mean correctness over the concept's choice items; with ``choice_per_type`` also one mean
    per item type, for the scores that recorded their type (scores of runs made before types were
    recorded give the pooled accuracy only, as they did)."""
    out = {metric: nanmean([s.value for s in scores])}
    if protocol.choice_per_type:
        by_type: dict[str, list[float]] = {}
        for s in scores:
            kind = s.metadata.get("type")
            if kind:
                by_type.setdefault(str(kind), []).append(s.value)
        for kind in sorted(by_type):
            out[per_type_metric(metric, kind)] = nanmean(by_type[kind])
    return out


def _build_rec(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> RecognitionScorer:
    return RecognitionScorer(protocol, tasks=tasks)


def _build_choice(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> ChoiceScorer:
    return ChoiceScorer(protocol, tasks=tasks)


# @2 of the published readers: the gold answer as written (flag gold_as_written) and, for choice,
# one accuracy per item type (flag choice_per_type); @1 stripped the gold and pooled the types.
def _rec_version(protocol: Protocol) -> int:
    return 2 if protocol.yes_no_reader == "substring" and protocol.gold_as_written else 1


def _choice_version(protocol: Protocol) -> int:
    published = protocol.gold_as_written or protocol.choice_per_type
    return 2 if protocol.choice_match == "substring" and published else 1


REC = ScorerSpec(
    name="recognition",
    family="rec",
    metrics=("weight", "recall", "no_recall", "accuracy"),
    card=lambda p: (
        (
            "yes/no recognition, published substring rule ('know' reads as no)"
            if p.yes_no_reader == "substring"
            else "yes/no recognition, first yes/no word decides, none = wrong"
        )
        + (", gold as written" if p.gold_as_written else "")
        + "; weight, recall, no_recall, accuracy"
    ),
    implementation=lambda p: p.yes_no_reader,
    version=_rec_version,
    build=_build_rec,
    aggregate=aggregate_recognition,
    scorer_class="unifybench.scorers.recognition:RecognitionScorer",
    reference="arctanxarc/UniCTokens eval/eval_p_mmu.py (calculate_score, statistic)",
)
CHOICE = ScorerSpec(
    name="choice_match",
    family="choice",
    metrics=("accuracy",),
    card=lambda p: (
        (
            "accuracy: gold (as written) is a substring of the answer"
            if p.choice_match == "substring" and p.gold_as_written
            else (
                "accuracy: gold is a substring of the answer"
                if p.choice_match == "substring"
                else "accuracy: normalised whole-word match of the gold"
            )
        )
        + (
            "; one accuracy[<type>] per item type as published, plus the pooled accuracy"
            if p.choice_per_type
            else ""
        )
    ),
    implementation=lambda p: p.choice_match,
    version=_choice_version,
    build=_build_choice,
    aggregate=aggregate_choice,
    scorer_class="unifybench.scorers.recognition:ChoiceScorer",
    reference="arctanxarc/UniCTokens eval/eval_p_mmu.py (calculate_score, choice branch)",
)
SCORERS = (REC, CHOICE)
RecognitionScorer.spec = REC
ChoiceScorer.spec = CHOICE
