"""Turning options into things: the benchmark to load, the judges and scorers to build.

Kept apart from the stages so that ``unifybench score`` can rebuild scorers for a stored run, and so
that the CLI's option names map one to one onto :class:`ScoringOptions`. Which judges and scorers a
task needs comes from its spec (:mod:`unifybench.tasks`); the protocol from the benchmark's spec.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unifybench.errors import ConfigError, UnifyBenchError

if TYPE_CHECKING:
    from unifybench.data.records import Benchmark
    from unifybench.protocols import Protocol


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


def load_data(
    data: str | Path | None, concepts: Sequence[str] | None = None
) -> tuple[Benchmark, str, str | None]:
    """Load a benchmark: (benchmark, data label, manifest hash). Default: UnifyBench's sample.

    ``data`` is a ``--data`` value: a folder, a hub repo id, ``NAME:SOURCE`` or ``NAME:``.
    """
    from unifybench.benchmarks import load_data as load
    from unifybench.data.manifest import manifest_hash

    benchmark, _, label = load(data, concepts=list(concepts) if concepts else None)
    return benchmark, label, manifest_hash(benchmark)


def sample_root(benchmark: str = "unifybench") -> Path:
    """The sample set of a benchmark, written on first use into the cache directory."""
    from unifybench.benchmarks import adapter

    return adapter(benchmark).sample_root()


def is_sample(benchmark: Benchmark) -> bool:
    """True for a benchmark's smoke-test sample set; never ranked."""
    from unifybench.benchmarks import get_benchmark

    spec = get_benchmark(benchmark.adapter)
    return spec.runnable and spec.make_adapter().is_sample(benchmark)


def dataset_name(benchmark: Benchmark) -> str:
    """The dataset id results carry: the sample set's id for a sample, else the loader's name."""
    from unifybench.benchmarks import get_benchmark

    spec = get_benchmark(benchmark.adapter)
    return spec.make_adapter().dataset_name(benchmark) if spec.runnable else benchmark.name


def scoring_protocol(options: ScoringOptions, benchmark: str = "unifybench") -> Protocol:
    """The protocol the options name, among the benchmark's runnable protocols."""
    from unifybench.benchmarks import get_benchmark

    return get_benchmark(benchmark).runnable_protocol(options.protocol)


def judge_roles(tasks: Sequence[str]) -> dict[str, list[str]]:
    """judge role -> the given tasks whose spec needs a judge of that role."""
    from unifybench.tasks import get_task

    roles: dict[str, list[str]] = {}
    for name in dict.fromkeys(tasks):
        role = get_task(name).judge_role
        if role is not None:
            roles.setdefault(role, []).append(name)
    return roles


def build_judges(
    options: ScoringOptions,
    tasks: Sequence[str],
    *,
    missing: str = "error",
    protocol: Protocol | None = None,
) -> tuple[Any, Any, list[tuple[str, str]]]:
    """(text judge, vision judge, skipped) for the judge roles the tasks' specs need.

    Official presets (deepseek-chat for text, gpt-4o for images) with the protocol's prompts,
    unless options override the model, base URL or key variable; a judge whose model is not the
    preset's is marked unofficial. ``missing="error"``: a judge that is not ready (no API key)
    raises ConfigError before any work. ``missing="skip"`` (the demo): it is left out and listed
    in ``skipped`` with the reason.
    """
    protocol = protocol or scoring_protocol(options)
    roles = judge_roles(tasks)
    skipped: list[tuple[str, str]] = []
    text = vision = None
    if "text" in roles:
        if options.offline_judge:
            from unifybench.judges import MiniLMJudge

            text = MiniLMJudge()
        else:
            text = _ready(
                lambda: _api_judge(options, "text", protocol), "text", roles, missing, skipped
            )
    if "vision" in roles:
        if options.offline_judge and not options.vision_judge_model:
            skipped.append(("vision judge", "no offline vision judge exists (--offline-judge)"))
        else:
            vision = _ready(
                lambda: _api_judge(options, "vision", protocol), "vision", roles, missing, skipped
            )
    return text, vision, skipped


def _api_judge(options: ScoringOptions, role: str, protocol: Protocol) -> Any:
    """An OpenAI-compatible judge from the official preset with the options' overrides."""
    from unifybench.judges import OpenAIJudge, text_judge_preset, vision_judge_preset

    preset_of = text_judge_preset if role == "text" else vision_judge_preset
    overrides: dict[str, Any] = {}
    if options.judge_base_url:
        overrides["base_url"] = options.judge_base_url
    if options.judge_key_env:
        overrides["api_key_env"] = options.judge_key_env
    model = options.judge_model if role == "text" else options.vision_judge_model
    if model and model != preset_of(protocol).model:
        overrides["model"] = model
        overrides["official"] = False
    return OpenAIJudge(preset_of(protocol, **overrides))


def _ready(
    make: Any,
    role: str,
    roles: dict[str, list[str]],
    missing: str,
    skipped: list[tuple[str, str]],
) -> Any:
    try:
        judge = make()
        judge.check_ready()
        return judge
    except UnifyBenchError as err:
        if missing == "skip":
            skipped.append((f"{role} judge", str(err)))
            return None
        tasks = ",".join(roles[role])
        hint = "--offline-judge for the MiniLM approximation, or " if role == "text" else ""
        raise ConfigError(
            f"{err}\n(the {role} judge scores {tasks}: set the key, or use {hint}--tasks "
            f"without {tasks})"
        ) from err


def build_scoring(
    options: ScoringOptions,
    tasks: Sequence[str],
    *,
    missing_judge: str = "error",
    benchmark: str = "unifybench",
    alternatives: bool = False,
) -> ScoringSetup:
    """Build judges and then scorers (from the task specs) for the given tasks.

    ``alternatives=True`` also builds every unofficial alternative next to the official scorers
    (the demo: MiniLM beside the API judge, dlib beside ArcFace).
    """
    protocol = scoring_protocol(options, benchmark)
    text, vision, skipped = build_judges(options, tasks, missing=missing_judge, protocol=protocol)
    from unifybench.scorers.registry import build_scorers

    scorers, more = build_scorers(
        protocol,
        list(tasks),
        text_judge=text,
        vision_judge=vision,
        clip_weights=options.clip_weights,
        face_backend=options.face_backend,
        face_model_dir=options.face_model_dir,
        device=options.device,
        seed=options.seed,
        alternatives=alternatives,
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
    used: set[str] = set()
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
            reason = reasons[f"{role} judge"]  # every scorer of that judge gets the reason
            used.add(f"{role} judge")
        merged.append((name, reason))
    merged += [(name, reason) for name, reason in reasons.items() if name not in used]
    return merged


def report_skipped(skipped: Sequence[tuple[str, str]], file: Any = None) -> None:
    """Say plainly which scorers/judges did not run and why (one line each)."""
    out = file or sys.stderr
    for name, reason in skipped:
        print(f"skipped: {name}: {short_reason(reason)}", file=out)
