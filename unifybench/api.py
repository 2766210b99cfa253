"""UnifyBench as plain Python functions; every CLI verb is a thin wrapper over one of these.

Typical notebook use::

    from unifybench import api
    outcomes = api.run("profile-retrieval", offline_judge=True)     # predict + score + aggregate
    api.results_frame(outcomes[0].run_dir)                          # one row per task and metric
    api.score(outcomes[0].run_dir, protocol="legacy", offline_judge=True)  # no method call
    api.aggregate(outcomes[0].run_dir)                              # recompute result.json

``data`` is a dataset folder or hub repo id (UnifyBench), ``"NAME:SOURCE"`` for another registered
benchmark (``unifybench ls benchmarks``), ``"NAME:"`` for its offline sample set, None for
UnifyBench's sample set, or a loaded :class:`~unifybench.data.records.Benchmark`. The demo
(:mod:`unifybench.demo`) is built on these functions. Nothing heavy is imported here; methods,
scorers and judges import what they need when built.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unifybench.errors import ConfigError, UnifyBenchError
from unifybench.runner.setup import ScoringOptions

if TYPE_CHECKING:
    import pandas as pd

    from unifybench.benchmarks import BenchmarkSpec
    from unifybench.data.records import Benchmark
    from unifybench.method import Method
    from unifybench.runner.predict import PredictSummary
    from unifybench.runner.score import ScoreSummary
    from unifybench.submission import Submission

DEFAULT_OUT = Path("runs")


@dataclass
class RunOutcome:
    """What ``run``/``predict`` did for one method."""

    method: str
    run_dir: Path
    predict: PredictSummary | None = None
    score: ScoreSummary | None = None
    result: Submission | None = None


def _scoring_options(kwargs: dict[str, Any]) -> ScoringOptions:
    names = {f.name for f in fields(ScoringOptions)}
    unknown = set(kwargs) - names
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    return ScoringOptions(**kwargs)


def _as_list(value: str | Sequence[str] | None) -> list[str] | None:
    from unifybench.runner.plan import parse_list

    return parse_list(value)


def run_dir_name(method: str, run_name: str | None, several: bool) -> str:
    """Run directory name: the method name (path-safe), or ``<run-name>[-<method>]``."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", method).strip("_") or "method"
    if run_name is None:
        return safe
    return f"{run_name}-{safe}" if several else run_name


def _load(
    data: str | Path | Benchmark | None, concepts: Sequence[str] | None
) -> tuple[Benchmark, str, str | None]:
    from unifybench.data.records import Benchmark
    from unifybench.runner.setup import load_data

    if isinstance(data, Benchmark):
        try:
            from unifybench.data.manifest import manifest_hash

            digest: str | None = manifest_hash(data)
        except (ImportError, UnifyBenchError):
            # A Benchmark built in memory (tests, notebooks) may have no files to hash.
            digest = None
        return data, str(data.root), digest
    return load_data(data, concepts)


def benchmark_of(data: str | Path | Benchmark | None) -> BenchmarkSpec:
    """The benchmark spec a ``data`` value belongs to (nothing is loaded)."""
    from unifybench.benchmarks import get_benchmark, split_data
    from unifybench.data.records import Benchmark

    if isinstance(data, Benchmark):
        return get_benchmark(data.adapter)
    return split_data(data)[0]


