"""A persistent, thread-safe on-disk cache of judge replies (one SQLite file per cache directory).

Keys are sha256 digests of everything that can change a judge's answer (see :func:`cache_key`);
values are the parsed score and the raw reply. Only answers are stored: the request text itself is
not, and neither is the API key (it is not part of any key or value).
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
CACHE_FORMAT = 1


def cache_key(
    *,
    provider: str,
    base_url: str,
    model: str,
    prompt_sha256: str,
    temperature: float,
    max_tokens: int,
    messages: list[dict[str, Any]],
    image_sha256: list[str],
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
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class JudgeCache:
    """Key -> (value, raw reply, error) in ``<directory>/judge-cache.sqlite``; safe across threads.

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
                " created REAL)"
            )
            self._conn.commit()

    def get(self, key: str) -> tuple[float, str | None, str | None] | None:
        """(value, raw, error) or None when the key is not cached. NaN values round-trip."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value, raw, error FROM replies WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        value = math.nan if row[0] is None else float(row[0])
        return value, row[1], row[2]

    def put(
        self, key: str, value: float, raw: str | None, error: str | None, identity: str
    ) -> None:
        """Store one answer (NaN is stored as NULL)."""
        stored = None if math.isnan(value) else value
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO replies (key, value, raw, error, identity, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key, stored, raw, error, identity, time.time()),
            )
            self._conn.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
