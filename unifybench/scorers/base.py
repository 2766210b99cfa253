"""What every scorer is: a versioned id, the tasks it applies to, per-item scores, an aggregate.

A scorer turns (item, prediction) pairs into :class:`Score` objects. ``value`` NaN means
*unscored* (the judge's reply could not be parsed, no face was found and the protocol counts that as
missing, ...): it is counted in coverage and skipped by the mean; it is never silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from unifybench.data.records import Concept, GenerationPrompt, UnderstandingItem

# names of per-type results (``accuracy[vqa_choice]``), defined with the result schema
from unifybench.submission.schema import per_type_metric, split_per_type  # noqa: F401

Protocol_ = Literal["legacy", "v2"]
PROTOCOLS: tuple[str, ...] = ("legacy", "v2")

# A key an ``aggregate`` may add to its per-concept dict: that concept's weight in the mean over
# concepts (e.g. its number of images, where the published script pools items of all concepts).
# Without it concepts weigh equally. It is never reported as a metric.
POOL_WEIGHT = "_pool_weight"


@dataclass
class Score:
    """The score of one item. ``value`` is NaN when the item could not be scored."""

    value: float
    answer: str | None = None  # what the scorer read from the prediction (e.g. "yes")
    explanation: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        return not math.isnan(self.value)


@dataclass(frozen=True)
class ScoringInput:
    """One item with its prediction: text for understanding, image files for generation."""

    item: UnderstandingItem | GenerationPrompt
    concept: Concept
    text: str | None = None
    images: tuple[Path, ...] = ()
    # The personal system prompt the method prepended to the question, when it has one (e.g.
    # UniCTokens' "<bo> is <token_0>...<token_31>.\n"). Only the legacy text judge uses it: the
    # published script showed it to the judge inside the question (PROTOCOL.md §3, defect 4).
    system_prompt: str | None = None


@runtime_checkable
class Scorer(Protocol):
    """A metric implementation. ``id`` is exact and versioned, e.g. ``bleu/char-1-2/legacy@1``."""

    id: ClassVar[str]
    metric: ClassVar[str]  # the metric name shown in results, e.g. "bleu", "clip_i", "weight"
    tasks: ClassVar[frozenset[str]]

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]: ...

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        """Metric name -> value over the given scores (NaN-skipping mean unless stated)."""
        ...


def nanmean(values: Sequence[float]) -> float:
    """Mean of the non-NaN values; NaN when there are none."""
    kept = [v for v in values if not math.isnan(v)]
    return sum(kept) / len(kept) if kept else math.nan