def predict(
    methods: str | Method | Sequence[str | Method],
    *,
    data: str | Path | Benchmark | None = None,
    concepts: str | Sequence[str] | None = None,
    tasks: str | Sequence[str] | None = None,
    out: str | Path = DEFAULT_OUT,
    run_name: str | None = None,
    params: dict[str, Any] | None = None,
    protocol: str | None = None,
    seed: int = 0,
    images_per_prompt: int | None = None,
    retry_errors: bool = False,
    progress: bool | None = None,
    batch_size: int | None = None,
    executor: str | Any = "local",
    **executor_options: Any,
) -> list[RunOutcome]:
    """Run the predict stage for each method (resuming runs already started). No scoring.

    ``methods``: registered names, ``module:Class`` specs, or Method instances. ``data``: a dataset
    folder, a hub repo id, a loaded Benchmark, or None for the sample benchmark. ``executor``:
    ``"local"`` (in this process), ``"ray"`` (options ``ray_address``, ``ray_shards``,
    ``ray_num_cpus``, ``ray_max_retries``, ``ray_resources``; see docs/scaling.md) or an executor
    instance. ``batch_size``: items per batched method call (None: the method's
    ``default_batch_size``; methods without batch hooks are asked item by item); it never changes
    a prediction.
    """
    from unifybench.runner.config import RunConfig
    from unifybench.runner.predict import run_predictions
    from unifybench.runner.setup import dataset_name, is_sample

    # An unknown protocol fails before any work; None is the benchmark's default protocol.
    protocol = benchmark_of(data).runnable_protocol(protocol).name
    method_list = (
        [methods]
        if isinstance(methods, str) or not isinstance(methods, Sequence)
        else list(methods)
    )
    if not method_list:
        raise ConfigError("no method given (--method NAME)")
    concept_list = _as_list(concepts)
    # Resolve every method name before loading anything: a typo fails at once. Instances are
    # created one at a time below, so two large models are never held together.
    from unifybench.method import method_class

    for spec in method_list:
        if isinstance(spec, str):
            method_class(spec)
    from unifybench.runner.executors import close_executor, make_executor

    runner = make_executor(executor, **executor_options)
    # The whole dataset is loaded (metadata only) and hashed; --concepts selects at planning, so
    # a run can grow by concepts without its data hash changing.
    benchmark, source, digest = _load(data, None)
    outcomes = []
    for spec in method_list:
        method, name, given = _instantiate(spec, params or {})
        run_dir = Path(out) / run_dir_name(name, run_name, len(method_list) > 1)
        config = RunConfig(
            method=name,
            params=given,
            data=source,
            dataset=dataset_name(benchmark),
            revision=benchmark.revision,
            manifest_hash=digest,
            sample=is_sample(benchmark),
            concepts=concept_list or [],
            tasks=_as_list(tasks) or [],
            seed=seed,
            images_per_prompt=images_per_prompt,
            protocol=protocol,
            benchmark=benchmark.adapter,
            batch_size=batch_size,
        )
        summary = run_predictions(
            method,
            benchmark,
            run_dir,
            config,
            retry_errors=retry_errors,
            progress=progress,
            executor=runner,
        )
        outcomes.append(RunOutcome(name, run_dir, predict=summary))
        del method
    if runner is not executor:  # made here (a Ray cluster it started also stops at exit)
        close_executor(runner)
    return outcomes


def _instantiate(spec: str | Method, params: dict[str, Any]) -> tuple[Method, str, dict[str, Any]]:
    from unifybench.method import create_method

    if isinstance(spec, str):
        method = create_method(spec, **params)
        # A "module:Class" spec is named by the class's own ``name`` when it has one.
        own = getattr(method, "name", None)
        name = own if ":" in spec and isinstance(own, str) and own else spec
        return method, name, dict(params)
    name = getattr(spec, "name", None) or type(spec).__name__
    return spec, str(name), {}


def score(
    run_dir: str | Path,
    *,
    scorers: Sequence[Any] | None = None,
    skipped: Sequence[tuple[str, str]] = (),
    judges: Sequence[Any] = (),
    data: str | Path | Benchmark | None = None,
    missing_judge: str = "error",
    progress: bool | None = None,
    report: bool = True,
    **options: Any,
) -> ScoreSummary:
    """Score a run's saved predictions; never calls the method.

    Scorers come from the registry (``build_scorers``) for the run's tasks and the given options
    (``protocol``, ``judge_base_url``, ``judge_model``, ``judge_key_env``, ``vision_judge_model``,
    ``offline_judge``, ``clip_weights``, ``face_backend``, ``face_model_dir``, ``device``), unless
    ``scorers`` are passed explicitly. ``data`` overrides the dataset location stored in run.json
    (e.g. on another machine).
    """
    from unifybench.runner.config import read_config
    from unifybench.runner.layout import RunLayout
    from unifybench.runner.score import run_scoring
    from unifybench.runner.setup import build_scoring, report_skipped

    run_dir = Path(run_dir)
    config = read_config(RunLayout(run_dir).config)
    opts = _scoring_options({"seed": config.seed, "protocol": config.protocol, **options})
    if scorers is None:
        setup = build_scoring(
            opts, config.tasks, missing_judge=missing_judge, benchmark=config.benchmark
        )
        scorers, skipped, judges = setup.scorers, setup.skipped, setup.judges
    if report:
        report_skipped(skipped)
    benchmark, _, _ = _load(data if data is not None else config.data, None)
    return run_scoring(
        run_dir,
        benchmark,
        scorers,
        skipped=skipped,
        protocol=opts.protocol,
        judges=judges,
        progress=progress,
    )


def aggregate(run_dir: str | Path, *, scorers: Sequence[Any] | None = None) -> Submission:
    """Recompute ``result.json`` from the run's stored scores alone; returns the Submission."""
    from unifybench.runner.aggregate import run_aggregation

    return run_aggregation(Path(run_dir), scorers)


