"""Render validated submissions into a static, self-contained leaderboard site.

The site needs no server and no network: CSS, JS and SVG charts are inline, links are relative, so
it works from ``file://`` and from any static host. Text from submissions only ever reaches the page
through jinja2's autoescaping; links are emitted only for http(s) URLs; a Content-Security-Policy
allows nothing but this build's own inline style and script (by hash).
"""

from __future__ import annotations

import base64
import gc
import hashlib
import math
import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leaderboard.schema import Column, LeaderboardSchema, load_schema
from leaderboard.tables import (
    ALL,
    Board,
    Cell,
    Entry,
    Row,
    find_deltas,
    make_boards,
    make_entries,
    method_key,
)
from unifybench.errors import ConfigError
from unifybench.submission.validate import SubmissionError, is_http_url, load_valid

HERE = Path(__file__).parent
SAMPLE_LABEL = "sample set — smoke test, not research numbers"
SITE_MARKER = ".unifybench-site"


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote."""

    out_dir: Path
    n_submissions: int
    n_boards: int
    n_pages: int


@dataclass(frozen=True)
class _Bar:
    label: str
    category: str
    css: str
    y: int
    width: float | None
    text: str


@dataclass(frozen=True)
class _Chart:
    title: str
    bars: list[_Bar]
    width: int
    height: int
    x0: int
    span: int
    lo_text: str
    hi_text: str


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _environment() -> Any:
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["http_url"] = lambda value: isinstance(value, str) and is_http_url(value)
    css = (HERE / "static" / "site.css").read_text(encoding="utf-8")
    js = (HERE / "static" / "site.js").read_text(encoding="utf-8")
    # Our own static assets (never submission text) are the only Markup in the site.
    env.globals["assets"] = {
        "css": Markup(css),
        "js": Markup(js),
        "css_hash": _csp_hash(css),
        "js_hash": _csp_hash(js),
    }
    env.globals["sample_label"] = SAMPLE_LABEL
    env.globals["tooltip"] = tooltip
    return env


def tooltip(cell: Cell, entry: Entry) -> str:
    """The hover text of one number: scorer, judge, n, coverage, CI, provenance, caveat."""
    r = cell.result
    if r is None:
        return f"{cell.column.title}: not submitted"
    spec = cell.column.metric_spec
    lines = [f"{cell.column.title} ({cell.column.key})", f"scorer: {r.scorer}"]
    if r.judge:
        lines.append(f"judge: {r.judge}")
    n = "unknown" if r.n is None else str(r.n)
    if r.n_total is not None:
        n += f" / {r.n_total}"
    lines.append(f"n: {n}")
    lines.append(
        "coverage: unknown"
        if r.coverage is None
        else f"coverage: {r.coverage * 100:.1f}%" + (" (below 100%)" if cell.partial else "")
    )
    if r.ci_low is not None and r.ci_high is not None:
        lines.append(f"95% CI: {spec.format(r.ci_low)} to {spec.format(r.ci_high)}")
    lines.append(entry.provenance_line)
    if cell.unofficial_judge:
        lines.append("judge: not the official protocol judge (the submission says so)")
    if spec.approximate:
        lines.append(f"unofficial approximation of {spec.approximates}; not ranked with it")
    if r.note:
        lines.append(f"note: {r.note}")
    return "\n".join(lines)


def _charts(row: Row, columns: list[Column], concepts: dict[str, str]) -> list[_Chart]:
    charts = []
    for col in columns:
        cell = row.cells[col.key]
        if cell.result is None or not cell.result.per_concept:
            continue
        spec = col.metric_spec
        values = [v for v in cell.result.per_concept.values() if v is not None]
        lo = min([0.0, *values])
        top = spec.range[1] if spec.range and math.isfinite(spec.range[1]) else 0.0
        hi = max([top, *values]) or 1.0
        span, x0, bar_h = 300, 150, 18
        bars = []
        for i, (concept, value) in enumerate(cell.result.per_concept.items()):
            category = concepts.get(concept, "")
            width = None if value is None else round((value - lo) / (hi - lo) * span, 2)
            bars.append(
                _Bar(
                    label=concept,
                    category=category or "uncategorised",
                    css=category if category else "none",
                    y=i * bar_h,
                    width=width,
                    text=spec.format(value),
                )
            )
        charts.append(
            _Chart(
                title=f"{col.title} per concept",
                bars=bars,
                width=x0 + span + 60,
                height=len(bars) * bar_h + 16,
                x0=x0,
                span=span,
                lo_text=spec.format(lo),
                hi_text=spec.format(hi),
            )
        )
    return charts


def _concept_table(row: Row, columns: list[Column], concepts: dict[str, str]) -> tuple:
    with_values = [
        c
        for c in columns
        if row.cells[c.key].result is not None and row.cells[c.key].result.per_concept
    ]
    names: list[str] = list(concepts)
    for col in with_values:
        names.extend(k for k in row.cells[col.key].result.per_concept if k not in concepts)
    names = list(dict.fromkeys(names))
    rows = [
        (
            name,
            concepts.get(name, ""),
            [row.cells[c.key].result.per_concept.get(name) for c in with_values],
        )
        for name in names
        if any(name in row.cells[c.key].result.per_concept for c in with_values)
    ]
    return with_values, rows


def _prepare_out_dir(out_dir: Path) -> None:
    """Empty a previous build; refuse to touch a non-empty folder that is not one."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ConfigError(f"{out_dir}: exists and is not a folder")
        if any(out_dir.iterdir()):
            if not (out_dir / SITE_MARKER).exists():
                raise ConfigError(
                    f"{out_dir}: not empty and not a previous leaderboard build "
                    f"(no {SITE_MARKER}); choose an empty or new folder"
                )
            shutil.rmtree(out_dir)
    (out_dir / "m").mkdir(parents=True, exist_ok=True)
    (out_dir / SITE_MARKER).write_text("written by unifybench leaderboard build\n")


