"""The retry policy of the OpenAI-compatible judge: what is retried, and how long to wait.

The openai client's own retries are switched off (``max_retries=0``) so that this policy is the only
one and can be tested. Retried: HTTP 429, any 5xx, request timeouts, connection errors, and replies
that are not valid chat-completion JSON. Not retried: other 4xx (bad request, authentication, ...),
which end the item as unscored with the error recorded.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: retry ``k`` (0-based) waits
    ``min(maximum, base * 2**k) * U(0.5, 1)``; a server's Retry-After replaces it, capped at
    ``retry_after_max``."""

    base: float = 1.0
    maximum: float = 30.0
    retry_after_max: float = 120.0

    def delay(self, retry: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.retry_after_max))
        ceiling = min(self.maximum, self.base * (2.0**retry))
        return ceiling * rng.uniform(0.5, 1.0)

    def schedule(self, retries: int, rng: random.Random) -> list[float]:
        """The delays of ``retries`` consecutive retries without Retry-After headers."""
        return [self.delay(k, rng) for k in range(retries)]


def parse_retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date); None if absent."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
