"""Turning options into things: the benchmark to load, the judges and scorers to build.

Kept apart from the stages so that ``unifybench score`` can rebuild scorers for a stored run, and so
that the CLI's option names map one to one onto :class:`ScoringOptions`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unifybench.errors import ConfigError, UnifyBenchError

if TYPE_CHECKING:
    from unifybench.data.records import Benchmark

TEXT_JUDGE_TASKS = frozenset({"vqa", "text_only"})
VISION_JUDGE_TASKS = frozenset({"knowledge"})


@dataclass
class ScoringOptions:
    """Everything that selects scorers and judges (CLI: the option of the same name)."""

    protocol: str = "v2"
    judge_base_url: str | None = None
    judge_model: str | None = None
    judge_key_env: str | None = None
    vision_judge_model: str | None = None
    offline_judge: bool = False
    clip_weights: str | None = None
    face_backend: str = "arcface"
    face_model_dir: str | None = None
    device: str = "cpu"
    seed: int = 0


@dataclass
class ScoringSetup:
    """Scorers to run, the ones skipped with a reason, and the judges behind them."""

    scorers: list[Any]
    skipped: list[tuple[str, str]]
    judges: list[Any]


def cache_dir() -> Path:
    """UnifyBench's cache: $UNIFYBENCH_CACHE_DIR, else ~/.cache/unifybench (as the data layer)."""
    if os.environ.get("UNIFYBENCH_CACHE_DIR"):
        return Path(os.environ["UNIFYBENCH_CACHE_DIR"])
    return Path.home() / ".cache" / "unifybench"


