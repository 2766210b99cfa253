"""Recognition (task ``rec``): does the answer say yes or no, and is that right?

Two readers of the answer:

- ``legacy`` (``rec/substring/legacy@2``), exactly the published rule: for a positive item
  (gold, as written, not exactly "No.") the answer is correct iff its lower-cased text contains
  the substring "yes";
  for a negative item iff it contains the substring "no". So "I don't know", "not", "cannot",
  "nothing" all count as *no*; an answer containing both ("yes, ... no hat") is correct whatever
  the gold; an answer containing neither is wrong.
- ``v2`` (``rec/word/v2@1``): the first whole word that is a yes-word (yes, yeah, yep) or a
  no-word (no, nope) decides. "Yes.", "No, it is not." and "yes!" parse; "I don't know",
  "nothing" or an empty answer have no yes/no word: predicted ``None``, scored as **wrong**
  (value 0, never NaN: refusing to answer a yes/no question is a failure of the model, not of
  the scorer, and counting it as missing would reward evasive models).

Every Score carries ``metadata = {"positive": bool, "predicted": "yes" | "no" | None}`` so
:meth:`aggregate` works on deserialised scores.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from unifybench.errors import ConfigError
from unifybench.scorers.base import PROTOCOLS, Score, ScoringInput, nanmean, per_type_metric

# @2: the gold answer is read as written (a gold "No. " is positive, as published); @1 stripped it
LEGACY_REC_ID = "rec/substring/legacy@2"
# @2: the gold as written (not stripped) and the accuracy of each item type as well (published:
# one number per type containing "choice"); @1 pooled all types and stripped the gold
LEGACY_CHOICE_ID = "choice/substring/legacy@2"
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


def _check_protocol(protocol: str) -> None:
    if protocol not in PROTOCOLS:
        raise ConfigError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")


class RecognitionScorer:
    """Yes/no recognition: per-item correctness; recall, no_recall, accuracy, weight per concept."""

    metric = "weight"
    tasks = frozenset({"rec"})

    def __init__(self, protocol: str = "legacy") -> None:
        _check_protocol(protocol)
        self.protocol = protocol
        self.id = LEGACY_REC_ID if protocol == "legacy" else "rec/word/v2@1"

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """1.0 if the answer's yes/no matches the gold, else 0.0 (None predictions are wrong)."""
        out = []
        for inp in inputs:
            answer = inp.text or ""
            item = inp.item
            legacy = self.protocol == "legacy"
            positive = item.legacy_positive if legacy else item.is_positive  # type: ignore[union-attr]
            if legacy:
                correct = legacy_rec_correct(answer, positive)
                predicted = legacy_rec_predicted(answer, positive)
                why = "substring 'yes'" if positive else "substring 'no'"
                explanation = f"legacy: {'found' if correct else 'no'} {why} in the answer"
            else:
                predicted = parse_yes_no(answer)
                correct = predicted == ("yes" if positive else "no")
                explanation = (
                    "v2: no yes/no word in the answer (counted wrong)"
                    if predicted is None
                    else f"v2: first yes/no word reads {predicted!r}"
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

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        """recall (positives), no_recall (negatives), pooled accuracy, weight = their mean.

        A concept without negatives (or positives) has NaN for that side; ``weight`` is then the
        mean of the side that exists (NaN-skipping, like every other aggregate here).
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


class ChoiceScorer:
    """Multiple choice accuracy: legacy substring match, v2 normalised whole-word match.

    ``legacy`` also reports the accuracy of each item type (``accuracy[vqa_choice]``, ...): the
    published script scores every ``type`` containing "choice" separately and reports one number
    per type; ``accuracy`` is the pooled figure beside them.
    """

    metric = "accuracy"
    tasks = frozenset({"choice"})

    def __init__(self, protocol: str = "legacy") -> None:
        _check_protocol(protocol)
        self.protocol = protocol
        self.id = LEGACY_CHOICE_ID if protocol == "legacy" else "choice/normalised/v2@1"

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """1.0 if the answer picks the gold option, else 0.0; legacy records the item type."""
        out = []
        for inp in inputs:
            answer = inp.text or ""
            item = inp.item
            if self.protocol == "legacy":
                # case-sensitive raw substring of the gold as written, as published
                correct = item.legacy_answer in answer  # type: ignore[union-attr]
                meta = {"type": item.legacy_type}  # type: ignore[union-attr]
            else:
                correct = choice_correct_v2(answer, item.answer)  # type: ignore[union-attr]
                meta = {}
            out.append(Score(value=1.0 if correct else 0.0, answer=answer, metadata=meta))
        return out

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        """Mean correctness over the concept's choice items; legacy adds one mean per type."""
        out = {"accuracy": nanmean([s.value for s in scores])}
        if getattr(self, "protocol", "v2") == "legacy":
            by_type: dict[str, list[float]] = {}
            for s in scores:
                by_type.setdefault(str(s.metadata.get("type") or "choice"), []).append(s.value)
            for kind in sorted(by_type):
                out[per_type_metric("accuracy", kind)] = nanmean(by_type[kind])
        return out
