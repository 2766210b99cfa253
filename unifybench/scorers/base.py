"""What every scorer is: a versioned id, the tasks it applies to, per-item scores, an aggregate.

A scorer turns (item, prediction) pairs into :class:`Score` objects. ``value`` NaN means
*unscored* (the judge's reply could not be parsed, no face was found and the protocol counts that as
missing, ...): it is counted in coverage and skipped by the mean; it is never silently dropped.

Built-in scorers derive from :class:`SpecScorer`: their id, metric, tasks and aggregation come
from their :class:`~unifybench.scorers.spec.ScorerSpec` and the
:class:`~unifybench.protocols.Protocol` they were built for, whose flags they read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from unifybench.data.records import Concept, GenerationPrompt, UnderstandingItem

# names of per-type results (``accuracy[vqa_choice]``), defined with the metric specs
from unifybench.metrics import per_type_metric, split_per_type  # noqa: F401

if TYPE_CHECKING:
    from collections.abc import Iterable

    from unifybench.protocols import Protocol as EvalProtocol
    from unifybench.scorers.spec import ScorerSpec

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


class SpecScorer:
    """Base of the built-in scorers: id, metric, tasks and aggregate from the spec and protocol.

    ``protocol`` is a :class:`~unifybench.protocols.Protocol` or the name of one of UnifyBench's;
    ``tasks`` default to the tasks whose spec lists this scorer; ``implementation`` replaces the
    spec's official one in the id (another judge model, a random test CLIP).
    """

    spec: ScorerSpec

    def __init__(
        self,
        protocol: EvalProtocol | str,
        *,
        tasks: Iterable[str] | None = None,
        implementation: str | None = None,
    ) -> None:
        from unifybench.protocols import resolve_protocol
        from unifybench.tasks import tasks_scored_by

        self.protocol: EvalProtocol = resolve_protocol(protocol)
        self.metric: str = self.spec.main_metric
        self.id: str = self.spec.id(self.protocol, implementation)
        listed = tasks if tasks is not None else tasks_scored_by(self.spec.name)
        self.tasks: frozenset[str] = frozenset(listed)

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        """One concept's metric values from its item scores (the spec's aggregate function)."""
        return self.spec.aggregate(scores, self.protocol, self.metric)


def gold_answer(item: Any, protocol: EvalProtocol) -> str:
    """The gold answer a scorer compares with: as the test data wrote it when the protocol's
    ``gold_as_written`` flag says so (the published scorer), else the loader's stripped text."""
    return item.legacy_answer if protocol.gold_as_written else item.answer


def question_text(item: Any, protocol: EvalProtocol) -> str:
    """The question shown to a judge: as the published script built it under ``gold_as_written``
    (``<image>\\n`` removed, nothing stripped), else the loader's cleaned question."""
    return item.legacy_question if protocol.gold_as_written else item.question


def is_positive(item: Any, protocol: EvalProtocol) -> bool:
    """A recognition item is positive unless its gold (as the protocol reads it) is "No."."""
    return item.legacy_positive if protocol.gold_as_written else item.is_positive
