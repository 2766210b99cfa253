"""What the site shows: tasks, metrics, scorers, protocols and benchmarks from the specs, and the
board groups from ``leaderboard/schema.yaml``.

Facts come from the registries, never from the templates and never from a second hand-kept copy:
task names and columns from :mod:`unifybench.tasks`, metric names, directions, ranges, digits and
cards from :mod:`unifybench.metrics`, each metric's scorer ids from the scorer specs
(:mod:`unifybench.catalog`), protocols and dataset titles from :mod:`unifybench.benchmarks`. The
YAML file holds presentation only: the groups (display name, order, optional ranking column). A
task's columns are its metrics in its spec's order; a group's columns are those of its tasks; its
ranking (main) column is the headline metric of its first task unless the YAML names another.
Loading raises :class:`ConfigError` naming the file and field of any inconsistency.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from unifybench.errors import ConfigError
from unifybench.metrics import MetricSpec as CoreMetricSpec
from unifybench.metrics import split_per_type

DEFAULT_SCHEMA_PATH = Path(__file__).with_name("schema.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricSpec(_Strict):
    """How one metric is named, ordered and explained (its metric card), from its spec."""

    display: str
    short: str
    direction: Literal["higher", "lower"] = "higher"
    digits: int = Field(default=3, ge=0, le=6)
    range: tuple[float, float] | None = None
    description: str
    quirks: str = ""
    scorers: list[str] = Field(default_factory=list)
    approximate: bool = Field(
        default=False,
        description="An unofficial stand-in: own column, never ranked with the official",
    )
    approximates: str | None = None
    range_text: str = ""

    def format(self, value: float | None) -> str:
        """The number as the site prints it; an en dash for a missing value."""
        return "–" if value is None else f"{value:.{self.digits}f}"

    @classmethod
    def from_core(cls, spec: CoreMetricSpec, scorers: list[str]) -> MetricSpec:
        return cls(
            display=spec.display,
            short=spec.short,
            direction=spec.direction,
            digits=spec.digits,
            range=spec.range,
            description=spec.description,
            quirks=spec.quirks,
            scorers=scorers,
            approximate=spec.approximate,
            approximates=spec.approximates,
            range_text=spec.range_text,
        )


class TaskSpec(_Strict):
    display: str
    short: str


class ProtocolSpec(_Strict):
    display: str
    description: str


class BenchmarkSpec(_Strict):
    display: str
    description: str = ""
    sample: bool = False


class GroupSpec(_Strict):
    id: str
    display: str
    main: str
    columns: list[str]

    @model_validator(mode="after")
    def _main_is_a_column(self) -> GroupSpec:
        if self.main not in self.columns:
            raise ValueError(f"main column {self.main!r} is not one of the group's columns")
        return self


class Column(BaseModel):
    """One task/metric column of a board, resolved against the schema."""

    model_config = ConfigDict(frozen=True)

    key: str  # "task/metric"
    task: str
    metric: str
    group: str
    task_spec: TaskSpec
    metric_spec: MetricSpec

    @property
    def header(self) -> str:
        return f"{self.task_spec.short} {self.metric_spec.short}"

    @property
    def title(self) -> str:
        return f"{self.task_spec.display}: {self.metric_spec.display}"


class LeaderboardSchema(_Strict):
    """Everything the site shows, resolved: see the module docstring."""

    schema_version: Literal[2]
    categories: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]]
    protocols: dict[str, ProtocolSpec]
    benchmarks: dict[str, BenchmarkSpec] = Field(default_factory=dict)
    tasks: dict[str, TaskSpec]
    metrics: dict[str, MetricSpec]
    groups: list[GroupSpec]
    # (dataset id, protocol name) -> the protocol's texts where a benchmark names its own
    board_protocols: dict[str, ProtocolSpec] = Field(default_factory=dict)
    # Columns whose metric may also be reported per item type, as ``metric[type]`` (e.g.
    # ``choice/accuracy[vqa_choice]``: the published choice scores are one number per type);
    # from the task specs' ``per_type_metrics``.
    per_type: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _columns_resolve(self) -> LeaderboardSchema:
        seen: set[str] = set()
        for group in self.groups:
            for key in group.columns:
                task, _, metric = key.partition("/")
                if task not in self.tasks:
                    raise ValueError(
                        f"group {group.id!r}: column {key!r} names unknown task {task!r}"
                    )
                if metric not in self.metrics:
                    raise ValueError(
                        f"group {group.id!r}: column {key!r} names unknown metric {metric!r}"
                    )
                if key in seen:
                    raise ValueError(f"column {key!r} appears in more than one group")
                seen.add(key)
        for key in self.per_type:
            if key not in seen:
                raise ValueError(f"per_type: {key!r} is not one of the columns")
        for name, spec in self.metrics.items():
            if spec.approximate and spec.approximates not in self.metrics:
                raise ValueError(
                    f"metric {name!r} approximates unknown metric {spec.approximates!r}"
                )
        return self

    @cached_property
    def columns(self) -> list[Column]:
        """All columns in display order."""
        out = []
        for group in self.groups:
            for key in group.columns:
                task, _, metric = key.partition("/")
                out.append(
                    Column(
                        key=key,
                        task=task,
                        metric=metric,
                        group=group.id,
                        task_spec=self.tasks[task],
                        metric_spec=self.metrics[metric],
                    )
                )
        return out

    @cached_property
    def column_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.columns)

    def accepts(self, task: str, metric: str) -> bool:
        """Whether a result may report ``metric`` of ``task``: a column, or the per-type form
        ``metric[type]`` of a column listed in ``per_type``."""
        if f"{task}/{metric}" in self.column_keys:
            return True
        base, item_type = split_per_type(metric)
        return item_type is not None and f"{task}/{base}" in self.per_type

    def per_type_column(self, task: str, metric: str) -> Column | None:
        """The column that shows ``metric[type]`` of ``task`` (its base column, retitled)."""
        base, item_type = split_per_type(metric)
        if item_type is None or f"{task}/{base}" not in self.per_type:
            return None
        parent = next(c for c in self.columns if c.key == f"{task}/{base}")
        spec = parent.metric_spec.model_copy(
            update={
                "display": f"{parent.metric_spec.display} ({item_type})",
                "short": f"{parent.metric_spec.short} {item_type}",
            }
        )
        return parent.model_copy(
            update={"key": f"{task}/{metric}", "metric": metric, "metric_spec": spec}
        )

    def benchmark(self, dataset: str) -> BenchmarkSpec:
        """The dataset's display spec; an unknown dataset is titled by its id."""
        return self.benchmarks.get(dataset) or BenchmarkSpec(display=dataset)

    def protocol(self, dataset: str, protocol: str) -> ProtocolSpec | None:
        """The texts of ``protocol`` as the dataset's benchmark defines it, else any benchmark's."""
        return self.board_protocols.get(f"{dataset}\0{protocol}") or self.protocols.get(protocol)


