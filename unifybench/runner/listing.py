"""``unifybench ls``: the methods, tasks, scorers and judges this installation knows."""

from __future__ import annotations

from typing import Any

from unifybench.errors import ConfigError

KINDS = ("methods", "tasks", "scorers", "judges")


def available(kind: str | None = None) -> dict[str, list[str]]:
    """kind -> names. Nothing is constructed: no weights are loaded, no judge is called."""
    if kind is not None and kind not in KINDS:
        raise ConfigError(f"unknown kind '{kind}'; use one of {', '.join(KINDS)}")
    wanted = KINDS if kind is None else (kind,)
    out: dict[str, list[str]] = {}
    for name in wanted:
        out[name] = _LISTERS[name]()
    return out


def _methods() -> list[str]:
    from unifybench.method import list_methods

    return list_methods()


def _tasks() -> list[str]:
    from unifybench.data.records import ALL_TASKS

    return list(ALL_TASKS)


def _scorers() -> list[str]:
    try:
        from unifybench.scorers import registry
    except ImportError as err:
        return [f"(scorer registry not available: {err})"]
    for attr in ("list_scorers", "scorer_ids", "available_scorers"):
        fn: Any = getattr(registry, attr, None)
        if callable(fn):
            return [str(x) for x in fn()]
    return ["(the scorer registry offers no listing)"]


def _judges() -> list[str]:
    return [
        "text: deepseek-chat via an OpenAI-compatible API (official; --judge-base-url, "
        "--judge-model, --judge-key-env)",
        "vision: gpt-4o via an OpenAI-compatible API (official; --vision-judge-model)",
        "offline: MiniLM embedding similarity (--offline-judge; metric judge_minilm, never "
        "ranked with judge)",
    ]


_LISTERS = {"methods": _methods, "tasks": _tasks, "scorers": _scorers, "judges": _judges}
