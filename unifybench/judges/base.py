"""What every judge takes and returns, and the small protocol all judges implement."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from unifybench.submission import JudgeInfo


@dataclass(frozen=True)
class JudgeRequest:
    """One judgement to make.

    ``fields`` fill the judge's prompt template (for the text judge: ``question``, ``gold``,
    ``prediction`` and, for the legacy template, ``system_prompt``; for the vision judge:
    ``concept``, ``info``, ``extra_info``, ``prompt``). ``images`` are sent with the request (the
    vision judge sends exactly the images given, each as a base64 data URL).
    """

    item_id: str
    fields: Mapping[str, str]
    images: tuple[Path, ...] = ()


@dataclass
class JudgeResult:
    """The outcome of one judgement. ``value`` is NaN when the item could not be scored.

    ``raw`` is the judge's last reply (None when no reply came back), ``error`` says why an item is
    unscored, ``cached`` is True when the result came from the cache (no request made), ``attempts``
    counts the HTTP requests made for this item (retries and the re-ask included).
    """

    item_id: str
    value: float
    raw: str | None = None
    error: str | None = None
    cached: bool = False
    attempts: int = 0
    identity: str = ""
    cache_key: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        return not math.isnan(self.value)


@runtime_checkable
class Judge(Protocol):
    """A judge: an identity recorded with every number it produces, and a batch scoring call."""

    identity: str
    official: bool

    def info(self) -> JudgeInfo: ...

    def check_ready(self) -> None:
        """Raise ConfigError (naming what is missing) before any work starts."""
        ...

    def score_many(self, requests: Sequence[JudgeRequest]) -> list[JudgeResult]:
        """One result per request, in order; never fewer."""
        ...


def summarize(results: Sequence[JudgeResult]) -> dict[str, int]:
    """Counts that must add up: total == scored + unscored; cached + requested == total."""
    scored = sum(1 for r in results if r.scored)
    cached = sum(1 for r in results if r.cached)
    return {
        "total": len(results),
        "scored": scored,
        "unscored": len(results) - scored,
        "cached": cached,
        "requests": sum(r.attempts for r in results),
    }


def render_fields(fields: Mapping[str, object]) -> dict[str, str]:
    """Template field values as strings (lists become one sentence per line)."""
    out: dict[str, str] = {}
    for key, value in fields.items():
        if isinstance(value, (list, tuple)):
            out[key] = "\n".join(str(v) for v in value)
        else:
            out[key] = "" if value is None else str(value)
    return out
