"""Turn validated submissions into boards, rows, cells, ranks and deltas (no HTML here).

A board holds the submissions of one (dataset, protocol) pair: different benchmarks or protocols
never share a ranking. Within a board each schema group is ranked by its main column, separately
for all concepts and for each concept category; reference rows (e.g. real images) are shown
but not ranked.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from leaderboard.schema import BenchmarkSpec, Column, GroupSpec, LeaderboardSchema, ProtocolSpec
from unifybench.submission.schema import MetricResult, Submission

ALL = "all"  # the pseudo-category "every concept"


def slugify(text: str, limit: int = 90) -> str:
    """A file-name-safe lower-case slug (ASCII letters, digits, dashes)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (slug[:limit].rstrip("-")) or "x"


def method_key(name: str) -> str:
    """How two submissions are recognised as the same method (case and spacing ignored)."""
    return " ".join(name.casefold().split())


@dataclass
class Entry:
    """One submission as the site shows it."""

    id: str
    path: Path
    sub: Submission
    board_id: str = ""

    @property
    def page(self) -> str:
        return f"m/{self.id}.html"

    @property
    def measured(self) -> bool:
        return self.sub.provenance.kind == "measured"

    @property
    def ranked(self) -> bool:
        return self.sub.method.kind != "reference"

    @property
    def provenance_line(self) -> str:
        """One line saying where the numbers come from."""
        p = self.sub.provenance
        if p.kind == "measured":
            parts = [f"run {p.run_id}", p.date or ""]
            if p.machine:
                parts.append(p.machine)
            return "measured · " + " · ".join(x for x in parts if x)
        cite = ", ".join(x for x in (p.paper, p.table, p.paper_version, p.page) if x)
        return f"reported · {cite}"


@dataclass
class Cell:
    """One number of one row, with its per-category means and its tooltip."""

    column: Column
    result: MetricResult | None
    values: dict[str, float | None]  # ALL and each category -> value
    unofficial_judge: bool = False  # produced by a judge the submission marks as not official

    @property
    def partial(self) -> bool:
        cov = self.result.coverage if self.result else None
        return cov is not None and cov < 1.0 - 1e-9

    def text(self, category: str = ALL) -> str:
        return self.column.metric_spec.format(self.values.get(category))

    def sort_value(self, category: str = ALL) -> str:
        value = self.values.get(category)
        return "" if value is None else repr(float(value))


@dataclass
class Row:
    entry: Entry
    cells: dict[str, Cell]
    ranks: dict[str, dict[str, int | None]] = field(
        default_factory=dict
    )  # group -> category -> rank


@dataclass
class Board:
    """All submissions of one (dataset, protocol) pair."""

    id: str
    dataset: str
    protocol: str
    benchmark: BenchmarkSpec
    protocol_spec: ProtocolSpec | None
    rows: list[Row]
    columns: list[Column]
    groups: list[GroupSpec]
    categories: list[str]
    ranked_groups: list[str] = field(default_factory=list)  # groups whose main column is present

    @property
    def page(self) -> str:
        return f"board-{self.id}.html"

    @cached_property
    def sample(self) -> bool:
        return self.benchmark.sample or any(r.entry.sub.benchmark.sample for r in self.rows)

    def group_columns(self, group_id: str) -> list[Column]:
        return [c for c in self.columns if c.group == group_id]


@dataclass
class Delta:
    """A measured number next to a reported number of the same method, benchmark and metric."""

    column: Column
    measured: Entry
    reported: Entry
    measured_value: float
    reported_value: float

    @property
    def delta(self) -> float:
        return self.measured_value - self.reported_value


def category_means(
    result: MetricResult, concepts: dict[str, str], categories: Sequence[str]
) -> dict:
    """The submitted value for ALL, and the mean of per-concept values within each category."""
    out: dict[str, float | None] = {ALL: result.value}
    buckets: dict[str, list[float]] = defaultdict(list)
    for concept, value in result.per_concept.items():
        category = concepts.get(concept)
        if category is not None and value is not None and math.isfinite(value):
            buckets[category].append(value)
    for category in categories:
        values = buckets.get(category)
        out[category] = sum(values) / len(values) if values else None
    return out


def _unofficial_judge(result: MetricResult | None, sub: Submission) -> bool:
    if result is None or not result.judge:
        return False
    return any(j.identity == result.judge and not j.official for j in sub.benchmark.judges)


def rank_values(values: Sequence[float | None], higher_is_better: bool, digits: int) -> list:
    """Competition ranks (1, 2, 2, 4) over the given values; None stays unranked.

    Values are compared as displayed (rounded to ``digits``) so that equal-looking numbers tie.
    """
    keyed = [
        (round(v, digits), i) for i, v in enumerate(values) if v is not None and math.isfinite(v)
    ]
    keyed.sort(key=lambda t: -t[0] if higher_is_better else t[0])
    ranks: list[int | None] = [None] * len(values)
    previous = None
    rank = 0
    for position, (value, index) in enumerate(keyed, start=1):
        if value != previous:
            rank = position
            previous = value
        ranks[index] = rank
    return ranks