class _GroupLayout(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    display: str
    main: str | None = None


class _Layout(_Strict):
    """The YAML file: presentation only."""

    schema_version: Literal[2]
    groups: list[_GroupLayout]


def build_schema(layout: dict[str, Any]) -> dict[str, Any]:
    """The raw :class:`LeaderboardSchema` of a parsed YAML layout and today's registries."""
    from unifybench.benchmarks import all_benchmarks
    from unifybench.catalog import scorer_ids_by_metric
    from unifybench.data.records import CATEGORIES
    from unifybench.metrics import metric_registry
    from unifybench.tasks import all_tasks

    parsed = _Layout.model_validate(layout)
    scorers = scorer_ids_by_metric()
    metrics = {
        spec.name: MetricSpec.from_core(spec, scorers.get(spec.name, [])).model_dump()
        for spec in metric_registry().values()
        if not spec.side
    }
    tasks = all_tasks()
    known_groups = {g.id for g in parsed.groups}
    for task in tasks:
        if task.group not in known_groups:
            raise ValueError(
                f"task {task.name!r} is shown in group {task.group!r}, which the file does not "
                f"define (groups: {', '.join(sorted(known_groups))})"
            )
    groups = []
    for group in parsed.groups:
        members = [t for t in tasks if t.group == group.id]
        columns = [f"{t.name}/{m}" for t in members for m in t.metrics]
        main = group.main or (f"{members[0].name}/{members[0].headline}" if members else "")
        groups.append({"id": group.id, "display": group.display, "main": main, "columns": columns})
    protocols: dict[str, dict[str, str]] = {}
    board_protocols: dict[str, dict[str, str]] = {}
    benchmarks: dict[str, dict[str, Any]] = {}
    for bench in all_benchmarks():
        for p in bench.protocols:
            texts = {"display": p.display, "description": p.description}
            protocols.setdefault(p.name, texts)
            for d in bench.datasets:
                board_protocols[f"{d.id}\0{p.name}"] = texts
        for d in bench.datasets:
            benchmarks[d.id] = {
                "display": d.display,
                "description": d.description,
                "sample": d.sample,
            }
    return {
        "schema_version": parsed.schema_version,
        "categories": list(CATEGORIES),
        "protocols": protocols,
        "benchmarks": benchmarks,
        "tasks": {t.name: {"display": t.display, "short": t.short} for t in tasks},
        "metrics": metrics,
        "groups": [g for g in groups if g["columns"]],
        "board_protocols": board_protocols,
        "per_type": [f"{t.name}/{m}" for t in tasks for m in t.per_type_metrics],
    }


def load_schema(path: str | Path | None = None) -> LeaderboardSchema:
    """Read ``schema.yaml`` (default: the one shipped beside this module) and resolve it."""
    import yaml

    path = Path(path) if path is not None else DEFAULT_SCHEMA_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read leaderboard schema ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    try:
        return LeaderboardSchema.model_validate(build_schema(raw if isinstance(raw, dict) else {}))
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ConfigError(f"{path}: field '{field}': {first['msg']}") from None
    except ValueError as err:
        raise ConfigError(f"{path}: {err}") from None
