"""Stage 1: plan. Methods x concepts x tasks -> items with stable ids (``bo/vqa/3``).

An understanding item is one question; a generation item is one prompt for which the method makes
``n_images`` images. Tasks a method does not declare a capability for are not planned (they are
"not applicable", not "missing"); everything planned is the denominator of coverage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unifybench.errors import ConfigError, DataError
from unifybench.tasks import find_task, get_task

if TYPE_CHECKING:
    from unifybench.data.records import Benchmark, GenerationPrompt, UnderstandingItem


@dataclass(frozen=True)
class PlanItem:
    """One unit of work for the method."""

    id: str
    concept: str
    task: str
    index: int
    n_images: int = 0  # generation only

    @property
    def is_generation(self) -> bool:
        return get_task(self.task).is_generation

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "concept": self.concept,
            "task": self.task,
            "index": self.index,
            "n_images": self.n_images,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanItem:
        return cls(
            data["id"], data["concept"], data["task"], int(data["index"]), int(data["n_images"])
        )


def parse_list(value: str | Sequence[str] | None) -> list[str] | None:
    """``"a,b"`` or ``["a", "b"]`` -> ``["a", "b"]``; None stays None (meaning "all")."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    out = [p.strip() for p in parts if p and p.strip()]
    return out or None


def select_tasks(
    tasks: Iterable[str] | None, capabilities: Iterable[str], offered: Sequence[str]
) -> list[str]:
    """The tasks to plan: those asked for (default: every task the benchmark ``offered``) that
    the method has the capability for (the capability comes from each task's spec)."""
    caps = set(capabilities)
    wanted = list(offered) if tasks is None else list(tasks)
    unknown = [t for t in wanted if t not in offered or find_task(t) is None]
    if unknown:
        raise ConfigError(
            f"unknown task(s) {', '.join(unknown)}; known tasks: {', '.join(offered)}"
        )
    return [t for t in wanted if get_task(t).capability in caps]


def select_concepts(benchmark: Benchmark, concepts: Iterable[str] | None) -> list[str]:
    """The concepts to plan, in benchmark order; unknown ids are a ConfigError."""
    if concepts is None:
        return list(benchmark.concepts)
    wanted = list(concepts)
    unknown = [c for c in wanted if c not in benchmark.concepts]
    if unknown:
        raise ConfigError(
            f"unknown concept(s) {', '.join(unknown)} in {benchmark.root}; "
            f"known: {', '.join(benchmark.concepts)}"
        )
    return [c for c in benchmark.concepts if c in set(wanted)]


def plan_items(
    benchmark: Benchmark,
    concepts: Sequence[str],
    tasks: Sequence[str],
    images_per_prompt: int | None = None,
) -> list[PlanItem]:
    """All items of the given concepts and tasks, concept by concept, in dataset order."""
    plan: list[PlanItem] = []
    for concept_id in concepts:
        for task in tasks:
            for item in benchmark.items(concept_id, task):
                plan.append(_plan_item(item, images_per_prompt))
    return plan


def _plan_item(
    item: UnderstandingItem | GenerationPrompt, images_per_prompt: int | None
) -> PlanItem:
    n = 0
    if get_task(item.task).is_generation:
        n = images_per_prompt if images_per_prompt is not None else item.n_images  # type: ignore[union-attr]
    return PlanItem(item.id, item.concept_id, item.task, item.index, n)


def write_plan(path: Path, plan: Sequence[PlanItem]) -> None:
    """Write ``plan.json`` ({"items": [...]}, one document: encoding it whole is fast)."""
    from unifybench.runner.config import write_json

    write_json(path, {"items": [p.to_json() for p in plan]}, indent=None)


def read_plan(path: Path) -> list[PlanItem]:
    """The planned items of a run; a DataError naming the file when it is missing or malformed."""
    if not path.exists():
        raise DataError(path, "", "the run's plan (written by `unifybench run/predict`)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [PlanItem.from_json(r) for r in data["items"]]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise DataError(path, "items", f"a list of planned items ({err})") from err
