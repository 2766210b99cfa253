"""What makes a result valid, beyond its shape: the rules every submission file must satisfy.

They live with the submission model (not with the leaderboard's presentation) and read the specs:

- the protocol is one a benchmark offers (the dataset's benchmark, when a spec names the dataset);
  a sample dataset says ``sample: true``;
- every task is a task spec (of the dataset's benchmark, when known) and every metric one its spec
  reports;
- every number is finite and inside its metric's declared range (value, confidence interval,
  per-concept values, side figures such as the face detection rate), and sane (|x| <= 1e9);
  ``ci_low <= value <= ci_high``; ``coverage == n / n_total``; ``0 <= n <= n_total``; every
  per-concept key is listed in ``concepts``; categories are human / animal / object / style;
- a measured result names its run, date and UnifyBench version (a reported one must cite its
  paper: the model itself refuses it otherwise).

Each problem names the file, the field (dotted path) and what was expected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from unifybench.submission.schema import MetricResult, Submission


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one submission file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: field '{self.field}'" if self.field else self.file
        return f"{where}: {self.message}"


def check_submission(file: str, sub: Submission) -> list[Problem]:
    """Every rule of the module docstring that ``sub`` (read from ``file``) breaks."""
    from unifybench.benchmarks import benchmark_for_dataset, known_protocols
    from unifybench.data.records import CATEGORIES

    problems: list[Problem] = []

    def add(field: str, message: str) -> None:
        problems.append(Problem(file, field, message))

    bench = benchmark_for_dataset(sub.benchmark.dataset)
    offered = bench.protocol_names if bench is not None else sorted(known_protocols())
    if sub.benchmark.protocol not in offered:
        whose = f"benchmark {bench.name}" if bench is not None else "any benchmark"
        add(
            "benchmark.protocol",
            f"unknown protocol {sub.benchmark.protocol!r}; expected one of {whose}: "
            f"{', '.join(offered)}",
        )
    dataset = (
        next((d for d in bench.datasets if d.id == sub.benchmark.dataset), None) if bench else None
    )
    if dataset is not None and dataset.sample and not sub.benchmark.sample:
        add("benchmark.sample", f"dataset {sub.benchmark.dataset!r} is a sample set: expected true")

    prov = sub.provenance
    if prov.kind == "measured":
        for name in ("run_id", "date", "unifybench_version"):
            if not (getattr(prov, name) or "").strip():
                add(f"provenance.{name}", "a measured result must give it")
    for concept, category in sub.concepts.items():
        if category and category not in CATEGORIES:  # "" = not categorised
            add(
                f"concepts.{concept}",
                f"unknown category {category!r}; expected one of {list(CATEGORIES)}",
            )

    if not sub.results:
        add("results", "expected at least one task with one metric")
    for task, metrics in sub.results.items():
        problems.extend(_check_task(file, task, metrics, bench, sub.concepts))
    return problems


def _check_task(
    file: str,
    task: str,
    metrics: dict[str, MetricResult],
    bench: Any,
    concepts: dict[str, str],
) -> list[Problem]:
    from unifybench.metrics import find_metric, split_per_type
    from unifybench.tasks import find_task, task_names

    spec = find_task(task)
    if spec is None:
        return [Problem(file, f"results.{task}", f"task {task!r} is not a task ({task_names()})")]
    if bench is not None and task not in bench.tasks:
        return [
            Problem(
                file,
                f"results.{task}",
                f"task {task!r} is not a task of benchmark {bench.name} ({list(bench.tasks)})",
            )
        ]
    out: list[Problem] = []
    for metric, result in metrics.items():
        field = f"results.{task}.{metric}"
        metric_spec = find_metric(split_per_type(metric)[0])
        if not spec.reports(metric) or metric_spec is None:
            per_type = [f"{m}[<type>]" for m in spec.per_type_metrics]
            out.append(
                Problem(
                    file,
                    field,
                    f"metric {metric!r} is not a metric of task {task!r}; "
                    f"expected one of {sorted(spec.metrics) + per_type}",
                )
            )
            continue
        out.extend(_check_numbers(file, field, result, metric_spec, concepts))
    return out


def _check_numbers(
    file: str, field: str, result: MetricResult, spec: Any, concepts: dict[str, str]
) -> list[Problem]:
    from unifybench.metrics import find_metric

    out: list[Problem] = []

    def add(where: str, message: str) -> None:
        out.append(Problem(file, f"{field}.{where}", message))

    numbers = {"value": result.value, "ci_low": result.ci_low, "ci_high": result.ci_high}
    numbers.update({f"per_concept.{c}": v for c, v in result.per_concept.items()})
    for name, number in numbers.items():
        if number is None:
            continue
        if not math.isfinite(number):
            add(name, "expected a finite number or null")
        elif not spec.contains(number):
            add(name, f"expected a value of {spec.name} in {spec.range_text}, got {number!r}")
    for key, extra in result.extra.items():
        if isinstance(extra, bool) or not isinstance(extra, (int, float)):
            continue
        side = find_metric(key)
        if not math.isfinite(extra):
            add(f"extra.{key}", "expected a finite number or null")
        elif side is not None and not side.contains(extra):
            add(f"extra.{key}", f"expected a value of {key} in {side.range_text}, got {extra!r}")
    for name in ("n", "n_total"):
        count = getattr(result, name)
        if count is not None and count < 0:
            add(name, f"expected a count >= 0, got {count}")
    if (
        result.n is not None
        and result.n_total is not None
        and result.coverage is not None
        and result.n_total > 0
        and abs(result.coverage - result.n / result.n_total) > 1e-6
    ):
        add("coverage", f"expected n / n_total = {result.n / result.n_total:.6g}")
    if result.n is not None and result.n_total is not None and result.n > result.n_total:
        add("n", "expected n <= n_total")
    value, low, high = result.value, result.ci_low, result.ci_high
    if value is not None and math.isfinite(value):
        if low is not None and math.isfinite(low) and low > value + 1e-12:
            add("ci_low", "expected ci_low <= value")
        if high is not None and math.isfinite(high) and high < value - 1e-12:
            add("ci_high", "expected ci_high >= value")
    if (low is None) != (high is None):
        add("ci_low" if low is None else "ci_high", "expected both ends of the interval or none")
    if concepts:
        for concept in result.per_concept:
            if concept not in concepts:
                add(
                    f"per_concept.{concept}", "concept missing from the submission's 'concepts' map"
                )
    return out