def run(
    methods: str | Method | Sequence[str | Method],
    *,
    data: str | Path | Benchmark | None = None,
    concepts: str | Sequence[str] | None = None,
    tasks: str | Sequence[str] | None = None,
    out: str | Path = DEFAULT_OUT,
    run_name: str | None = None,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    images_per_prompt: int | None = None,
    retry_errors: bool = False,
    scorers: Sequence[Any] | None = None,
    skipped: Sequence[tuple[str, str]] = (),
    judges: Sequence[Any] = (),
    missing_judge: str = "error",
    progress: bool | None = None,
    summary: bool = False,
    report: bool = True,
    batch_size: int | None = None,
    executor: str | Any = "local",
    **options: Any,
) -> list[RunOutcome]:
    """Predict, score and aggregate each method; one RunOutcome (with ``result``) per method.

    Judges and scorers are built (and a missing API key reported) before the method runs, so a
    misconfigured judge fails before any work. ``summary=True`` prints the terminal table.
    """
    from unifybench.runner.config import read_config
    from unifybench.runner.layout import RunLayout
    from unifybench.runner.setup import build_scoring

    spec = benchmark_of(data)
    protocol = spec.runnable_protocol(options.get("protocol")).name
    options["protocol"] = protocol
    executor_options = {k: options.pop(k) for k in list(options) if k.startswith("ray_")}
    opts = _scoring_options({"seed": seed, **options})
    if scorers is None:
        wanted = _as_list(tasks) or list(spec.tasks)
        setup = build_scoring(opts, wanted, missing_judge=missing_judge, benchmark=spec.name)
        scorers, skipped, judges = setup.scorers, setup.skipped, setup.judges
    if report:
        from unifybench.runner.setup import report_skipped

        report_skipped(skipped)
    outcomes = predict(
        methods,
        data=data,
        concepts=concepts,
        tasks=tasks,
        out=out,
        run_name=run_name,
        params=params,
        protocol=protocol,
        seed=seed,
        images_per_prompt=images_per_prompt,
        retry_errors=retry_errors,
        progress=progress,
        batch_size=batch_size,
        executor=executor,
        **executor_options,
    )
    for outcome in outcomes:
        config = read_config(RunLayout(outcome.run_dir).config)
        outcome.score = score(
            outcome.run_dir,
            scorers=scorers,
            skipped=skipped,
            judges=judges,
            data=data if data is not None else config.data,
            progress=progress,
            protocol=protocol,
            report=False,
        )
        outcome.result = aggregate(outcome.run_dir, scorers=scorers)
        if summary:
            from unifybench.runner.summary import print_summary

            print_summary(outcome.result, title=f"{outcome.method}: {outcome.run_dir}")
    return outcomes


def ls(kind: str | None = None) -> dict[str, list[str]]:
    """What is available: ``methods``, ``tasks``, ``scorers``, ``judges``, ``benchmarks``,
    ``metrics`` (all: kind None)."""
    from unifybench.runner.listing import available

    return available(kind)


def results_frame(run: str | Path | Submission) -> pd.DataFrame:
    """One row per (task, metric): value, ci_low, ci_high, n, n_total, coverage, scorer, judge."""
    import pandas as pd

    sub = _submission(run)
    rows = [
        {
            "method": sub.method.name,
            "protocol": sub.benchmark.protocol,
            "task": task,
            "metric": metric,
            "value": r.value,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "n": r.n,
            "n_total": r.n_total,
            "coverage": r.coverage,
            "scorer": r.scorer,
            "judge": r.judge,
        }
        for task, metrics in sub.results.items()
        for metric, r in metrics.items()
    ]
    return pd.DataFrame(rows)


def per_concept_frame(run: str | Path | Submission) -> pd.DataFrame:
    """One row per (task, metric, concept) with the concept's value and category."""
    import pandas as pd

    sub = _submission(run)
    rows = [
        {
            "method": sub.method.name,
            "task": task,
            "metric": metric,
            "concept": concept,
            "category": sub.concepts.get(concept, ""),
            "value": value,
        }
        for task, metrics in sub.results.items()
        for metric, r in metrics.items()
        for concept, value in r.per_concept.items()
    ]
    return pd.DataFrame(rows)


def _submission(run: str | Path | Submission) -> Submission:
    from unifybench.runner.aggregate import load_result
    from unifybench.submission import Submission

    if isinstance(run, Submission):
        return run
    return load_result(Path(run))
