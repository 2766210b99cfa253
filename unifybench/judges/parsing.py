"""Strict parsing of a judge's reply into 0, 0.5 or 1.

Accepted (and only this): after stripping surrounding whitespace, an optional label ``Score``
or ``Grade`` (any case) followed by one or two colons, then one number that equals 0, 0.5 or 1
(written ``0``, ``0.0``, ``.5``, ``0.5``, ``1``, ``1.0``), then at most one trailing full stop.
Examples: ``"1"``, ``" 0.5\n"``, ``"Score: 1"``, ``"Score:: 0.5"``, ``"0."``. Everything else is
unparseable: ``"The answer is correct, 1"``, ``"1/1"``, ``"0.7"``, ``"yes"``, ``"1 or 0.5"``.
The two-colon label is accepted because the published script split replies on ``"Score::"``.
"""

from __future__ import annotations

import re

ALLOWED_SCORES: frozenset[float] = frozenset({0.0, 0.5, 1.0})
_REPLY = re.compile(
    r"^(?:(?:score|grade)\s*:{1,2}\s*)?(?P<num>[01](?:\.\d+)?|\.\d+)\.?$", re.IGNORECASE
)
REASK_SUFFIX = (
    "\n\nYour previous reply could not be read. Reply with exactly one of 0, 0.5 or 1 and "
    "nothing else."
)


class ReplyParseError(ValueError):
    """The judge's reply is not a single score in the accepted format."""


def parse_score(reply: str | None) -> float:
    """0.0, 0.5 or 1.0 from a reply in the accepted format; ReplyParseError otherwise."""
    if reply is None:
        raise ReplyParseError("empty reply (no message content)")
    text = reply.strip()
    match = _REPLY.match(text)
    if not match:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise ReplyParseError(f"reply is not a single score 0, 0.5 or 1: {shown!r}")
    value = float(match.group("num"))
    if value not in ALLOWED_SCORES:
        raise ReplyParseError(f"score {value:g} is not one of 0, 0.5, 1")
    return value
