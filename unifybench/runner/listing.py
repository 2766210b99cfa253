"""``unifybench ls``: the methods, benchmarks, tasks, scorers, metrics and judges this installation
knows. Everything but methods and judges is listed from the specs (:mod:`unifybench.catalog`)."""

from __future__ import annotations

from unifybench.errors import ConfigError

KINDS = ("methods", "benchmarks", "tasks", "scorers", "metrics", "judges")


def available(kind: str | None = None) -> dict[str, list[str]]:
    """kind -> names. Nothing is constructed: no weights are loaded, no judge is called."""
    if kind is not None and kind not in KINDS:
        raise ConfigError(f"unknown kind '{kind}'; use one of {', '.join(KINDS)}")
    wanted = KINDS if kind is None else (kind,)
    return {name: _LISTERS[name]() for name in wanted}


def _methods() -> list[str]:
    from unifybench.method import list_methods

    return list_methods()


def _benchmarks() -> list[str]:
    from unifybench.catalog import list_benchmarks

    return list_benchmarks()


def _tasks() -> list[str]:
    from unifybench.catalog import list_tasks

    return list_tasks()


def _scorers() -> list[str]:
    from unifybench.catalog import list_scorers

    return [f"{sid:<42} {tasks:<14} {description}" for sid, tasks, description in list_scorers()]


def _metrics() -> list[str]:
    from unifybench.metrics import metric_registry

    rows = []
    for spec in metric_registry().values():
        note = " (side figure)" if spec.side else ""
        note += f" (unofficial stand-in for {spec.approximates})" if spec.approximates else ""
        rows.append(
            f"{spec.name:<20} {spec.range_text:<10} {spec.direction:<7} {spec.display}{note}"
        )
    return rows


def _judges() -> list[str]:
    return [
        "text: deepseek-chat via an OpenAI-compatible API (official; --judge-base-url, "
        "--judge-model, --judge-key-env)",
        "vision: gpt-4o via an OpenAI-compatible API (official; --vision-judge-model)",
        "offline: MiniLM embedding similarity (--offline-judge; metric judge_minilm, never "
        "ranked with judge)",
    ]


_LISTERS = {
    "methods": _methods,
    "benchmarks": _benchmarks,
    "tasks": _tasks,
    "scorers": _scorers,
    "metrics": _metrics,
    "judges": _judges,
}
