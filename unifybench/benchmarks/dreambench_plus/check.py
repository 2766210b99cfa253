"""``unifybench data check dreambench++:SOURCE``: every problem of a folder or zip, never raising
for bad data (the same parsers as the loader, collecting)."""

from __future__ import annotations

import os
from pathlib import Path

from unifybench.benchmarks.dreambench_plus import archive
from unifybench.benchmarks.dreambench_plus.layout import find_root, read_collections
from unifybench.benchmarks.dreambench_plus.loader import TASK
from unifybench.data.paths import RootGuard
from unifybench.data.problems import CheckReport, Finding, Problems
from unifybench.errors import DataError

TITLE = "DreamBench++"


def _failed(root: Path, err: DataError) -> CheckReport:
    report = CheckReport(root=root, benchmark=TITLE)
    report.errors.append(Finding("error", str(err.file), err.field, err.expected))
    return report


def check_source(source: str | Path) -> CheckReport:
    """Check a folder or a ``.zip`` in the release layout (a zip's members are checked before
    anything is unpacked)."""
    path = Path(os.path.abspath(source))
    if path.is_file():
        try:
            with archive.open_zip(path) as zf:
                problems = Problems(collect=True)
                archive.member_problems(zf, path, problems)
        except DataError as err:
            return _failed(path, err)
        if problems.errors:
            report = CheckReport(root=path, benchmark=TITLE)
            report.add_problems(problems)
            return report
        try:
            path = archive.unpack(path)
        except DataError as err:
            return _failed(path, err)
    if not path.is_dir():
        return _failed(path, DataError(path, "", "a DreamBench++ folder or its data.zip"))
    try:
        root = find_root(path)
    except DataError as err:
        return _failed(path, err)
    problems = Problems(collect=True)
    collections = read_collections(root, RootGuard(root), problems)
    report = CheckReport(root=root, benchmark=TITLE)
    report.concepts = {c.id: c.category for c in collections}
    report.counts = {c.id: {TASK: len(c.prompts)} for c in collections}
    report.add_problems(problems)
    return report
