import math
import random
import threading
from email.utils import formatdate

from unifybench.judges.cache import JudgeCache, cache_key
from unifybench.judges.retry import Backoff, parse_retry_after


def test_backoff_schedule_doubles_with_jitter_and_cap() -> None:
    backoff = Backoff(base=1.0, maximum=8.0)
    delays = backoff.schedule(6, random.Random(0))
    ceilings = [1, 2, 4, 8, 8, 8]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling * 0.5 <= delay <= ceiling
    # jitter: two clients do not retry in lockstep
    assert backoff.schedule(6, random.Random(1)) != delays


def test_retry_after_replaces_the_computed_delay_and_is_capped() -> None:
    backoff = Backoff(base=0.01, maximum=0.05, retry_after_max=10.0)
    assert backoff.delay(0, random.Random(0), retry_after=3.0) == 3.0
    assert backoff.delay(0, random.Random(0), retry_after=60.0) == 10.0


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after({"Retry-After": "2"}) == 2.0
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({}) is None
    assert parse_retry_after({"Retry-After": "soon"}) is None
    when = parse_retry_after({"Retry-After": formatdate(1_000_030, usegmt=True)}, now=1_000_000)
    assert when is not None and abs(when - 30) < 1.0


def _key(**changes: object) -> str:
    parts: dict = {
        "provider": "openai-compatible",
        "base_url": "http://x/v1",
        "model": "m",
        "prompt_sha256": "a" * 64,
        "temperature": 0.0,
        "max_tokens": 16,
        "messages": [{"role": "user", "content": "hi"}],
        "image_sha256": [],
    }
    parts.update(changes)
    return cache_key(**parts)


def test_cache_key_changes_with_everything_that_changes_the_answer() -> None:
    base = _key()
    variants = [
        _key(provider="other"),
        _key(base_url="http://y/v1"),
        _key(model="m2"),
        _key(prompt_sha256="b" * 64),
        _key(temperature=0.5),
        _key(max_tokens=32),
        _key(messages=[{"role": "user", "content": "hi!"}]),
        _key(image_sha256=["c" * 64]),
    ]
    assert len({base, *variants}) == len(variants) + 1
    assert _key() == base  # stable
    assert _key(base_url="http://x/v1/") == base  # trailing slash is the same endpoint


def test_cache_roundtrip_nan_and_threads(tmp_path) -> None:
    cache = JudgeCache(tmp_path)
    cache.put("k-nan", math.nan, "blah", "unparseable", "id")
    value, raw, error, extra = cache.get("k-nan")
    assert math.isnan(value) and raw == "blah" and error == "unparseable" and extra == {}
    assert cache.get("missing") is None
    # what the reading used comes back with it, and the value bit for bit (SQLite alone
    # would turn -0.0 into 0)
    flags = {"reasked": True, "first_reply": "0.7 because", "reading": "legacy"}
    cache.put("k-flags", -0.0, "1", None, "id", flags)
    value, raw, error, extra = cache.get("k-flags")
    assert math.copysign(1, value) == -1 and extra == flags

    def writer(t: int) -> None:
        for i in range(50):
            cache.put(f"k{t}-{i}", 0.5, str(i), None, "id")
            assert cache.get(f"k{t}-{i}") == (0.5, str(i), None, {})

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(cache) == 8 * 50 + 2
    cache.close()
    reopened = JudgeCache(tmp_path)
    assert reopened.get("k3-7") == (0.5, "7", None, {})
    reopened.close()


def test_cache_of_format_1_gains_the_new_columns(tmp_path) -> None:
    """A cache file written before format 2 opens; its rows are never served (keys differ)."""
    import sqlite3

    conn = sqlite3.connect(tmp_path / "judge-cache.sqlite")
    conn.execute(
        "CREATE TABLE replies (key TEXT PRIMARY KEY, value REAL, raw TEXT, error TEXT,"
        " identity TEXT, created REAL)"
    )
    conn.execute("INSERT INTO replies VALUES ('old', 1.0, '1', NULL, 'id', 0)")
    conn.commit()
    conn.close()
    cache = JudgeCache(tmp_path)
    assert cache.get("old") == (1.0, "1", None, {})
    cache.put("new", 0.5, "0.5", None, "id", {"reading": "legacy"})
    assert cache.get("new") == (0.5, "0.5", None, {"reading": "legacy"})
    cache.close()
