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


def _finite_float(text: str) -> float:
    value = float(text)  # Python's float(): surrounding whitespace, "1.", ".5", "1e0" all read
    if value != value or value in (float("inf"), float("-inf")):
        raise ReplyParseError(f"not a finite number: {text!r}")
    return value


def parse_score_legacy_text(reply: str | None) -> float:
    """The published text-judge reading: what follows the last ``"Score::"``, a float in [0, 1].

    No label is required (the published prompt never asks for one) and any number in [0, 1] is
    taken as it is (0.7 stays 0.7). A reply the published script could not read ("Score: 1",
    prose, a number outside [0, 1]) raises ReplyParseError; the published script crashed on it.
    """
    if reply is None:
        raise ReplyParseError("empty reply (no message content)")
    tail = reply.split("Score::")[-1].strip()
    try:
        value = _finite_float(tail)
    except ValueError as exc:
        raise ReplyParseError(f"legacy reading failed on {tail[:80]!r}: {exc}") from None
    if not 0.0 <= value <= 1.0:
        raise ReplyParseError(f"legacy reading: {value:g} is outside [0, 1]")
    return value


def parse_score_legacy_vision(reply: str | None) -> float:
    """The published knowledge-judge reading: the whole stripped reply as a float, any value.

    No range check (a reply "2" counts as 2, as published). Anything else raises
    ReplyParseError; the published script skipped such images.
    """
    if reply is None:
        raise ReplyParseError("empty reply (no message content)")
    try:
        return _finite_float(reply.strip())
    except ValueError as exc:
        raise ReplyParseError(f"legacy reading failed on {reply.strip()[:80]!r}: {exc}") from None


# -- the 0-4 scale of DreamBench++ (scores are returned divided by 4) --------------------------
SCALE_0_4_MAX = 4
_SCORE_LINE = re.compile(
    r"^[ \t]*score[ \t]*:[ \t]*(?P<num>\d+(?:\.\d+)?)[ \t]*\.?[ \t]*$", re.I | re.M
)
_SCORE_LABEL = re.compile(r"score\s*:", re.IGNORECASE)
# The published reading (dreambench_plus/eval_concept_preservation.py, eval_prompt_following.py):
# every match of this pattern in the reply; exactly one must be found; its integer is the score.
_PUBLISHED_0_4 = re.compile(r"(score|Score):\s*[a-zA-Z]*\s*(\d+)")
REASK_SUFFIX_0_4 = (
    "\n\nYour previous reply could not be read. End your reply with exactly one line "
    '"Score: N", N an integer from 0 to 4.'
)


def parse_score_0_4(reply: str | None) -> float:
    """N / 4 from a reply with exactly one line ``Score: N`` (any case), N an integer 0..4.

    Text before that line (an analysis) is allowed; a second ``score:`` label anywhere, a
    fraction (``3.5``), a number outside 0..4 or no such line raise ReplyParseError.
    """
    if reply is None:
        raise ReplyParseError("empty reply (no message content)")
    lines = _SCORE_LINE.findall(reply)
    labels = _SCORE_LABEL.findall(reply)
    shown = reply.strip() if len(reply.strip()) <= 80 else reply.strip()[:77] + "..."
    if len(lines) != 1 or len(labels) != 1:
        raise ReplyParseError(f'expected exactly one line "Score: N" (N in 0..4): {shown!r}')
    value = float(lines[0])
    if value != int(value) or not 0 <= value <= SCALE_0_4_MAX:
        raise ReplyParseError(f"score {lines[0]} is not an integer from 0 to 4")
    return value / SCALE_0_4_MAX


def parse_score_legacy_dreambench(reply: str | None) -> float:
    """The published DreamBench++ reading, divided by 4 as its benchmarking script does.

    Every match of ``(score|Score):\\s*[a-zA-Z]*\\s*(\\d+)``; exactly one must be found (else
    the published script asked again); its digits are the score, with no range check ("Score: 7"
    gives 1.75; "Score: 3.5" reads 3, the digits before the point). ReplyParseError otherwise.
    """
    if reply is None:
        raise ReplyParseError("empty reply (no message content)")
    found = _PUBLISHED_0_4.findall(reply)
    if len(found) != 1:
        shown = reply.strip()[:80]
        raise ReplyParseError(f"published reading found {len(found)} scores in {shown!r}")
    return int(found[0][1]) / SCALE_0_4_MAX