def board_columns(schema: LeaderboardSchema, present: set[str]) -> list[Column]:
    """The schema's columns that some submission fills, each followed by the per-type forms of
    it that are present (``choice/accuracy[vqa_choice]``, ...), sorted by type."""
    columns: list[Column] = []
    for col in schema.columns:
        if col.key in present:
            columns.append(col)
        if col.key in schema.per_type:
            for key in sorted(k for k in present if k.startswith(col.key + "[")):
                extra = schema.per_type_column(col.task, key.split("/", 1)[1])
                if extra is not None:
                    columns.append(extra)
    return columns


def make_entries(subs: Sequence[tuple[Path, Submission]]) -> list[Entry]:
    """Entries with unique, stable ids (sorted by path so rebuilding gives the same ids)."""
    used: set[str] = set()
    entries = []
    for path, sub in sorted(subs, key=lambda ps: str(ps[0])):
        # the kind stays at the end so that truncation never hides measured vs reported
        where = slugify(f"{sub.benchmark.dataset}-{sub.benchmark.protocol}-{sub.method.name}", 70)
        base = f"{where}-{sub.provenance.kind}"
        ident, n = base, 2
        while ident in used:
            ident, n = f"{base}-{n}", n + 1
        used.add(ident)
        entries.append(Entry(ident, path, sub))
    return entries


def make_boards(entries: Sequence[Entry], schema: LeaderboardSchema) -> list[Board]:
    """Group entries into boards, resolve cells, and rank every group per category."""
    by_board: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        by_board[(entry.sub.benchmark.dataset, entry.sub.benchmark.protocol)].append(entry)
    boards = []
    used: set[str] = set()
    for (dataset, protocol), members in sorted(by_board.items()):
        board_id, n = slugify(f"{dataset}-{protocol}"), 2
        while board_id in used:
            board_id, n = f"{slugify(f'{dataset}-{protocol}')}-{n}", n + 1
        used.add(board_id)
        present = {
            f"{task}/{metric}"
            for e in members
            for task, ms in e.sub.results.items()
            for metric in ms
        }
        columns = board_columns(schema, present)
        seen_categories = {cat for e in members for cat in e.sub.concepts.values()}
        categories = [c for c in schema.categories if c in seen_categories]
        rows = []
        for entry in members:
            entry.board_id = board_id
            cells = {}
            for col in columns:
                result = entry.sub.results.get(col.task, {}).get(col.metric)
                values = (
                    category_means(result, entry.sub.concepts, categories)
                    if result
                    else {ALL: None, **dict.fromkeys(categories)}
                )
                cells[col.key] = Cell(col, result, values, _unofficial_judge(result, entry.sub))
            rows.append(Row(entry, cells))
        groups = [g for g in schema.groups if g.main in present]
        for group in groups:
            spec = schema.metrics[group.main.split("/", 1)[1]]
            for category in [ALL, *categories]:
                values = [
                    r.cells[group.main].values.get(category) if r.entry.ranked else None
                    for r in rows
                ]
                ranks = rank_values(values, spec.direction == "higher", spec.digits)
                for row, rank in zip(rows, ranks, strict=True):
                    row.ranks.setdefault(group.id, {})[category] = rank
        if groups:
            first = groups[0].id
            rows.sort(
                key=lambda r: (
                    r.ranks[first][ALL] is None,
                    r.ranks[first][ALL] or 0,
                    r.entry.sub.method.name.casefold(),
                )
            )
        boards.append(
            Board(
                id=board_id,
                dataset=dataset,
                protocol=protocol,
                benchmark=schema.benchmark(dataset),
                protocol_spec=schema.protocol(dataset, protocol),
                rows=rows,
                columns=columns,
                groups=[g for g in schema.groups if any(c.group == g.id for c in columns)],
                categories=categories,
                ranked_groups=[g.id for g in groups],
            )
        )
    return boards


def find_deltas(entries: Sequence[Entry], schema: LeaderboardSchema) -> list[Delta]:
    """Measured-minus-reported differences for each method, dataset and column where both exist."""
    groups: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[(method_key(entry.sub.method.name), entry.sub.benchmark.dataset)].append(entry)
    deltas = []
    for members in groups.values():
        measured = [e for e in members if e.measured]
        reported = [e for e in members if not e.measured]
        if not measured or not reported:
            continue
        for col in schema.columns:
            for m in measured:
                mr = m.sub.results.get(col.task, {}).get(col.metric)
                if mr is None or mr.value is None:
                    continue
                for r in reported:
                    rr = r.sub.results.get(col.task, {}).get(col.metric)
                    if rr is None or rr.value is None:
                        continue
                    deltas.append(Delta(col, m, r, mr.value, rr.value))
    return deltas
