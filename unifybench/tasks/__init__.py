"""Tasks: one :class:`TaskSpec` per module of this package (``rec.py`` defines the task ``rec``).

Adding a task is adding one module here that defines ``TASK = TaskSpec(name=<module name>, ...)``
(see docs/extending.md); other packages add tasks through the entry point group
``unifybench.tasks``. Everything else reads tasks through :func:`get_task` and :func:`all_tasks`;
no other library module names a concrete task.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from unifybench.registry import Registry
from unifybench.tasks._spec import Capability, ItemKind, JudgeRole, TaskSpec

ENTRY_POINT_GROUP = "unifybench.tasks"


def _check(obj: Any) -> None:
    if not isinstance(obj, TaskSpec):
        raise TypeError(f"expected a TaskSpec, got {type(obj).__name__}")


TASKS: Registry[TaskSpec] = Registry("task", check=_check, entry_point_group=ENTRY_POINT_GROUP)
TASKS.discover("unifybench.tasks", "TASK")


def get_task(name: str) -> TaskSpec:
    """The task named ``name``; ConfigError listing the known tasks when unknown."""
    return TASKS.get(name)


def find_task(name: str) -> TaskSpec | None:
    """The task named ``name`` or None."""
    return TASKS.find(name)


def all_tasks(capability: str | None = None) -> list[TaskSpec]:
    """Every task (of one capability, if given), in task order."""
    tasks = sorted(TASKS.values(), key=lambda t: (t.order, t.name))
    return [t for t in tasks if capability is None or t.capability == capability]


def task_names(capability: str | None = None) -> list[str]:
    """Names of :func:`all_tasks`."""
    return [t.name for t in all_tasks(capability)]


def in_task_order(names: Iterable[str]) -> list[str]:
    """``names`` sorted by task order (unknown names last, in the given order)."""
    order = {t.name: i for i, t in enumerate(all_tasks())}
    names = list(dict.fromkeys(names))
    return sorted(names, key=lambda n: (order.get(n, len(order)), names.index(n)))


def tasks_scored_by(scorer: str, protocol: str | None = None) -> list[str]:
    """Tasks whose scorer list (for ``protocol``, if given) names the scorer spec ``scorer``."""
    return [
        t.name
        for t in all_tasks()
        if scorer in (t.scorers_for(protocol) if protocol else _all_scorers(t))
    ]


def _all_scorers(task: TaskSpec) -> set[str]:
    names = set(task.scorers)
    for listed in task.scorers_by_protocol.values():
        names.update(listed)
    return names


__all__ = [
    "TASKS",
    "Capability",
    "ItemKind",
    "JudgeRole",
    "TaskSpec",
    "all_tasks",
    "find_task",
    "get_task",
    "in_task_order",
    "task_names",
    "tasks_scored_by",
]
