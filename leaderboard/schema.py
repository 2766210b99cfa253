"""The leaderboard schema (``leaderboard/schema.yaml``): metrics, groups, columns, protocols.

Everything the site shows about a metric comes from here, never from the templates. Loading checks
the file's own consistency (every column's metric is defined, every group's main metric is one of
its columns, no column in two groups) and raises :class:`ConfigError` naming the file and field.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from unifybench.errors import ConfigError
from unifybench.submission.schema import split_per_type

DEFAULT_SCHEMA_PATH = Path(__file__).with_name("schema.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricSpec(_Strict):
    """How one metric is named, ordered and explained (its metric card)."""

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

    def format(self, value: float | None) -> str:
        """The number as the site prints it; an en dash for a missing value."""
        return "–" if value is None else f"{value:.{self.digits}f}"


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
    """The parsed ``schema.yaml``."""

    schema_version: Literal[1]
    categories: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]]
    protocols: dict[str, ProtocolSpec]
    benchmarks: dict[str, BenchmarkSpec] = Field(default_factory=dict)
    tasks: dict[str, TaskSpec]
    metrics: dict[str, MetricSpec]
    groups: list[GroupSpec]
    # Columns whose metric may also be reported per item type, as ``metric[type]`` (e.g.
    # ``choice/accuracy[vqa_choice]``: the published choice scores are one number per type).
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
        """The benchmark's spec; an unknown dataset is titled by its id."""
        return self.benchmarks.get(dataset) or BenchmarkSpec(display=dataset)


def load_schema(path: str | Path | None = None) -> LeaderboardSchema:
    """Read and check ``schema.yaml`` (default: the one shipped beside this module)."""
    import yaml

    path = Path(path) if path is not None else DEFAULT_SCHEMA_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read leaderboard schema ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    try:
        return LeaderboardSchema.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ConfigError(f"{path}: field '{field}': {first['msg']}") from None
