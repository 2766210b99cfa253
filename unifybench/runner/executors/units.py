"""Units of work for executors: one method x one concept (or one shard of a concept's items).

A unit personalizes the method once for its concept, then predicts its items exactly as the local
loop in :mod:`unifybench.runner.predict` does (same batches through the method's batch hooks, same
per-item fallback, same seeding, same record builder), so any executor that runs units produces
the same records as the local executor.

:func:`run_unit` is a plain generator with no Ray in it: it yields one personalization message and
then exactly one message per item, always the same number of messages for the same unit. That
fixed count is what lets a Ray streaming task be replayed after a worker died (Ray drops the
messages the driver already received, by position). Items already present in the run's
``predictions.jsonl`` when a (retried) unit starts are yielded as ``skip`` messages instead of
being predicted again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unifybench.runner.batches import effective_batch_size, predict_items
from unifybench.runner.layout import RunLayout
from unifybench.runner.plan import PlanItem
from unifybench.runner.provenance import now_iso

if TYPE_CHECKING:
    from unifybench.data.records import Concept, GenerationPrompt, UnderstandingItem
    from unifybench.runner.config import RunConfig

# Message kinds yielded by run_unit.
PERSONALIZATION = "personalization"
RECORD = "record"
SKIP = "skip"


@dataclass
class Unit:
    """One unit of work: a concept's planned items (all of them, or one shard)."""

    concept: str
    items: list[PlanItem]
    shard: int = 0
    shards: int = 1
    index: int = 0  # position in the plan's unit order

    @property
    def key(self) -> str:
        """``concept`` or ``concept#k/n`` for a shard."""
        return self.concept if self.shards == 1 else f"{self.concept}#{self.shard}/{self.shards}"

    def workdir(self, run_dir: Path) -> Path:
        """The method's scratch space: ``work/<concept>`` (``work/<concept>/shard-k`` when split).

        Shards of one concept run at the same time, so each gets its own folder.
        """
        base = RunLayout(run_dir).workdir(self.concept)
        return base if self.shards == 1 else base / f"shard-{self.shard}"


def plan_units(by_concept: dict[str, list[PlanItem]], shards: int = 1) -> list[Unit]:
    """Units in plan order: one per concept, or ``shards`` interleaved shards of each concept.

    Shard k of n takes items k, k+n, k+2n, ... so that every shard gets the same mix of cheap
    (understanding) and expensive (generation) items. ``shards > 1`` personalizes once per shard
    (so only for methods whose personalization is cheap or deterministic and cached); it exists to
    balance few concepts over many workers.
    """
    if shards < 1:
        raise ValueError(f"shards must be >= 1, got {shards}")
    units: list[Unit] = []
    for concept, items in by_concept.items():
        n = max(1, min(shards, len(items)))
        for k in range(n):
            units.append(Unit(concept, list(items[k::n]), k, n, len(units)))
    return units


def run_unit(
    method: Any,
    concept: Concept,
    unit: Unit,
    items: dict[str, UnderstandingItem | GenerationPrompt],
    run_dir: Path,
    config: RunConfig,
    done: frozenset[str] = frozenset(),
) -> Iterator[dict[str, Any]]:
    """Personalize, then predict every item of ``unit``; yields ``1 + len(unit.items)`` messages.

    Messages: ``{"kind": "personalization", "concept", "info"}`` first (info is the record of
    ``personalization.jsonl`` without its concept; None when nothing had to be done), then per
    item ``{"kind": "record", "record"}`` or ``{"kind": "skip", "id"}`` for an item in ``done``.
    A failed personalize yields an error record for every item not in ``done``, as the local
    executor does.
    """
    from unifybench.runner import predict as local

    todo = [p for p in unit.items if p.id not in done]
    if not todo:
        yield {"kind": PERSONALIZATION, "concept": unit.concept, "info": None}
        for p in unit.items:
            yield {"kind": SKIP, "id": p.id}
        return
    started = time.perf_counter()
    try:
        state = local.personalize(method, concept, unit.workdir(run_dir), config)
    except Exception as err:
        message = f"personalize failed: {local.error_message(err)}"
        info = {"status": "error", "error": message, "date": now_iso()}
        yield {"kind": PERSONALIZATION, "concept": unit.concept, "info": info}
        for p in unit.items:
            if p.id in done:
                yield {"kind": SKIP, "id": p.id}
            else:
                record = local.make_record(p, config, "error", error=message)
                yield {"kind": RECORD, "record": record}
        return
    info = local.personalization_info(method, state, started)
    yield {"kind": PERSONALIZATION, "concept": unit.concept, "info": info}
    try:
        # Batched like the local loop (same batch size, same fallback); the messages stay one per
        # item in the unit's order whatever the batches, so a replayed stream lines up.
        size = effective_batch_size(method, config.batch_size)
        records = predict_items(method, state, todo, items, run_dir, config, size)
        for p in unit.items:
            if p.id in done:
                yield {"kind": SKIP, "id": p.id}
                continue
            record = next(records)
            if record["id"] != p.id:  # pragma: no cover - predict_items keeps the order
                raise AssertionError(f"record {record['id']} out of order, expected {p.id}")
            yield {"kind": RECORD, "record": record}
    finally:
        local._release(method, state)


def unit_items(
    unit: Unit, index: dict[str, UnderstandingItem | GenerationPrompt]
) -> dict[str, UnderstandingItem | GenerationPrompt]:
    """The benchmark items of one unit (what a worker needs, instead of the whole benchmark)."""
    return {p.id: index[p.id] for p in unit.items}
