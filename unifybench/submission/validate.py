"""Load submission files and check them: their shape (the model) and their validity (the rules).

``load_submission`` checks one file's shape (pydantic) and raises on the first problem;
``validate_paths`` checks many files (folders are searched for ``*.json``), also against the rules
of :mod:`unifybench.submission.rules` (tasks, metrics and their ranges, protocols, numbers, from
the specs), and returns every problem found so that one run lists them all. The leaderboard uses
the same functions; its presentation file plays no part in what is valid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from unifybench.errors import DataError
from unifybench.submission.rules import Problem, check_submission
from unifybench.submission.schema import Submission


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
    paths: Iterable[str | Path], schema: Any = None
) -> tuple[list[tuple[Path, Submission]], list[Problem]]:
    """Parse and check every submission; return the valid ones (with paths) and all problems.

    ``schema`` is accepted for older callers and not used: validity comes from the specs.
    """
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
        found = check_submission(str(path), sub)
        problems.extend(found)
        if not found:
            valid.append((path, sub))
    return valid, problems


def validate_paths(paths: Iterable[str | Path], schema: Any = None) -> list[Problem]:
    """Every problem in the given files and folders (empty list: all valid)."""
    return load_valid(paths, schema)[1]
