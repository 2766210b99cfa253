"""Stage 4: aggregate. ``scores.jsonl`` -> ``result.json`` (submission schema), from scores alone.

Per task and metric: per-concept value = the scorer spec's aggregate function over that concept's
scores (the function and the protocol's flags are recorded in ``scoring.json``; no scorer object
is rebuilt); only the metrics the task's spec reports become results, the rest are side figures;
the metric = mean over concepts (the published aggregation), weighted by the per-concept
``POOL_WEIGHT`` a scorer may return where the published script pools items over concepts instead
(legacy CLIP-I/CLIP-T: every image of every concept in one mean). Also n (items with a score),
n_total (items planned), coverage = n / n_total, and a 95% confidence interval.

Confidence interval: a percentile bootstrap **over concepts** (1,000 resamples of the per-concept
values with replacement, seeded from the run seed, task and metric), because concepts are the unit
the metric averages over and the dominant source of variation. Fewer than two concepts with a value:
no interval (None).
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from unifybench.errors import DataError
from unifybench.protocols import Protocol
from unifybench.runner.config import RunConfig, read_config, write_json
from unifybench.runner.jsonl import read_records
from unifybench.runner.layout import RunLayout
from unifybench.runner.plan import PlanItem, read_plan
from unifybench.runner.predict import load_predictions
from unifybench.runner.provenance import (
    now_iso,
    personalization_records,
    read_provenance,
    update_provenance,
)
from unifybench.runner.score import load_scoring, record_to_score
from unifybench.runner.seeds import item_seed
from unifybench.scorers.base import POOL_WEIGHT, Score, nanmean, split_per_type
from unifybench.submission import (
    BenchmarkInfo,
    JudgeInfo,
    MethodInfo,
    MetricResult,
    Provenance,
    Submission,
)

BOOTSTRAP_RESAMPLES = 1000
CI_METHOD = f"percentile bootstrap over concepts, {BOOTSTRAP_RESAMPLES} resamples, 95%"

Aggregator = Callable[[Sequence[Score]], dict[str, float]]


def bootstrap_ci(
    values: Sequence[float], seed: int, resamples: int = BOOTSTRAP_RESAMPLES
) -> tuple[float | None, float | None]:
    """95% percentile bootstrap interval of the mean of ``values`` (None, None for fewer than 2)."""
    if len(values) < 2:
        return None, None
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    low = means[int(0.025 * (resamples - 1))]
    high = means[math.ceil(0.975 * (resamples - 1))]
    return low, high


def resolve_aggregators(
    scoring: dict[str, Any],
    scorers: Sequence[Any] | None = None,
    protocol: Protocol | None = None,
) -> tuple[dict[str, Aggregator], list[str]]:
    """scorer id -> its aggregate function, and notes for ids that fell back to a plain mean.

    Live scorer objects (from the score stage) are used when given. Otherwise the aggregate
    function recorded with the scorer's spec in ``scoring.json`` is called with the recorded
    protocol; for runs recorded before specs were written there, the registered spec of the
    scorer's class and metric. A scorer with neither (a custom scorer without a spec) is
    aggregated as the NaN-skipping mean of its values, and the result's notes say so.
    """
    found: dict[str, Aggregator] = {s.id: s.aggregate for s in scorers or ()}
    notes: list[str] = []
    if protocol is None:
        protocol = stored_protocol(scoring)
    for entry in scoring.get("scorers", []):
        sid = entry["id"]
        if sid in found:
            continue
        found[sid] = _stored_aggregator(entry, protocol, notes)
    return found, notes


def stored_protocol(scoring: dict[str, Any], benchmark: str = "unifybench") -> Protocol:
    """The protocol a run was scored under: its recorded flags, else the benchmark's protocol of
    the recorded name (runs scored before flags were recorded)."""
    from unifybench.runner.config import run_protocol

    spec = scoring.get("protocol_spec")
    if isinstance(spec, dict):
        return Protocol.from_json(spec)
    return run_protocol(benchmark, scoring.get("protocol") or "v2")


def _stored_aggregator(entry: dict[str, Any], protocol: Protocol, notes: list[str]) -> Aggregator:
    from unifybench.registry import import_target
    from unifybench.scorers.registry import REGISTRY, spec_for_class

    sid, metric = entry["id"], entry.get("metric", "value")
    recorded = entry.get("spec") if isinstance(entry.get("spec"), dict) else {}
    function = None
    if recorded.get("aggregate"):
        try:
            function = import_target(recorded["aggregate"])
        except (ImportError, AttributeError):
            function = None
    if function is None:
        spec = REGISTRY.find(recorded["name"]) if recorded.get("name") else None
        spec = spec or spec_for_class(str(entry.get("class", "")), entry.get("metric"))
        function = spec.aggregate if spec is not None else None
    if function is None:
        notes.append(f"{sid}: aggregated as the plain mean of item values (no scorer spec)")
        return _plain_mean(metric)

    def aggregate(scores: Sequence[Score]) -> dict[str, float]:
        return function(scores, protocol, metric)

    return aggregate


def _plain_mean(metric: str) -> Aggregator:
    def agg(scores: Sequence[Score]) -> dict[str, float]:
        return {metric: nanmean([s.value for s in scores])}

    return agg


def _finite(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def compute_results(
    plan: Sequence[PlanItem],
    predictions: dict[str, dict[str, Any]],
    score_records: Sequence[dict[str, Any]],
    scoring: dict[str, Any],
    aggregators: dict[str, Aggregator],
    seed: int,
) -> tuple[dict[str, dict[str, MetricResult]], list[str]]:
    """task -> metric -> MetricResult from stored records; and notes (collisions, errors)."""
    notes: list[str] = []
    planned_concepts: dict[str, list[str]] = defaultdict(list)
    n_total: Counter[str] = Counter()
    for p in plan:
        n_total[p.task] += 1
        if p.concept not in planned_concepts[p.task]:
            planned_concepts[p.task].append(p.concept)
    planned_ids = {p.id for p in plan}
    prediction_errors: Counter[str] = Counter(
        r["task"]
        for r in predictions.values()
        if r.get("status") != "ok" and r["id"] in planned_ids
    )

    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in score_records:
        if r.get("id") in planned_ids:
            latest[(r["id"], r.get("scorer", ""), r.get("judge") or "")] = r

    results: dict[str, dict[str, MetricResult]] = defaultdict(dict)
    scored_tasks = {t for entry in scoring.get("scorers", []) for t in entry.get("tasks", [])}
    for task, count in n_total.items():
        if task not in scored_tasks:
            notes.append(f"not scored: {task} ({count} items planned; no scorer for it ran)")
    for entry in scoring.get("scorers", []):
        sid, judge, main_metric = entry["id"], entry.get("judge"), entry.get("metric", "value")
        records = [r for (_, s, j), r in latest.items() if s == sid and j == (judge or "")]
        for task in entry.get("tasks", []):
            if task not in n_total:
                continue
            task_records = [r for r in records if r.get("task") == task]
            metric_results = _task_metrics(
                task,
                sid,
                judge,
                main_metric,
                task_records,
                planned_concepts[task],
                n_total[task],
                prediction_errors[task],
                aggregators[sid],
                seed,
                notes,
            )
            for metric, result in metric_results.items():
                if metric in results[task]:
                    kept = results[task][metric].scorer
                    notes.append(f"{task}/{metric}: also produced by {sid}; kept {kept}")
                    continue
                results[task][metric] = result
    return dict(results), notes


def _task_metrics(
    task: str,
    sid: str,
    judge: str | None,
    main_metric: str,
    records: Sequence[dict[str, Any]],
    concepts: Sequence[str],
    n_total: int,
    n_prediction_errors: int,
    aggregate: Aggregator,
    seed: int,
    notes: list[str],
) -> dict[str, MetricResult]:
    by_concept: dict[str, list[Score]] = defaultdict(list)
    n_scored = n_unscored = n_errors = 0
    for r in records:
        if r.get("status") != "ok":
            n_errors += 1
            continue
        by_concept[r["concept"]].append(record_to_score(r))
        if r.get("value") is None:
            n_unscored += 1
        else:
            n_scored += 1

    per_concept: dict[str, dict[str, float | None]] = {}
    for concept in concepts:
        scores = by_concept.get(concept, [])
        if not scores:
            per_concept[concept] = {}
            continue
        try:
            out = aggregate(scores)
        except Exception as err:
            notes.append(
                f"{sid} on {concept}/{task}: aggregate failed: {type(err).__name__}: {err}"
            )
            out = {}
        per_concept[concept] = {k: _finite(v) for k, v in out.items()}
    # Optional per-concept weights (scorers.base.POOL_WEIGHT): the metric is then the weighted
    # mean over concepts, i.e. the pooled mean over items where the published script pools.
    weights = {c: per_concept[c].pop(POOL_WEIGHT, None) for c in concepts}

    # The scorer's main metric first (e.g. rec: weight), then the rest in the scorer's order.
    names = list(dict.fromkeys([main_metric, *(k for v in per_concept.values() for k in v)]))
    allowed = reported_metrics(task) | {main_metric}
    # a per-type form of a reported metric (accuracy[vqa_choice]) is reported too
    metric_names = [m for m in names if split_per_type(m)[0] in allowed]
    side_names = [m for m in names if split_per_type(m)[0] not in allowed]

    extra: dict[str, float | int | str | None] = {
        "n_unscored": n_unscored,
        "n_score_errors": n_errors,
        "n_prediction_errors": n_prediction_errors,
        "ci_method": CI_METHOD,
    }
    for side in side_names:
        extra[side] = _mean_or_none([per_concept[c].get(side) for c in concepts])

    out: dict[str, MetricResult] = {}
    for metric in metric_names:
        values = {c: per_concept[c].get(metric) for c in concepts}
        present = [v for v in values.values() if v is not None]
        low, high = bootstrap_ci(present, item_seed(seed, f"bootstrap/{task}/{metric}/{sid}"))
        out[metric] = MetricResult(
            value=_weighted_mean_or_none(values, weights),
            scorer=sid,
            judge=judge,
            n=n_scored,
            n_total=n_total,
            coverage=(n_scored / n_total) if n_total else None,
            ci_low=low,
            ci_high=high,
            per_concept=values,
            extra=dict(extra),
        )
    return out


def reported_metrics(task: str) -> frozenset[str]:
    """The metrics a task's spec reports (other keys of an aggregate are side figures)."""
    from unifybench.tasks import find_task

    spec = find_task(task)
    return frozenset(spec.metrics) if spec is not None else frozenset()


