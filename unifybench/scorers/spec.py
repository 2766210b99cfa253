"""The :class:`ScorerSpec` type: a scorer's id, metrics, card, how to build it and how to aggregate.

A scorer module declares ``SCORERS = (ScorerSpec(...), ...)`` next to its implementation; the
registry (:mod:`unifybench.scorers.registry`) finds it there. The spec is what the rest of the
harness reads: ``unifybench ls scorers``, the metric index of docs/metrics.md and the leaderboard's
scorer lists come from it, and the runner writes it into ``scoring.json`` so that aggregation from
stored scores calls the spec's aggregate function and never rebuilds a scorer.

Which tasks a scorer scores is not part of its spec: a task lists its scorers (TaskSpec.scorers).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from unifybench.metrics import MetricSpec, find_metric
from unifybench.protocols import Protocol

if TYPE_CHECKING:
    from unifybench.scorers.base import Score

Aggregate = Callable[["Sequence[Score]", Protocol, str], dict[str, float]]
Build = Callable[["ScorerSpec", Protocol, "ScorerContext", tuple[str, ...]], Any]


def mean_aggregate(scores: Sequence[Score], protocol: Protocol, metric: str) -> dict[str, float]:
    """``{metric: mean of the scored item values}`` (NaN = unscored, skipped)."""
    kept = [s.value for s in scores if not math.isnan(s.value)]
    return {metric: sum(kept) / len(kept) if kept else math.nan}


def target_of(fn: Callable[..., Any]) -> str:
    """``"module:qualname"`` of a module-level function (what scoring.json records)."""
    return f"{fn.__module__}:{fn.__qualname__}"


@dataclass(frozen=True)
class ScorerSpec:
    """One scorer. Its ids are ``<family>/<implementation>/<protocol tag>@<version>``.

    - ``name``: registry name, what task specs list (e.g. ``rec``, ``judge_image``).
    - ``family``: first part of its ids (the name by default; two judge scorers share ``judge``).
    - ``metrics``: metric names (or new :class:`MetricSpec` values) it reports, main first; side
      figures (``MetricSpec.side``) go to ``extra`` of the main metric.
    - ``card``: one line saying what it computes (``ls``, the docs index); a function of the
      protocol where the protocol changes what it computes.
    - ``implementation`` / ``version``: the id parts, each a value or a function of the protocol;
      ``implementation`` is the official configuration's (a builder may use another, e.g. a judge
      model or a random CLIP for tests).
    - ``build(spec, protocol, context, tasks)``: the scorer object; raises ScorerUnavailable
      (a skip, with the reason) when weights, packages or a judge are missing.
    - ``aggregate(scores, protocol, metric)``: one concept's metric values from its item scores.
    - ``judge_role``: the judge it needs (``text`` / ``vision``), if any; ``judge_metric``: which
      judge: the one whose ``metric`` attribute equals it.
    - ``replaces``: the official scorer this one is an unofficial alternative to (used instead of
      it only when asked, never ranked with it).
    - ``scorer_class``: ``module:Class`` of the objects it builds (matches runs recorded before
      specs were written into scoring.json).
    """

    name: str
    metrics: tuple[str | MetricSpec, ...]
    card: str | Callable[[Protocol], str]
    build: Build
    scorer_class: str
    family: str = ""
    implementation: str | Callable[[Protocol], str] = ""
    version: int | Callable[[Protocol], int] = 1
    aggregate: Aggregate = mean_aggregate
    judge_role: Literal["text", "vision"] | None = None
    judge_metric: str | None = None
    replaces: str | None = None
    reference: str = ""

    def __post_init__(self) -> None:
        if not self.metrics:
            raise ValueError(f"scorer {self.name!r}: declare at least one metric")
        if not self.family:
            object.__setattr__(self, "family", self.name)

    # -- derived facts --------------------------------------------------------------------------
    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name if isinstance(m, MetricSpec) else m for m in self.metrics)

    @property
    def main_metric(self) -> str:
        return self.metric_names[0]

    @property
    def declared_metrics(self) -> tuple[MetricSpec, ...]:
        """The metrics this spec defines itself (not in the shared vocabulary)."""
        return tuple(m for m in self.metrics if isinstance(m, MetricSpec))

    def metric_spec(self, name: str) -> MetricSpec | None:
        for m in self.metrics:
            if isinstance(m, MetricSpec) and m.name == name:
                return m
        return find_metric(name)

    @property
    def reported_metrics(self) -> tuple[str, ...]:
        """Its metrics that are results of their own (side figures left out)."""
        out = []
        for name in self.metric_names:
            spec = self.metric_spec(name)
            if spec is None or not spec.side:
                out.append(name)
        return tuple(out)

    def implementation_for(self, protocol: Protocol) -> str:
        impl = self.implementation
        return impl(protocol) if callable(impl) else impl

    def version_for(self, protocol: Protocol) -> int:
        version = self.version
        return version(protocol) if callable(version) else version

    def card_for(self, protocol: Protocol) -> str:
        return self.card(protocol) if callable(self.card) else self.card

    def id(self, protocol: Protocol, implementation: str | None = None) -> str:
        """The exact scorer id under ``protocol`` (official implementation unless given)."""
        impl = implementation or self.implementation_for(protocol)
        return f"{self.family}/{impl}/{protocol.id_tag}@{self.version_for(protocol)}"

    def to_json(self, protocol: Protocol | None = None) -> dict[str, Any]:
        """What a run records about the spec (scoring.json): enough to aggregate without it."""
        data: dict[str, Any] = {
            "name": self.name,
            "family": self.family,
            "metrics": list(self.metric_names),
            "aggregate": target_of(self.aggregate),
            "scorer_class": self.scorer_class,
        }
        metric_specs = [self.metric_spec(m) for m in self.metric_names]
        data["metric_specs"] = [m.to_json() for m in metric_specs if m is not None]
        if protocol is not None:
            data["version"] = self.version_for(protocol)
            data["card"] = self.card_for(protocol)
        return data


@dataclass
class ScorerContext:
    """What builders may use: judges, weights locations, device, seed, shared objects.

    ``judges`` are configured judge objects (each has ``metric``, ``judge`` by default, and a role
    from ``config.role``, ``text`` by default). ``shared`` keeps objects several scorers use (one
    CLIP encoder for CLIP-I and CLIP-T), including a failure, so it is reported for both.
    """

    judges: list[Any] = field(default_factory=list)
    clip_weights: str | Path | None = None
    face_model_dir: str | Path | None = None
    device: str = "cpu"
    seed: int = 0
    shared: dict[str, Any] = field(default_factory=dict)

    def judge_for(self, role: str, metric: str) -> Any:
        """The configured judge of ``role`` whose metric is ``metric``, or None."""
        for judge in self.judges:
            if judge_role(judge) == role and getattr(judge, "metric", "judge") == metric:
                return judge
        return None

    def shared_object(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()`` once per context; a failure is kept and raised again for the next asker."""
        if key not in self.shared:
            try:
                self.shared[key] = make()
            except Exception as err:
                self.shared[key] = err
        value = self.shared[key]
        if isinstance(value, Exception):
            raise value
        return value


def judge_role(judge: Any) -> str:
    """A judge's role: ``config.role`` when it has a config, else ``text``."""
    return getattr(getattr(judge, "config", None), "role", None) or "text"
