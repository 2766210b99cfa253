"""The scorer registry: every :class:`ScorerSpec`, which scorers a run uses, and what ``ls`` lists.

Specs live next to their implementations (``SCORERS = (...)`` in each module of this package);
other packages add theirs through the entry point group ``unifybench.scorers`` (``name =
"package.module:SPEC"``). Which scorers score a task is the task's business (``TaskSpec.scorers``):
:func:`build_scorers` reads the task specs, picks official scorers or their alternatives, builds
each with what the context offers, and turns every failure to build (missing weights, package or
judge: ScorerUnavailable / ImportError) into a *skipped* entry ``(name, reason)``. Nothing is ever
substituted under another scorer's id. Importing this module stays light: scorers import torch,
open_clip, insightface or dlib only when built. Listings (``ls``, docs, leaderboard) are made from
these specs by :mod:`unifybench.catalog`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from unifybench.errors import ConfigError, ScorerUnavailable
from unifybench.metrics import MetricSpec
from unifybench.protocols import Protocol, resolve_protocol
from unifybench.registry import Registry
from unifybench.scorers.spec import ScorerContext, ScorerSpec

ENTRY_POINT_GROUP = "unifybench.scorers"
NOT_IN_BUILD = "not available in this build"
# --face-backend values and the scorer spec each one asks for.
FACE_BACKENDS: dict[str, str] = {"arcface": "face_sim", "dlib": "face_sim_dlib"}


def _check(obj: Any) -> None:
    if not isinstance(obj, ScorerSpec):
        raise TypeError(f"expected a ScorerSpec, got {type(obj).__name__}")
    # A metric a scorer defines is known as soon as the scorer is (ConfigError on a clash).
    from unifybench.metrics import metric_registry

    for metric in obj.declared_metrics:
        metric_registry().add(metric.name, metric, source=f"scorer {obj.name}")


REGISTRY: Registry[ScorerSpec] = Registry(
    "scorer", check=_check, entry_point_group=ENTRY_POINT_GROUP
)
REGISTRY.discover("unifybench.scorers", "SCORERS")


def get_scorer(name: str) -> ScorerSpec:
    """The scorer spec named ``name``; ConfigError listing the known ones when unknown."""
    return REGISTRY.get(name)


def all_scorers() -> list[ScorerSpec]:
    """Every scorer spec that can be imported, in registry order."""
    return REGISTRY.values()


def declared_metrics() -> list[MetricSpec]:
    """Metrics that scorer specs define themselves (read by :mod:`unifybench.metrics`)."""
    return [m for spec in all_scorers() for m in spec.declared_metrics]


def spec_for_class(scorer_class: str, metric: str | None) -> ScorerSpec | None:
    """The spec whose objects have class ``module:Class`` and main metric ``metric``.

    Matches the scorers of runs recorded before specs were written into ``scoring.json``.
    """
    for spec in all_scorers():
        if spec.scorer_class == scorer_class and (metric is None or spec.main_metric == metric):
            return spec
    return None


def register_scorer(spec: ScorerSpec) -> ScorerSpec:
    """Add a spec from code (a plugin that is not packaged with an entry point)."""
    return REGISTRY.add(spec.name, spec, source=spec.scorer_class)


# -- which scorers ---------------------------------------------------------------------------------


def select_scorers(
    protocol: Protocol,
    tasks: Sequence[str],
    *,
    prefer: Iterable[str] = (),
    alternatives: bool = False,
) -> list[tuple[str, tuple[str, ...]]]:
    """(scorer spec name, tasks it scores) for ``tasks`` under ``protocol``, in task order.

    A task's official scorers are used unless an alternative that replaces one of them is in
    ``prefer`` (then that alternative instead); ``alternatives=True`` adds every alternative
    besides the official scorers (the demo). A spec name the registry does not know is kept: the
    build reports it as not available.
    """
    from unifybench.tasks import get_task

    wanted = set(prefer)
    chosen: dict[str, list[str]] = {}
    for task_name in dict.fromkeys(tasks):
        task = get_task(task_name)
        listed = task.scorers_for(protocol.name)
        replaced = set()
        for name in listed:
            spec = REGISTRY.find(name)
            if spec is not None and spec.replaces and name in wanted:
                replaced.add(spec.replaces)
        for name in listed:
            spec = REGISTRY.find(name)
            if spec is not None and spec.replaces:
                use = alternatives or name in wanted
            else:
                use = name not in replaced
            if use:
                chosen.setdefault(name, []).append(task_name)
    return [(name, tuple(ts)) for name, ts in chosen.items()]


def skip_name(name: str, protocol: Protocol, tasks: Sequence[str]) -> str:
    """How a scorer that could not be built is named: its id, or ``family[tasks]`` for a judge
    scorer (its id names the judge model, which is unknown without a judge)."""
    spec = REGISTRY.find(name)
    if spec is None:
        return f"{name}[{','.join(tasks)}]"
    if spec.judge_role is not None:
        return f"{spec.family}[{','.join(tasks)}]"
    return spec.id(protocol)


def build_selected(
    selected: Sequence[tuple[str, tuple[str, ...]]],
    protocol: Protocol,
    context: ScorerContext,
) -> tuple[list[Any], list[tuple[str, str]]]:
    """Build each selected scorer; (scorers, skipped) with the reason of every skip."""
    scorers: list[Any] = []
    skipped: list[tuple[str, str]] = []
    for name, tasks in selected:
        spec = REGISTRY.find(name)
        if spec is None:
            why = REGISTRY.unavailable().get(name) or _module_problem()
            skipped.append((skip_name(name, protocol, tasks), f"{NOT_IN_BUILD} ({why})"))
            continue
        try:
            scorer = spec.build(spec, protocol, context, tasks)
        except ImportError as err:
            skipped.append((skip_name(name, protocol, tasks), f"{NOT_IN_BUILD} ({err})"))
            continue
        except ScorerUnavailable as err:
            skipped.append((skip_name(name, protocol, tasks), str(err)))
            continue
        scorers.append(scorer)
    return scorers, skipped


def _module_problem() -> str:
    problems = REGISTRY.unavailable()
    return "; ".join(problems.values()) or "no scorer module defines it"


def build_scorers(
    protocol: Protocol | str,
    tasks: Iterable[str],
    *,
    text_judge: Any = None,
    vision_judge: Any = None,
    judges: Sequence[Any] = (),
    clip_weights: str | Path | None = None,
    face_backend: str = "arcface",
    face_model_dir: str | Path | None = None,
    device: str = "cpu",
    seed: int = 0,
    prefer: Iterable[str] = (),
    alternatives: bool = False,
) -> tuple[list[Any], list[tuple[str, str]]]:
    """The scorers that score ``tasks`` under ``protocol``, and those skipped with the reason.

    The scorers of each task come from its spec. ``face_backend="dlib"`` prefers the dlib
    alternative to ArcFace; a text judge whose ``metric`` is ``judge_minilm`` (the offline
    MiniLM judge) fills the slot of that alternative. ConfigError for an unknown protocol, task
    or face backend (a mistake, not a skip).
    """
    from unifybench.tasks import get_task

    protocol = resolve_protocol(protocol)
    wanted = list(dict.fromkeys(tasks))
    for name in wanted:
        get_task(name)  # ConfigError naming the known tasks
    if face_backend not in FACE_BACKENDS:
        raise ConfigError(
            f"unknown face backend {face_backend!r}; expected one of {tuple(FACE_BACKENDS)}"
        )
    all_judges = [j for j in (text_judge, vision_judge, *judges) if j is not None]
    context = ScorerContext(
        judges=all_judges,
        clip_weights=clip_weights,
        face_model_dir=face_model_dir,
        device=device,
        seed=seed,
    )
    preferred = set(prefer)
    if FACE_BACKENDS[face_backend] != FACE_BACKENDS["arcface"]:
        preferred.add(FACE_BACKENDS[face_backend])
    for judge in all_judges:
        preferred.update(_alternatives_served_by(judge))
    selected = select_scorers(protocol, wanted, prefer=preferred, alternatives=alternatives)
    return build_selected(selected, protocol, context)


def _alternatives_served_by(judge: Any) -> list[str]:
    """Alternative scorer specs whose judge slot this judge fills (role and metric match)."""
    from unifybench.scorers.spec import judge_role

    metric = getattr(judge, "metric", "judge")
    return [
        spec.name
        for spec in all_scorers()
        if spec.replaces and spec.judge_role == judge_role(judge) and spec.judge_metric == metric
    ]
