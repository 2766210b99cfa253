"""The demo: each benchmark's sample set -> CPU baselines -> every scorer that can run -> board.

Offline it scores with what ships with the packages (BLEU, recognition, choice, the MiniLM judge,
dlib face similarity) and says plainly which official scorers were skipped and why (CLIP and
ArcFace weights not downloadable, no API key for the judges). With a network and keys, the
official scorers run too. It uses fewer images per prompt than the benchmark (stated in its output)
so that it finishes in a few minutes on two CPU cores.

The demo sits above the API (:mod:`unifybench.api`): it only calls API functions and the
leaderboard build, and nothing below imports it.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from unifybench.errors import UnifyBenchError

DEMO_METHODS: tuple[str, ...] = ("no-personalization", "reference-images", "profile-retrieval")
API_METHOD = "openai-prompt"
API_METHOD_KEY = "OPENAI_API_KEY"
DEMO_IMAGES_PER_PROMPT = 2
HUB_HOST = ("huggingface.co", 443)


@dataclass
class DemoReport:
    """What the demo did and where its files are."""

    out: Path
    runs: dict[str, Path] = field(default_factory=dict)
    skipped_scorers: list[tuple[str, str]] = field(default_factory=list)
    skipped_methods: list[tuple[str, str]] = field(default_factory=list)
    leaderboard: Path | None = None
    seconds: float = 0.0
    results: dict[str, Any] = field(default_factory=dict)


def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the Hugging Face hub answers a TCP connect (weights for CLIP come from there)."""
    try:
        with socket.create_connection(HUB_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def demo_scorers(
    protocol: str,
    *,
    benchmark: str = "unifybench",
    judge_base_url: str | None = None,
    judge_key_env: str | None = None,
    clip_weights: str | None = None,
    face_model_dir: str | None = None,
    seed: int = 0,
) -> tuple[list[Any], list[tuple[str, str]], list[Any]]:
    """Official scorers where they can run, plus every unofficial alternative (MiniLM judge, dlib)
    for all tasks of the benchmark. Returns (scorers, skipped, judges)."""
    from unifybench.benchmarks import get_benchmark
    from unifybench.runner.setup import ScoringOptions, build_scoring

    options = ScoringOptions(
        protocol=protocol,
        judge_base_url=judge_base_url,
        judge_key_env=judge_key_env,
        clip_weights=clip_weights,
        face_backend="arcface",
        face_model_dir=face_model_dir,
        seed=seed,
    )
    setup = build_scoring(
        options,
        list(get_benchmark(benchmark).tasks),
        missing_judge="skip",
        benchmark=benchmark,
        alternatives=True,
    )
    judges = list(setup.judges)
    for scorer in setup.scorers:
        judge = getattr(scorer, "judge", None)
        if judge is not None and not any(judge is j for j in judges):
            judges.append(judge)
    return setup.scorers, setup.skipped, judges


def run_demo(
    out: Path,
    *,
    methods: Sequence[str] | None = None,
    benchmarks: Sequence[str] | None = None,
    images_per_prompt: int | None = None,
    protocol: str | None = None,
    judge_base_url: str | None = None,
    judge_key_env: str | None = None,
    clip_weights: str | None = None,
    face_model_dir: str | None = None,
    progress: bool | None = None,
    file: TextIO | None = None,
) -> DemoReport:
    """Run the demo into ``out`` and print where to look. See the module docstring.

    ``benchmarks``: the benchmarks whose sample sets are run (default: every runnable one);
    ``protocol``: one protocol for all (default: each benchmark's default protocol). Runs of
    UnifyBench go to ``out/<method>``, of other benchmarks to ``out/<benchmark>/<method>``.
    """
    from unifybench.benchmarks import DEFAULT, all_benchmarks

    say = file or sys.stdout
    started = time.perf_counter()
    report = DemoReport(out=out)
    print(
        "UnifyBench demo: sample benchmarks, CPU baselines, every scorer that can run here.",
        file=say,
    )
    if "HF_HUB_OFFLINE" not in os.environ and not hub_reachable():
        os.environ["HF_HUB_OFFLINE"] = "1"
        print(
            "network: the Hugging Face hub is not reachable; working offline "
            "(official CLIP/ArcFace weights cannot be downloaded).",
            file=say,
        )
    names = list(benchmarks) if benchmarks else [b.name for b in all_benchmarks() if b.runnable]
    wanted = list(methods) if methods else list(DEMO_METHODS)
    if not methods and os.environ.get(API_METHOD_KEY):
        wanted.append(API_METHOD)
    elif not methods:
        report.skipped_methods.append((API_METHOD, f"{API_METHOD_KEY} is not set"))
    for name in names:
        target = out if name == DEFAULT else out / name
        _demo_benchmark(
            name,
            target,
            wanted,
            report,
            say,
            images_per_prompt,
            protocol,
            progress,
            judge_base_url=judge_base_url,
            judge_key_env=judge_key_env,
            clip_weights=clip_weights,
            face_model_dir=face_model_dir,
        )
    for name, reason in report.skipped_methods:
        if name not in report.runs:
            print(f"method {name} not run: {reason}", file=say)

    report.leaderboard = render_leaderboard(report, say)
    report.seconds = time.perf_counter() - started
    print(f"\ndone in {report.seconds:.0f} s. Where to look:", file=say)
    for name, run_dir in report.runs.items():
        print(
            f"  {name}: {run_dir / 'result.json'} (predictions.jsonl, scores.jsonl, images/)",
            file=say,
        )
    if report.leaderboard is not None:
        print(f"  leaderboard: {report.leaderboard}", file=say)
    print(
        "  re-score without re-running a method: unifybench score RUN_DIR --protocol legacy",
        file=say,
    )
    return report


def _demo_benchmark(
    name: str,
    out: Path,
    methods: Sequence[str],
    report: DemoReport,
    say: TextIO,
    images_per_prompt: int | None,
    protocol: str | None,
    progress: bool | None,
    **scoring: Any,
) -> None:
    """One benchmark's part of the demo: its sample set, scorers and every fitting method."""
    from unifybench import api
    from unifybench.benchmarks import DEFAULT, get_benchmark
    from unifybench.method import method_class
    from unifybench.runner.setup import load_data, report_skipped
    from unifybench.runner.summary import print_summary
    from unifybench.tasks import get_task

    spec = get_benchmark(name)
    try:
        chosen = spec.runnable_protocol(protocol).name
    except UnifyBenchError as err:
        print(f"{spec.display}: not run ({err})", file=say)
        return
    benchmark, _label, _ = load_data(f"{name}:")
    print(
        f"data: {spec.display} sample set at {benchmark.root} ({len(benchmark.concepts)} "
        "concepts; a smoke test, never ranked with the real data)",
        file=say,
    )
    generation = [get_task(t) for t in spec.tasks if get_task(t).is_generation]
    ipp = images_per_prompt
    if ipp is None:  # never more images than the benchmark itself makes (DreamBench++: one)
        ipp = min([DEMO_IMAGES_PER_PROMPT, *(t.images_per_item for t in generation)])
    if generation:
        uses = generation[0].images_per_item
        why = "fewer keeps the demo short" if ipp < uses else "as the benchmark"
        print(f"images per prompt: {ipp} (the benchmark uses {uses}; {why})", file=say)
    scorers, skipped, judges = demo_scorers(chosen, benchmark=name, **scoring)
    report.skipped_scorers += [s for s in skipped if s not in report.skipped_scorers]
    print(f"scorers ({chosen} protocol): " + ", ".join(s.id for s in scorers), file=say)
    if skipped:
        print(
            "not run (never replaced by another scorer under their name; full reasons in each "
            "result.json's notes):",
            file=say,
        )
        report_skipped(skipped, file=say)
    capabilities = {get_task(t).capability for t in spec.tasks}
    for method in methods:
        key = method if name == DEFAULT else f"{name}:{method}"
        try:
            declared = set(getattr(method_class(method), "capabilities", ()) or ())
            if declared and not declared & capabilities:
                continue  # nothing of this benchmark fits the method
            (outcome,) = api.run(
                method,
                data=benchmark,
                out=out,
                scorers=scorers,
                skipped=skipped,
                judges=judges,
                images_per_prompt=ipp,
                protocol=chosen,
                progress=progress,
                report=False,
            )
        except (UnifyBenchError, ImportError) as err:
            report.skipped_methods.append((key, str(err)))
            print(f"method {key} skipped: {err}", file=say)
            continue
        report.runs[key] = outcome.run_dir
        report.results[key] = outcome.result
        print_summary(
            outcome.result, title=f"{key}: {outcome.run_dir}", file=say, show_skipped=False
        )


def render_leaderboard(report: DemoReport, say: TextIO) -> Path | None:
    """Render the demo's results with ``leaderboard.build.build_site`` when that module exists."""
    try:
        from leaderboard import build as board
    except ImportError:
        print("leaderboard: not rendered (the leaderboard package is not available here)", file=say)
        return None
    render = getattr(board, "build_site", None)
    if not callable(render):
        print("leaderboard: not rendered (leaderboard.build has no build_site)", file=say)
        return None
    results = []
    for name, run_dir in report.runs.items():
        result = report.results.get(name)
        if result is not None and not getattr(result, "results", None):
            # nothing could be scored here (e.g. DreamBench++ offline: every scorer needs hub
            # weights or an API key): such a file is no board row, and it would fail validation
            print(f"leaderboard: {name} left out (no scorer could run here)", file=say)
            continue
        results.append(run_dir / "result.json")
    site = report.out / "leaderboard"
    try:
        render(results, site)
    except Exception as err:  # the runs are done and kept; a board failure is reported, not fatal
        print(f"leaderboard: not rendered: {type(err).__name__}: {err}", file=say)
        return None
    return site / "index.html"