def _weighted_mean_or_none(
    values: dict[str, float | None], weights: dict[str, float | None]
) -> float | None:
    """Mean over concepts with a value; weighted when every such concept has a weight."""
    kept = {c: v for c, v in values.items() if v is not None}
    w = {c: weights.get(c) for c in kept}
    if kept and all(x is not None and x > 0 for x in w.values()):
        total = sum(w.values())  # type: ignore[arg-type]
        return sum(v * w[c] for c, v in kept.items()) / total  # type: ignore[operator]
    return _mean_or_none(list(kept.values()))


def _mean_or_none(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def run_aggregation(run_dir: Path, scorers: Sequence[Any] | None = None) -> Submission:
    """Recompute ``result.json`` of a run from its stored scores; returns the Submission."""
    from unifybench.runner.lock import run_lock

    with run_lock(run_dir):
        return _run_aggregation(run_dir, scorers)


def _run_aggregation(run_dir: Path, scorers: Sequence[Any] | None) -> Submission:
    layout = RunLayout(run_dir)
    config = read_config(layout.config)
    plan = read_plan(layout.plan)
    scoring = load_scoring(run_dir)
    if not scoring:
        raise DataError(layout.scoring, "", "a scored run (run `unifybench score` first)")
    aggregators, notes = resolve_aggregators(
        scoring, scorers, stored_protocol(scoring, config.benchmark)
    )
    results, more_notes = compute_results(
        plan,
        load_predictions(run_dir),
        read_records(layout.scores),
        scoring,
        aggregators,
        config.seed,
    )
    notes += more_notes
    provenance = update_provenance(
        layout.provenance,
        personalization=personalization_records(layout.personalization),
        scoring={
            "protocol": scoring.get("protocol"),
            "scorers": [s["id"] for s in scoring.get("scorers", [])],
            "skipped": scoring.get("skipped", []),
            "judges": scoring.get("judges", []),
        },
    )
    submission = build_submission(run_dir, config, results, scoring, provenance, notes)
    write_json(layout.result, submission.model_dump(mode="json"))
    return submission


def build_submission(
    run_dir: Path,
    config: RunConfig,
    results: dict[str, dict[str, MetricResult]],
    scoring: dict[str, Any],
    provenance: dict[str, Any],
    notes: Sequence[str],
) -> Submission:
    """Assemble the Submission (result.json) of a run."""
    method = provenance.get("method", {})
    hashes = {
        c: v.get("checkpoint_hash")
        for c, v in sorted((provenance.get("personalization") or {}).items())
        if v.get("checkpoint_hash")
    }
    protocol = scoring.get("protocol") or config.protocol
    lines = [f"method caveat: {method['caveat']}"] if method.get("caveat") else []
    lines += [
        f"protocol: {protocol} (predictions made under {config.protocol})",
        f"confidence intervals: {CI_METHOD}",
    ]
    for entry in scoring.get("skipped", []):
        lines.append(f"scorer skipped: {entry['name']}: {entry['reason']}")
    partial = sorted(
        f"{task}/{metric} {r.coverage:.0%}"
        for task, metrics in results.items()
        for metric, r in metrics.items()
        if r.coverage is not None and r.coverage < 1
    )
    if partial:
        lines.append("coverage below 100%: " + ", ".join(partial))
    if hashes:
        lines.append("checkpoint hashes: " + ", ".join(f"{c}={h}" for c, h in hashes.items()))
    lines += list(notes)
    machine = provenance.get("machine", {})
    return Submission(
        method=MethodInfo(
            name=config.method,
            version=str(method.get("version", "")),
            params=method.get("params", config.params),
            checkpoint_hash=_combined_hash(hashes),
            paper=getattr_paper(method),
            kind=method.get("kind", "method"),
        ),
        benchmark=BenchmarkInfo(
            dataset=config.dataset or config.data,
            revision=config.revision,
            manifest_hash=config.manifest_hash,
            protocol=protocol,
            sample=config.sample,
            scorers=[s["id"] for s in scoring.get("scorers", [])],
            judges=[JudgeInfo.model_validate(j) for j in scoring.get("judges", [])],
        ),
        concepts={c: config.categories.get(c, "") for c in config.concepts},
        results=results,
        provenance=Provenance(
            kind="measured",
            run_id=run_dir.name,
            date=now_iso(),
            machine=f"{machine.get('hostname', '')} ({machine.get('platform', '')})",
            unifybench_version=provenance.get("unifybench_version"),
            git_commit=provenance.get("git_commit"),
            git_dirty=provenance.get("git_dirty"),
            packages=provenance.get("packages", {}),
            seed=config.seed,
            note=f"protocol={protocol}; data={config.dataset or config.data} "
            f"manifest={config.manifest_hash}; provenance.json in the run directory has the rest",
        ),
        notes="\n".join(lines),
    )


def getattr_paper(method: dict[str, Any]) -> str | None:
    paper = method.get("paper")
    return paper if isinstance(paper, str) else None


def _combined_hash(hashes: dict[str, str]) -> str | None:
    """One hash over the per-concept checkpoint hashes (None when the method gives none)."""
    if not hashes:
        return None
    if len(hashes) == 1:
        return next(iter(hashes.values()))
    import hashlib

    joined = "\n".join(f"{c}={h}" for c, h in sorted(hashes.items()))
    return "sha256:" + hashlib.sha256(joined.encode()).hexdigest()


def load_result(path: Path) -> Submission:
    """Read a result.json (or a run directory's) as a Submission."""
    import json

    if path.is_dir():
        path = RunLayout(path).result
    if not path.exists():
        raise DataError(path, "", "a result.json written by `unifybench aggregate`")
    return Submission.model_validate(json.loads(path.read_text(encoding="utf-8")))


__all__ = ["bootstrap_ci", "compute_results", "load_result", "read_provenance", "run_aggregation"]
