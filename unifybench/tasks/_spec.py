"""The :class:`TaskSpec` type: everything the harness knows about one task, in one typed value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Capability = Literal["understanding", "generation"]
ItemKind = Literal["question", "prompt"]
JudgeRole = Literal["text", "vision"]

CAPABILITY_ITEM: dict[str, str] = {"understanding": "question", "generation": "prompt"}


@dataclass(frozen=True)
class TaskSpec:
    """One task. The planner, the scorer set-up, the aggregator, the submission validator and the
    leaderboard all read it; nothing else in the library names a task.

    - ``capability``: what a method must declare to be asked (``understanding`` / ``generation``);
      ``item_kind`` follows from it: a ``question`` (text answer) or a ``prompt`` (images).
    - ``images_per_item``: generation: images a method makes per prompt (a benchmark's prompts
      may set their own, ``--images-per-prompt`` overrides); understanding: images shown with a
      question (0: text only).
    - ``scorers``: scorer spec names that score it, official ones and their unofficial
      alternatives (a spec with ``replaces``); ``scorers_by_protocol`` overrides the list for a
      protocol name. ``judge_role``: the judge its scorers need, if any.
    - ``metrics``: the metrics it reports, in column order; ``headline``: the one that ranks it.
      ``per_type_metrics``: those that may also be reported per item type, as ``metric[type]``
      (the published choice scores are one number per type), shown after their column, never
      ranked.
    - ``group``: the leaderboard group it is shown in; ``order``: its place in listings and plans.
    """

    name: str
    display: str
    short: str
    description: str
    capability: Capability
    metrics: tuple[str, ...]
    headline: str
    scorers: tuple[str, ...]
    group: str
    order: int
    images_per_item: int = 0
    judge_role: JudgeRole | None = None
    scorers_by_protocol: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    per_type_metrics: tuple[str, ...] = ()
    version: int = 1

    def __post_init__(self) -> None:
        problems = []
        if (
            not self.name
            or not self.name.replace("_", "").isalnum()
            or self.name != self.name.lower()
        ):
            problems.append(f"name must be lower-case letters, digits and _, got {self.name!r}")
        if self.capability not in CAPABILITY_ITEM:
            problems.append(f"capability must be one of {sorted(CAPABILITY_ITEM)}")
        if not self.metrics:
            problems.append("metrics must list at least one metric")
        if len(set(self.metrics)) != len(self.metrics):
            problems.append(f"metrics must not repeat, got {self.metrics}")
        if self.headline not in self.metrics:
            problems.append(f"headline {self.headline!r} is not one of its metrics {self.metrics}")
        if not set(self.per_type_metrics) <= set(self.metrics):
            problems.append(f"per_type_metrics {self.per_type_metrics} must be among its metrics")
        if self.judge_role not in (None, "text", "vision"):
            problems.append(f"judge_role must be None, 'text' or 'vision', got {self.judge_role!r}")
        if self.images_per_item < 0:
            problems.append(f"images_per_item must be >= 0, got {self.images_per_item}")
        if self.capability == "generation" and self.images_per_item < 1:
            problems.append("a generation task makes at least one image per prompt")
        if problems:
            raise ValueError(f"task {self.name!r}: " + "; ".join(problems))
        object.__setattr__(
            self, "scorers_by_protocol", MappingProxyType(dict(self.scorers_by_protocol))
        )

    @property
    def item_kind(self) -> ItemKind:
        """``question`` for understanding tasks, ``prompt`` for generation tasks."""
        return CAPABILITY_ITEM[self.capability]  # type: ignore[return-value]

    @property
    def is_generation(self) -> bool:
        return self.capability == "generation"

    def reports(self, metric: str) -> bool:
        """Whether a result may carry ``metric``: one of its metrics, or ``metric[type]`` of a
        per-type metric."""
        from unifybench.metrics import split_per_type

        base, item_type = split_per_type(metric)
        if item_type is None:
            return metric in self.metrics
        return base in self.per_type_metrics

    def scorers_for(self, protocol: str) -> tuple[str, ...]:
        """Scorer spec names for a protocol name (the general list unless overridden)."""
        return tuple(self.scorers_by_protocol.get(protocol, self.scorers))

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form (``ls``, docs)."""
        return {
            "name": self.name,
            "display": self.display,
            "capability": self.capability,
            "item_kind": self.item_kind,
            "images_per_item": self.images_per_item,
            "judge_role": self.judge_role,
            "scorers": list(self.scorers),
            "scorers_by_protocol": {k: list(v) for k, v in self.scorers_by_protocol.items()},
            "metrics": list(self.metrics),
            "per_type_metrics": list(self.per_type_metrics),
            "headline": self.headline,
            "group": self.group,
            "version": self.version,
        }
