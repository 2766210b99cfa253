"""The terminal summary of a result: value, CI, n / n_total, coverage, a flag below 100%."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from unifybench.submission import Submission


def summary_rows(submission: Submission) -> list[dict[str, str]]:
    """One row per task and metric, formatted for display."""
    rows = []
    for task, metrics in submission.results.items():
        for metric, r in metrics.items():
            coverage = r.coverage
            flag = "" if coverage is None or coverage >= 1 else "PARTIAL"
            rows.append(
                {
                    "task": task,
                    "metric": metric,
                    "value": "-" if r.value is None else f"{r.value:.4f}",
                    "ci": "-" if r.ci_low is None else f"[{r.ci_low:.3f}, {r.ci_high:.3f}]",
                    "n": f"{r.n}/{r.n_total}",
                    "coverage": "-" if coverage is None else f"{coverage:.0%}",
                    "flag": flag,
                    "scorer": r.scorer,
                }
            )
    return rows


def print_summary(
    submission: Submission,
    title: str = "",
    file: TextIO | None = None,
    *,
    show_skipped: bool = True,
) -> None:
    """Print the summary table (rich) with coverage warnings, unscored tasks and (unless
    ``show_skipped`` is False) skipped scorers underneath."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=file or sys.stdout, width=160)
    table = Table(
        title=title
        or f"{submission.method.name} on {submission.benchmark.dataset} "
        f"(protocol {submission.benchmark.protocol})"
    )
    for name, justify in (
        ("task", "left"),
        ("metric", "left"),
        ("value", "right"),
        ("95% CI", "right"),
        ("n", "right"),
        ("coverage", "right"),
        ("", "left"),
        ("scorer", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in summary_rows(submission):
        flag = f"[bold red]{row['flag']}[/]" if row["flag"] else ""
        table.add_row(
            row["task"],
            row["metric"],
            row["value"],
            row["ci"],
            row["n"],
            row["coverage"],
            flag,
            row["scorer"],
        )
    console.print(table)
    from unifybench.runner.setup import short_reason

    for line in submission.notes.splitlines():
        if line.startswith(("method caveat", "coverage below", "not scored")) or (
            show_skipped and line.startswith("scorer skipped")
        ):
            console.print(f"  {short_reason(line, 200)}", markup=False, highlight=False)
