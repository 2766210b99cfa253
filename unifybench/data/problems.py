"""Collecting problems of a dataset: each names the file, the field and what was expected.

Loaders raise the first :class:`~unifybench.errors.DataError` (``Problems(collect=False)``);
``data check`` runs the same parsers with ``Problems(collect=True)`` and reports them all in a
:class:`CheckReport`. Shared by every benchmark adapter.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unifybench.errors import DataError


class Problems:
    """Where parse problems go: raised at once (loading) or collected (checking).

    Collected entries are :class:`DataError` instances; warnings are for files whose schema is not
    published and that are read tolerantly.
    """

    def __init__(self, collect: bool = False) -> None:
        self.collect = collect
        self.errors: list[DataError] = []
        self.warnings: list[DataError] = []

    def error(self, file: str | Path, field: str, expected: str) -> None:
        self.add(DataError(file, field, expected))

    def add(self, err: DataError) -> None:
        if not self.collect:
            raise err
        self.errors.append(err)

    def warn(self, file: str | Path, field: str, expected: str) -> None:
        self.warnings.append(DataError(file, field, expected))


def read_json(path: Path, problems: Problems, *, what: str) -> Any:
    """Parse a JSON file; on a missing or malformed file report it and return None."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.error(path, "", f"file not found (expected {what})")
        return None
    except (OSError, UnicodeDecodeError) as err:
        problems.error(path, "", f"a readable UTF-8 file ({what}): {err}")
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        hint = " (the file looks truncated)" if err.pos >= len(text.rstrip()) else ""
        problems.error(
            path,
            f"line {err.lineno} column {err.colno}",
            f"valid JSON ({what}); parsing failed: {err.msg}{hint}",
        )
        return None


@dataclass(frozen=True)
class Finding:
    """One finding of a check: ``file`` (relative to the root), ``field`` inside it, what was
    expected."""

    severity: str  # "error" or "warning"
    file: str
    field: str
    expected: str

    def __str__(self) -> str:
        where = f"{self.file}: field '{self.field}'" if self.field else self.file
        return f"{where}: {self.expected}"


@dataclass
class CheckReport:
    """What a check found: concepts, item counts per task per concept, problems."""

    root: Path
    benchmark: str = "UnifyBench"
    concepts: dict[str, str] = field(default_factory=dict)  # id -> category ("?" if unreadable)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # concept -> task -> n
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no error was found (warnings allowed)."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form of the report."""
        return {
            "root": str(self.root),
            "benchmark": self.benchmark,
            "ok": self.ok,
            "concepts": self.concepts,
            "counts": self.counts,
            "errors": [p.__dict__ for p in self.errors],
            "warnings": [p.__dict__ for p in self.warnings],
        }

    def format(self) -> str:
        """The human-readable report printed by ``unifybench data check``."""
        from unifybench.tasks import in_task_order

        lines = [f"{self.benchmark} dataset check: {self.root}"]
        listed = ", ".join(f"{c} ({cat})" for c, cat in self.concepts.items()) or "none"
        lines.append(f"concepts ({len(self.concepts)}): {listed}")
        if self.counts:
            tasks = in_task_order(t for c in self.counts.values() for t in c)
            width = max(len("concept"), *(len(c) for c in self.counts))
            lines.append("items per task:")
            lines.append("  " + "concept".ljust(width) + "".join(f"  {t:>9}" for t in tasks))
            for cid, per_task in self.counts.items():
                cells = "".join(f"  {per_task.get(t, 0):>9}" for t in tasks)
                lines.append("  " + cid.ljust(width) + cells)
        for title, problems in (("errors", self.errors), ("warnings", self.warnings)):
            lines.append(f"{title} ({len(problems)}):")
            lines += [f"  {p}" for p in problems]
        verdict = "OK" if self.ok else "FAILED"
        lines.append(
            f"result: {verdict} ({len(self.errors)} errors, {len(self.warnings)} warnings)"
        )
        return "\n".join(lines)

    def add_problems(self, problems: Problems) -> None:
        """Move the collected errors and warnings into the report, paths relative to the root."""

        def convert(err: DataError, severity: str) -> Finding:
            return Finding(severity, relative(self.root, err.file), err.field, err.expected)

        self.errors += [convert(e, "error") for e in problems.errors]
        self.warnings += [convert(w, "warning") for w in problems.warnings]


def relative(root: Path, file: str) -> str:
    """``file`` relative to ``root`` (as given when it is outside or on another drive)."""
    try:
        rel = os.path.relpath(file, root) if os.path.isabs(file) else file
    except ValueError:  # another drive on Windows
        return file
    return file if rel == "." or rel.startswith("..") else rel.replace(os.sep, "/")