def build_site(
    submissions: Iterable[str | Path],
    out_dir: str | Path,
    *,
    schema_path: str | Path | None = None,
    schema: LeaderboardSchema | None = None,
) -> BuildReport:
    """Validate every submission, then write the site to ``out_dir``.

    Raises :class:`SubmissionError` listing every problem (file and field) before anything is
    written, so a failed build never destroys the previous site.
    """
    schema = schema or load_schema(schema_path)
    valid, problems = load_valid(submissions, schema)
    if problems:
        raise SubmissionError(problems)
    entries = make_entries(valid)
    boards = make_boards(entries, schema)
    deltas = find_deltas(entries, schema)

    out = Path(out_dir)
    _prepare_out_dir(out)
    # The parsed submissions live until the end of the build: keep the cyclic garbage collector from
    # rescanning them on every collection, which made large builds grow faster than linearly.
    gc.freeze()
    try:
        pages = _render(out, schema, entries, boards, deltas)
    finally:
        gc.unfreeze()
    return BuildReport(out, len(entries), len(boards), pages)


def _render(
    out: Path,
    schema: LeaderboardSchema,
    entries: list[Entry],
    boards: list[Board],
    deltas: list,
) -> int:
    """Write every page; return how many."""
    from unifybench import __version__

    env = _environment()
    common = {"schema": schema, "version": __version__, "n_submissions": len(entries)}
    pages = 0

    def write(name: str, template: str, **context: Any) -> None:
        nonlocal pages
        html = env.get_template(template).render(**common, **context)
        (out / name).write_text(html, encoding="utf-8")
        pages += 1

    protocols_used = sorted({b.protocol for b in boards})
    write(
        "index.html",
        "index.html.j2",
        root="",
        boards=boards,
        protocols_used=protocols_used,
        deltas=deltas,
    )
    write("metrics.html", "metrics.html.j2", root="")
    write("deltas.html", "deltas.html.j2", root="", deltas=deltas, page_root="")

    by_dataset: dict[str, list[Board]] = defaultdict(list)
    for board in boards:
        by_dataset[board.dataset].append(board)
    by_method: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_method[method_key(entry.sub.method.name)].append(entry)
    deltas_of: dict[str, list] = defaultdict(list)
    for d in deltas:
        deltas_of[d.measured.id].append(d)
        deltas_of[d.reported.id].append(d)

    for board in boards:
        siblings = [b for b in by_dataset[board.dataset] if b is not board]
        write(board.page, "board.html.j2", root="", board=board, siblings=siblings)
        for row in board.rows:
            e = row.entry
            concept_columns, concept_rows = _concept_table(row, board.columns, e.sub.concepts)
            write(
                e.page,
                "method.html.j2",
                root="../",
                page_root="../",
                e=e,
                row=row,
                board=board,
                others=[o for o in by_method[method_key(e.sub.method.name)] if o is not e][:20],
                concept_columns=concept_columns,
                concept_rows=concept_rows,
                charts=_charts(row, board.columns, e.sub.concepts),
                deltas=deltas_of.get(e.id, []),
            )
    return pages


__all__ = ["ALL", "SAMPLE_LABEL", "BuildReport", "build_site", "tooltip"]
