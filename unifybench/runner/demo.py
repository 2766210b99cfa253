"""The demo: sample benchmark -> CPU baselines -> every scorer that can run -> leaderboard.

Offline it scores with what ships with the packages (BLEU, recognition, choice, the MiniLM judge,
dlib face similarity) and says plainly which official scorers were skipped and why (CLIP and
ArcFace weights not downloadable, no API key for the judges). With a network and keys, the
official scorers run too. It uses fewer images per prompt than the benchmark (stated in its output)
so that it finishes in a few minutes on two CPU cores.
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
    judge_base_url: str | None = None,
    judge_key_env: str | None = None,
    clip_weights: str | None = None,
    face_model_dir: str | None = None,
    seed: int = 0,
) -> tuple[list[Any], list[tuple[str, str]], list[Any]]:
    """Official scorers where they can run, plus the offline alternatives (MiniLM judge, dlib).

    Returns (scorers, skipped, judges). Scorers are de-duplicated by id; a skipped entry stays only
    when nothing under that name could run.
    """
    from unifybench.data.records import ALL_TASKS
    from unifybench.runner.setup import ScoringOptions, build_judges, merge_judge_skips
    from unifybench.scorers.registry import build_scorers

    official = ScoringOptions(
        protocol=protocol,
        judge_base_url=judge_base_url,
        judge_key_env=judge_key_env,
        face_backend="arcface",
        seed=seed,
    )
    text, vision, skipped = build_judges(official, ALL_TASKS, missing="skip")
    scorers, more = build_scorers(
        protocol,
        list(ALL_TASKS),
        text_judge=text,
        vision_judge=vision,
        clip_weights=clip_weights,
        face_backend="arcface",
        face_model_dir=face_model_dir,
        seed=seed,
    )
    skipped += list(more)
    judges = [j for j in (text, vision) if j is not None]

    from unifybench.judges import MiniLMJudge

    minilm = MiniLMJudge()
    offline_text, skip_text = build_scorers(
        protocol, ["vqa", "text_only"], text_judge=minilm, seed=seed
    )
    offline_face, skip_face = build_scorers(protocol, ["face"], face_backend="dlib", seed=seed)
    have = {s.id for s in scorers}
    for s in [*offline_text, *offline_face]:
        if s.id not in have:
            scorers.append(s)
            have.add(s.id)
    if any(judge_uses(s, minilm) for s in scorers):
        judges.append(minilm)
    skipped += [entry for entry in [*skip_text, *skip_face] if entry not in skipped]
    return scorers, merge_judge_skips(skipped), judges


def judge_uses(scorer: Any, judge: Any) -> bool:
    return getattr(scorer, "judge", None) is judge


def run_demo(
    out: Path,
    *,
    methods: Sequence[str] | None = None,
    images_per_prompt: int | None = None,
    protocol: str = "v2",
    judge_base_url: str | None = None,
    judge_key_env: str | None = None,
    clip_weights: str | None = None,
    face_model_dir: str | None = None,
    progress: bool | None = None,
    file: TextIO | None = None,
) -> DemoReport:
    """Run the demo into ``out`` and print where to look. See the module docstring."""
    from unifybench import api
    from unifybench.runner.setup import load_data, report_skipped, sample_root
    from unifybench.runner.summary import print_summary

    say = file or sys.stdout
    started = time.perf_counter()
    report = DemoReport(out=out)
    print(
        "UnifyBench demo: sample benchmark, CPU baselines, every scorer that can run here.",
        file=say,
    )
    if "HF_HUB_OFFLINE" not in os.environ and not hub_reachable():
        os.environ["HF_HUB_OFFLINE"] = "1"
        print(
            "network: the Hugging Face hub is not reachable; working offline "
            "(official CLIP/ArcFace weights cannot be downloaded).",
            file=say,
        )

    root = sample_root()
    benchmark, _source, _ = load_data(root)
    print(
        f"data: sample benchmark at {root} ({len(benchmark.concepts)} concepts; a smoke test, "
        "never ranked with the real UnifyBench data)",
        file=say,
    )
    ipp = DEMO_IMAGES_PER_PROMPT if images_per_prompt is None else images_per_prompt
    print(f"images per prompt: {ipp} (the benchmark uses 4; fewer keeps the demo short)", file=say)

    scorers, skipped, judges = demo_scorers(
        protocol,
        judge_base_url=judge_base_url,
        judge_key_env=judge_key_env,
        clip_weights=clip_weights,
        face_model_dir=face_model_dir,
    )
    report.skipped_scorers = skipped
    print(f"scorers ({protocol} protocol): " + ", ".join(s.id for s in scorers), file=say)
    if skipped:
        print(
            "not run (never replaced by another scorer under their name; full reasons in each "
            "result.json's notes):",
            file=say,
        )
        report_skipped(skipped, file=say)

    wanted = list(methods) if methods else list(DEMO_METHODS)
    if not methods and os.environ.get(API_METHOD_KEY):
        wanted.append(API_METHOD)
    elif not methods:
        report.skipped_methods.append((API_METHOD, f"{API_METHOD_KEY} is not set"))
    for name in wanted:
        try:
            (outcome,) = api.run(
                name,
                data=benchmark,
                out=out,
                scorers=scorers,
                skipped=skipped,
                judges=judges,
                images_per_prompt=ipp,
                protocol=protocol,
                progress=progress,
                report=False,
            )
        except (UnifyBenchError, ImportError) as err:
            report.skipped_methods.append((name, str(err)))
            print(f"method {name} skipped: {err}", file=say)
            continue
        report.runs[name] = outcome.run_dir
        report.results[name] = outcome.result
        print_summary(
            outcome.result, title=f"{name}: {outcome.run_dir}", file=say, show_skipped=False
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
    results = [run_dir / "result.json" for run_dir in report.runs.values()]
    site = report.out / "leaderboard"
    try:
        render(results, site)
    except Exception as err:  # the runs are done and kept; a board failure is reported, not fatal
        print(f"leaderboard: not rendered: {type(err).__name__}: {err}", file=say)
        return None
    return site / "index.html"
