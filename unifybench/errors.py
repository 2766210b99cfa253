"""Errors that reach the user as one clear message (never as a traceback)."""

from __future__ import annotations

from pathlib import Path


class UnifyBenchError(Exception):
    """A problem the user can fix: bad data, bad configuration, missing weights.

    The CLI prints ``str(error)`` and exits non-zero; it never shows a traceback for these.
    """


class DataError(UnifyBenchError):
    """A dataset file is missing or does not have the expected shape.

    ``file`` is the offending path, ``field`` the JSON path inside it (``""`` for the whole file),
    ``expected`` what should have been there.
    """

    def __init__(self, file: str | Path, field: str, expected: str) -> None:
        self.file = str(file)
        self.field = field
        self.expected = expected
        where = f"{self.file}: field '{field}'" if field else self.file
        super().__init__(f"{where}: {expected}")


class ConfigError(UnifyBenchError):
    """Invalid configuration: an unknown method, scorer, judge option or missing secret."""


class ScorerUnavailable(UnifyBenchError):
    """An official scorer cannot run here (weights not downloadable, package missing).

    The runner and the demo skip that scorer and say so with this message; they never substitute
    another scorer under the same id.
    """
