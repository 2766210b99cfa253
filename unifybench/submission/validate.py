"""Load submission files and check them against the schema and the leaderboard schema.

``load_submission`` checks one file's shape (pydantic) and raises on the first problem;
``validate_paths`` checks many files (folders are searched for ``*.json``), also against
``leaderboard/schema.yaml``, and returns every problem found so that one run lists them all.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from unifybench.errors import DataError
from unifybench.submission.schema import Submission

if TYPE_CHECKING:
    from leaderboard.schema import LeaderboardSchema


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one submission file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: field '{self.field}'" if self.field else self.file
        return f"{where}: {self.message}"


class SubmissionError(DataError):
    """One or more submissions are invalid. ``problems`` lists them all; the message shows them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        super().__init__(first.file, first.field, first.message)
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) in submissions:" if len(lines) > 1 else ""
        self.args = ("\n".join([head, *lines]).strip(),)

    def __str__(self) -> str:
        return str(self.args[0])


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pydantic_problems(file: str, err: ValidationError) -> list[Problem]:
    problems = []
    for e in err.errors():
        field = ".".join(str(part) for part in e["loc"])
        message = e["msg"]
        if e["type"] != "missing" and "input" in e:
            message += f" (got {_short(e['input'])})"
        problems.append(Problem(file, field, message))
    return problems


def _parse(path: Path) -> tuple[Submission | None, list[Problem]]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(file, "", "file not found")]
    except (OSError, UnicodeDecodeError) as err:
        return None, [Problem(file, "", f"cannot read as UTF-8 text ({err})")]
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        return None, [
            Problem(file, "", f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}")
        ]
    if not isinstance(raw, dict):
        return None, [Problem(file, "", f"expected a JSON object, got {type(raw).__name__}")]
    try:
        return Submission.model_validate(raw), []
    except ValidationError as err:
        return None, _pydantic_problems(file, err)


def load_submission(path: str | Path) -> Submission:
    """Read one submission file.

    Raises :class:`SubmissionError` (a :class:`DataError`) naming the file, the field path
    (pydantic's location joined with '.') and what was expected; all problems are in ``.problems``.
    """
    submission, problems = _parse(Path(path))
    if problems:
        raise SubmissionError(problems)
    assert submission is not None
    return submission


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders searched recursively for ``*.json``, sorted within each folder.

    A path that does not exist is returned as is, so that validation reports it.
    """
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        else:
            out.append(path)
    return out


def check_against_schema(file: str, sub: Submission, schema: LeaderboardSchema) -> list[Problem]:
    """Problems of one parsed submission relative to the leaderboard schema and to itself."""
    problems: list[Problem] = []

    def add(field: str, message: str) -> None:
        problems.append(Problem(file, field, message))

    if sub.benchmark.protocol not in schema.protocols:
        known = ", ".join(sorted(schema.protocols))
        add(
            "benchmark.protocol",
            f"unknown protocol {sub.benchmark.protocol!r}; expected one of {known}",
        )
    spec = schema.benchmarks.get(sub.benchmark.dataset)
    if spec is not None and spec.sample and not sub.benchmark.sample:
        add("benchmark.sample", f"dataset {sub.benchmark.dataset!r} is a sample set: expected true")

    prov = sub.provenance
    if prov.kind == "measured":
        for name in ("run_id", "date", "unifybench_version"):
            if not (getattr(prov, name) or "").strip():
                add(f"provenance.{name}", "a measured result must give it")
    categories = set(schema.categories)
    for concept, category in sub.concepts.items():
        if category and category not in categories:  # "" = not categorised
            add(
                f"concepts.{concept}",
                f"unknown category {category!r}; expected one of {sorted(categories)}",
            )

    if not sub.results:
        add("results", "expected at least one task with one metric")
    for task, metrics in sub.results.items():
        if task not in schema.tasks:
            add(
                f"results.{task}",
                f"task {task!r} is not in the leaderboard schema ({sorted(schema.tasks)})",
            )
            continue
        for metric, result in metrics.items():
            field = f"results.{task}.{metric}"
            if not schema.accepts(task, metric):
                allowed = sorted(
                    k.split("/")[1] for k in schema.column_keys if k.startswith(task + "/")
                )
                add(
                    field,
                    f"metric {metric!r} of task {task!r} is not in the leaderboard schema; "
                    f"expected one of {allowed}",
                )
                continue
            problems.extend(_check_numbers(file, field, result, sub.concepts))
    return problems


def _check_numbers(file: str, field: str, result: Any, concepts: dict[str, str]) -> list[Problem]:
    out: list[Problem] = []
    value = result.value
    numbers = {"value": value, "ci_low": result.ci_low, "ci_high": result.ci_high}
    numbers.update({f"per_concept.{c}": v for c, v in result.per_concept.items()})
    for name, number in numbers.items():
        if number is not None and not math.isfinite(number):
            out.append(Problem(file, f"{field}.{name}", "expected a finite number or null"))
    if (
        result.n is not None
        and result.n_total is not None
        and result.coverage is not None
        and result.n_total > 0
        and abs(result.coverage - result.n / result.n_total) > 1e-6
    ):
        out.append(
            Problem(
                file, f"{field}.coverage", f"expected n / n_total = {result.n / result.n_total:.6g}"
            )
        )
    if result.n is not None and result.n_total is not None and result.n > result.n_total:
        out.append(Problem(file, f"{field}.n", "expected n <= n_total"))
    if value is not None and math.isfinite(value):
        if result.ci_low is not None and result.ci_low > value + 1e-12:
            out.append(Problem(file, f"{field}.ci_low", "expected ci_low <= value"))
        if result.ci_high is not None and result.ci_high < value - 1e-12:
            out.append(Problem(file, f"{field}.ci_high", "expected ci_high >= value"))
    if concepts:
        for concept in result.per_concept:
            if concept not in concepts:
                out.append(
                    Problem(
                        file,
                        f"{field}.per_concept.{concept}",
                        "concept missing from the submission's 'concepts' map",
                    )
                )
    return out


def is_http_url(value: str) -> bool:
    """True only for absolute http:// or https:// URLs (what the site may turn into a link)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and value == value.strip()
    )


def load_valid(
    paths: Iterable[str | Path], schema: LeaderboardSchema | None = None
) -> tuple[list[tuple[Path, Submission]], list[Problem]]:
    """Parse and check every submission; return the valid ones (with paths) and all problems."""
    from leaderboard.schema import load_schema

    schema = schema or load_schema()
    files = expand_paths(paths)
    valid: list[tuple[Path, Submission]] = []
    problems: list[Problem] = []
    if not files:
        problems.append(Problem("(arguments)", "", "no submission files found"))
    for path in files:
        sub, parse_problems = _parse(path)
        if parse_problems:
            problems.extend(parse_problems)
            continue
        assert sub is not None
        found = check_against_schema(str(path), sub, schema)
        problems.extend(found)
        if not found:
            valid.append((path, sub))
    return valid, problems


def validate_paths(
    paths: Iterable[str | Path], schema: LeaderboardSchema | None = None
) -> list[Problem]:
    """Every problem in the given files and folders (empty list: all valid)."""
    return load_valid(paths, schema)[1]
