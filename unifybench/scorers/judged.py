"""The judge score of free-text answers (tasks ``vqa`` and ``text_only``).

Metric ``judge`` when an OpenAI-compatible judge grades (the published protocol uses deepseek-chat),
``judge_minilm`` for the offline MiniLM approximation; the two are never ranked together. Every
Score carries the judge identity and prompt hash in its metadata, and unscorable items are NaN with
the reason recorded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from unifybench.errors import ConfigError
from unifybench.judges.base import Judge, JudgeRequest, JudgeResult
from unifybench.scorers.base import PROTOCOLS, Score, ScoringInput, nanmean

VERSION = 1
# legacy text judge scorer versions: @2 read replies as the published script; @3 sends what it
# sent (no temperature, no max_tokens, stream=False), reads the question and gold as written,
# and keeps the reading in the judge cache so a re-score reproduces the first scoring
LEGACY_VERSION = 3


def judge_implementation(judge: Any) -> str:
    """The implementation part of a judge scorer id: the model name, made safe for ids."""
    config = getattr(judge, "config", None)
    name = getattr(config, "model", None) or "all-minilm-l6-v2"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def for_protocol(judge: Any, protocol: str) -> Any:
    """The judge as ``protocol`` uses it (``judge.for_protocol``), or the judge itself."""
    switch = getattr(judge, "for_protocol", None)
    return switch(protocol) if callable(switch) else judge


def check_protocol(protocol: str) -> None:
    if protocol not in PROTOCOLS:
        raise ConfigError(f"protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")


def result_metadata(result: JudgeResult, judge: Any) -> dict[str, Any]:
    """JSON-serialisable facts about one judgement, for the per-item record."""
    info = judge.info()
    meta: dict[str, Any] = {
        "judge": result.identity or info.identity,
        "prompt_hash": info.prompt_hash,
        "cached": result.cached,
        "attempts": result.attempts,
    }
    if result.raw is not None:
        meta["raw"] = result.raw
    if result.error is not None:
        meta["error"] = result.error
    for key, value in result.extra.items():
        meta[key] = value
    return meta


class TextJudgeScorer:
    """Judge free-text answers of ``vqa`` and ``text_only`` items against their gold answers.

    ``protocol='legacy'`` shows the judge the personal system prompt inside the question when the
    scoring input carries one (``ScoringInput.system_prompt``; defect 4), gives question and gold
    as the test data wrote them, and switches the judge to the legacy settings
    (``judge.for_protocol``: on a built-in prompt, the ``text-legacy`` template and the published
    request; always the published reading of replies); ``v2`` uses the ``text`` template, the
    bare question and the strict reader. ``self.judge`` is the judge actually used: record
    ``self.judge.info()``.
    """

    tasks = frozenset({"vqa", "text_only"})

    def __init__(self, judge: Judge, protocol: str) -> None:
        check_protocol(protocol)
        if getattr(getattr(judge, "config", None), "role", "text") != "text":
            raise ConfigError(f"the text judge scorer needs a text judge; got {judge.identity}")
        self.protocol = protocol
        self.judge: Judge = for_protocol(judge, protocol)
        self.metric: str = getattr(self.judge, "metric", "judge")
        version = LEGACY_VERSION if protocol == "legacy" and self.metric == "judge" else VERSION
        self.id: str = f"{self.metric}/{judge_implementation(self.judge)}/{protocol}@{version}"

    def check_ready(self) -> None:
        """Fail before any work when the judge cannot run (e.g. its key variable is unset)."""
        self.judge.check_ready()

    def request_for(self, inp: ScoringInput) -> JudgeRequest:
        """The judge request of one input (fields of the text templates)."""
        item = inp.item
        fields = {
            "question": getattr(item, "question", ""),
            "gold": getattr(item, "answer", ""),
            "prediction": inp.text or "",
            "system_prompt": "",
        }
        if self.protocol == "legacy":  # as the published script built them
            fields["system_prompt"] = inp.system_prompt or ""
            fields["question"] = getattr(item, "legacy_question", fields["question"])
            fields["gold"] = getattr(item, "legacy_answer", fields["gold"])
        return JudgeRequest(item_id=item.id, fields=fields)

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """One Score per input; inputs without a prediction (``text is None``) are unscored."""
        for inp in inputs:
            if inp.item.task not in self.tasks:
                raise ConfigError(f"{self.id} scores {sorted(self.tasks)}, not {inp.item.task!r}")
        todo = [i for i, inp in enumerate(inputs) if inp.text is not None]
        results = self.judge.score_many([self.request_for(inputs[i]) for i in todo]) if todo else []
        if len(results) != len(todo):  # a judge must never drop an item
            raise RuntimeError(f"judge returned {len(results)} results for {len(todo)} requests")
        by_index = dict(zip(todo, results, strict=True))
        scores: list[Score] = []
        for i, _inp in enumerate(inputs):
            result = by_index.get(i)
            if result is None:
                missing = {"error": "no prediction"}
                scores.append(Score(math.nan, explanation="no prediction", metadata=missing))
                continue
            scores.append(
                Score(
                    value=result.value,
                    answer=result.raw,
                    explanation=self._explanation(result),
                    metadata=result_metadata(result, self.judge),
                )
            )
        return scores

    @staticmethod
    def _explanation(result: JudgeResult) -> str:
        """Why an item is unscored, and where the published reading failed (the published
        script crashed on such a reply: no published number exists; the strict reading, after
        one re-ask, is kept and ``metadata["legacy_unreadable"]`` says why)."""
        why = result.extra.get("legacy_unreadable")
        note = (
            f"published script would have crashed on this reply ({why}); strict reading kept"
            if why and result.extra.get("reading") == "strict"
            else ""
        )
        return "; ".join(x for x in (result.error, note) if x)

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        """``{metric: mean of the scored items}`` (NaN when none is scored)."""
        return {self.metric: nanmean([s.value for s in scores])}
