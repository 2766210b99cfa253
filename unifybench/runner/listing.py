"""``unifybench ls``: the methods, tasks, scorers and judges this installation knows."""

from __future__ import annotations

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
        from unifybench.scorers.registry import list_scorers
    except ImportError as err:
        return [f"(scorer registry not available: {err})"]
    rows = []
    for row in list_scorers():
        if isinstance(row, (tuple, list)) and len(row) >= 3:
            sid, tasks, description = row[0], row[1], row[2]
            rows.append(f"{sid:<42} {tasks:<14} {description}")
        else:
            rows.append(str(row))
    return rows


def _judges() -> list[str]:
    return [
        "text: deepseek-chat via an OpenAI-compatible API (official; --judge-base-url, "
        "--judge-model, --judge-key-env)",
        "vision: gpt-4o via an OpenAI-compatible API (official; --vision-judge-model)",
        "offline: MiniLM embedding similarity (--offline-judge; metric judge_minilm, never "
        "ranked with judge)",
    ]


_LISTERS = {"methods": _methods, "tasks": _tasks, "scorers": _scorers, "judges": _judges}
