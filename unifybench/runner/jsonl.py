"""Append-only JSONL files: one record per line, flushed as written, tolerant of a killed writer.

A process killed mid-write can leave a truncated last line. :func:`read_records` ignores such a
line and :func:`repair` rewrites the file without it before anything is appended, so the file is
always a sequence of complete records. A corrupt line anywhere else is a :class:`DataError`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from unifybench.errors import DataError


def _parse(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """Records of a JSONL file and whether its last line was truncated (and ignored)."""
    if not path.exists():
        return [], False
    raw = path.read_bytes()
    if not raw:
        return [], False
    lines = raw.split(b"\n")
    # A complete file ends with "\n", leaving an empty last element.
    complete, tail = lines[:-1], lines[-1]
    records: list[dict[str, Any]] = []
    for number, line in enumerate(complete, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            if number == len(complete) and not tail:
                # Last line written in full but garbled (killed between write and newline
                # is impossible; a partial flush of a long line is not): treat as truncated.
                return records, True
            raise DataError(path, f"line {number}", f"a JSON object ({err.msg})") from err
        if not isinstance(record, dict):
            raise DataError(path, f"line {number}", "a JSON object")
        records.append(record)
    return records, bool(tail.strip())


def read_records(path: Path) -> list[dict[str, Any]]:
    """Complete records of ``path`` (none when it does not exist); a truncated tail is ignored."""
    return _parse(path)[0]


def repair(path: Path) -> bool:
    """Drop a truncated last line from ``path`` (atomically); True when one was dropped."""
    records, truncated = _parse(path)
    if truncated:
        rewrite(path, records)
    return truncated


def rewrite(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Replace ``path`` by exactly ``records`` (write to a temporary file, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.writelines(dumps(record) + "\n" for record in records)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# One encoder for all records: json.dumps with options builds a new encoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def dumps(record: dict[str, Any]) -> str:
    """One record as a single JSON line (NaN is not valid JSON: callers store None instead)."""
    return _ENCODER.encode(record)


class JsonlWriter:
    """Appends records to a JSONL file, flushing after each one.

    Opening repairs a truncated tail first, so appending never glues a new record to a partial one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        repair(path)
        self._fh: IO[str] = path.open("a", encoding="utf-8")
        self._dumps: Callable[[dict[str, Any]], str] = dumps

    def write(self, record: dict[str, Any]) -> None:
        """Append one record and flush it to the OS."""
        self._fh.write(self._dumps(record) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