def sample_root() -> Path:
    """The sample benchmark, written on first use into the cache directory."""
    import shutil
    import tempfile

    import unifybench
    from unifybench.data.sample import write_sample

    target = cache_dir() / f"sample-{unifybench.__version__}"
    if (target / "concepts_list.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="sample-", dir=target.parent))
    try:
        root = Path(write_sample(tmp / "data"))
        if target.exists():
            shutil.rmtree(target)
        os.replace(root, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_data(
    data: str | Path | None, concepts: Sequence[str] | None = None
) -> tuple[Benchmark, str, str | None]:
    """Load a benchmark: (benchmark, source, manifest hash). Default: the sample benchmark."""
    from unifybench.data import load_benchmark
    from unifybench.data.manifest import manifest_hash

    source = str(sample_root() if data is None else data)
    benchmark = load_benchmark(source, concepts=list(concepts) if concepts else None)
    return benchmark, source, manifest_hash(benchmark)


SAMPLE_DATASET = "unifybench-sample"
_SAMPLE_MARK = "# UnifyBench sample"


def is_sample(benchmark: Benchmark) -> bool:
    """True for the smoke-test sample benchmark (its README says so); never ranked."""
    readme = Path(benchmark.root) / "README.md"
    try:
        with readme.open(encoding="utf-8") as fh:
            return fh.readline().startswith(_SAMPLE_MARK)
    except OSError:
        return False


def dataset_name(benchmark: Benchmark) -> str:
    """The dataset name results carry: ``unifybench-sample`` for the sample, else the loader's."""
    return SAMPLE_DATASET if is_sample(benchmark) else benchmark.name


def build_judges(
    options: ScoringOptions, tasks: Sequence[str], *, missing: str = "error"
) -> tuple[Any, Any, list[tuple[str, str]]]:
    """(text judge, vision judge, skipped) for the tasks that need judges.

    Official presets (deepseek-chat for text, gpt-4o for images) unless options override the
    model, base URL or key variable; a judge whose model is not the preset's is marked unofficial.
    ``missing="error"``: a judge that is not ready (no API key) raises ConfigError before any work.
    ``missing="skip"`` (the demo): it is left out and listed in ``skipped`` with the reason.
    """
    skipped: list[tuple[str, str]] = []
    text = vision = None
    if TEXT_JUDGE_TASKS & set(tasks):
        if options.offline_judge:
            from unifybench.judges import MiniLMJudge

            text = MiniLMJudge()
        else:
            text = _ready(lambda: _api_judge(options, "text"), "text judge", missing, skipped)
    if VISION_JUDGE_TASKS & set(tasks):
        if options.offline_judge and not options.vision_judge_model:
            skipped.append(("vision judge", "no offline vision judge exists (--offline-judge)"))
        else:
            vision = _ready(lambda: _api_judge(options, "vision"), "vision judge", missing, skipped)
    return text, vision, skipped


def _api_judge(options: ScoringOptions, role: str) -> Any:
    """An OpenAI-compatible judge from the official preset with the options' overrides."""
    from unifybench.judges import OpenAIJudge, text_judge_preset, vision_judge_preset

    overrides: dict[str, Any] = {}
    if options.judge_base_url:
        overrides["base_url"] = options.judge_base_url
    if options.judge_key_env:
        overrides["api_key_env"] = options.judge_key_env
    model = options.judge_model if role == "text" else options.vision_judge_model
    preset_of = text_judge_preset if role == "text" else vision_judge_preset
    if model and model != preset_of(options.protocol).model:
        overrides["model"] = model
        overrides["official"] = False
    config = preset_of(options.protocol, **overrides)
    return OpenAIJudge(config)


def _ready(make: Any, role: str, missing: str, skipped: list[tuple[str, str]]) -> Any:
    try:
        judge = make()
        judge.check_ready()
        return judge
    except UnifyBenchError as err:
        if missing == "skip":
            skipped.append((role, str(err)))
            return None
        tasks = "vqa,text_only" if role == "text judge" else "knowledge"
        hint = "--offline-judge for the MiniLM approximation, or " if role == "text judge" else ""
        raise ConfigError(
            f"{err}\n(the {role} scores {tasks}: set the key, or use {hint}--tasks without {tasks})"
        ) from err


def build_scoring(
    options: ScoringOptions, tasks: Sequence[str], *, missing_judge: str = "error"
) -> ScoringSetup:
    """Build judges and then scorers through the scorer registry for the given tasks."""
    if options.protocol not in ("legacy", "v2"):
        raise ConfigError(f"unknown protocol '{options.protocol}'; use legacy or v2")
    text, vision, skipped = build_judges(options, tasks, missing=missing_judge)
    from unifybench.scorers.registry import build_scorers

    scorers, more = build_scorers(
        options.protocol,
        list(tasks),
        text_judge=text,
        vision_judge=vision,
        clip_weights=options.clip_weights,
        face_backend=options.face_backend,
        face_model_dir=options.face_model_dir,
        device=options.device,
        seed=options.seed,
    )
    skipped = merge_judge_skips([*skipped, *more])
    return ScoringSetup(list(scorers), skipped, [j for j in (text, vision) if j is not None])


def short_reason(reason: str, limit: int = 160) -> str:
    """The first sentence of a reason, at most ``limit`` characters (full text goes to files)."""
    text = " ".join(reason.split())
    cut = text.find(". ", 40)
    if 0 < cut < limit:
        return text[: cut + 1]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def merge_judge_skips(skipped: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Replace the registry's "no text/vision judge configured" by why the judge is missing.

    build_judges records ("text judge", reason) when e.g. the key variable is unset; the registry
    then records ("judge[vqa,text_only]", "no text judge configured"). One entry says it better.
    """
    reasons = {name: reason for name, reason in skipped if name in ("text judge", "vision judge")}
    merged: list[tuple[str, str]] = []
    for name, reason in skipped:
        if name in reasons:
            continue
        role = (
            "text"
            if reason == "no text judge configured"
            else ("vision" if reason == "no vision judge configured" else None)
        )
        if role and f"{role} judge" in reasons:
            reason = reasons.pop(f"{role} judge")
        merged.append((name, reason))
    merged += [(name, reason) for name, reason in reasons.items()]
    return merged


def report_skipped(skipped: Sequence[tuple[str, str]], file: Any = None) -> None:
    """Say plainly which scorers/judges did not run and why (one line each)."""
    out = file or sys.stderr
    for name, reason in skipped:
        print(f"skipped: {name}: {short_reason(reason)}", file=out)
