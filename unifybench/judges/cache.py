"""A persistent, thread-safe on-disk cache of judge replies (one SQLite file per cache directory).

Keys are sha256 digests of everything that can change a judge's answer or its reading (see
:func:`cache_key`); values are what the judgement produced: the value read, the last reply, the
error, and the flags of how it was read (``extra``: the first reply when a re-ask happened, the
reading used, why the published reading failed). A cached result is therefore read exactly as
when it was made, and a re-score from the cache reproduces the first scoring. Only answers are
stored: the request text itself is not, and neither is the API key.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

CACHE_FILE = "judge-cache.sqlite"
# 2: entries keep the reading flags and the first reply (``extra``); the reader and stream are in
# the key. Entries of format 1 are never looked up again (their keys differ).
CACHE_FORMAT = 2


def cache_key(
    *,
    provider: str,
    base_url: str,
    model: str,
    prompt_sha256: str,
    temperature: float | None,
    max_tokens: int | None,
    messages: list[dict[str, Any]],
    image_sha256: list[str],
    reader: str = "strict",
    stream: bool | None = None,
) -> str:
    """sha256 over a canonical JSON of the judge identity and the rendered request.

    ``messages`` must already have image payloads replaced by their hashes (so the key is small and
    the same image always hashes the same); ``image_sha256`` lists them again in order.
    """
    payload = {
        "format": CACHE_FORMAT,
        "provider": provider,
        "base_url": base_url.rstrip("/"),
        "model": model,
        "prompt_sha256": prompt_sha256,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "messages": messages,
        "images": image_sha256,
        "reader": reader,
        "stream": stream,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class JudgeCache:
    """Key -> (value, raw reply, error, extra) in ``<directory>/judge-cache.sqlite``; thread-safe.

    One connection guarded by a lock (SQLite writes are serialised anyway); WAL mode so that
    several processes may share a cache directory.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / CACHE_FILE
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30.0)
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")  # durable enough for a cache
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS replies ("
                " key TEXT PRIMARY KEY, value REAL, raw TEXT, error TEXT, identity TEXT,"
                " created REAL, extra TEXT, value_repr TEXT)"
            )
            columns = {row[1] for row in self._conn.execute("PRAGMA table_info(replies)")}
            for column in ("extra", "value_repr"):  # a cache written before format 2
                if column not in columns:
                    self._conn.execute(f"ALTER TABLE replies ADD COLUMN {column} TEXT")
            self._conn.commit()

    def get(self, key: str) -> tuple[float, str | None, str | None, dict[str, Any]] | None:
        """(value, raw, error, extra) or None when the key is not cached. NaN values round-trip;
        the value also comes back bit for bit (its repr is kept: SQLite turns -0.0 into 0)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value, raw, error, extra, value_repr FROM replies WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        if row[4] is not None:
            value = float(row[4])
        else:
            value = math.nan if row[0] is None else float(row[0])
        extra = json.loads(row[3]) if row[3] else {}
        return value, row[1], row[2], extra

    def put(
        self,
        key: str,
        value: float,
        raw: str | None,
        error: str | None,
        identity: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Store one judgement (NaN is stored as NULL; ``extra`` as JSON)."""
        stored = None if math.isnan(value) else value
        blob = json.dumps(extra, sort_keys=True, ensure_ascii=False) if extra else None
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO replies"
                " (key, value, raw, error, identity, created, extra, value_repr)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, stored, raw, error, identity, time.time(), blob, repr(float(value))),
            )
            self._conn.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
