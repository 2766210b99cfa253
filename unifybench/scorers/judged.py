"""The judge score of free-text answers (tasks whose spec lists ``judge`` or ``judge_minilm``).

Metric ``judge`` when an OpenAI-compatible judge grades (the published protocol uses deepseek-chat),
``judge_minilm`` for the offline MiniLM approximation; the two are never ranked together. Every
Score carries the judge identity and prompt hash in its metadata, and unscorable items are NaN with
the reason recorded. Protocol flags read here: ``text_judge`` (the judge's prompt, request settings
and reader, through ``judge.for_protocol``), ``judge_sees_system_prompt`` and ``gold_as_written``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from unifybench.errors import ConfigError, ScorerUnavailable
from unifybench.judges.base import Judge, JudgeRequest, JudgeResult
from unifybench.protocols import Protocol
from unifybench.scorers.base import Score, ScoringInput, SpecScorer, gold_answer, question_text
from unifybench.scorers.spec import ScorerContext, ScorerSpec

VERSION = 1
# published-reading judge scorer versions: @2 read replies as the published script; @3 sends what
# it sent (no temperature, no max_tokens, stream=False), reads the question and gold as written,
# and keeps the reading in the judge cache so a re-score reproduces the first scoring
LEGACY_VERSION = 3


def reading_version(role: str) -> Any:
    """The id version of a judge scorer of ``role``: @3 when the protocol's judge of that role
    reads replies as the published scripts did, else @1."""

    def version(protocol: Protocol) -> int:
        return LEGACY_VERSION if protocol.judge_requests(role).reader != "strict" else VERSION

    return version


def judge_implementation(judge: Any) -> str:
    """The implementation part of a judge scorer id: the model name, made safe for ids."""
    config = getattr(judge, "config", None)
    name = getattr(config, "model", None) or "all-minilm-l6-v2"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def for_protocol(judge: Any, protocol: Protocol) -> Any:
    """The judge as ``protocol`` uses it (``judge.for_protocol``), or the judge itself."""
    switch = getattr(judge, "for_protocol", None)
    return switch(protocol) if callable(switch) else judge


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


class TextJudgeScorer(SpecScorer):
    """Judge free-text answers against their gold answers.

    Protocol flags: ``judge_sees_system_prompt`` shows the judge the personal system prompt
    inside the question when the scoring input carries one (``ScoringInput.system_prompt``;
    defect 4); ``gold_as_written`` gives question and gold as the test data wrote them; the judge
    is switched to the protocol's ``text_judge`` settings (``judge.for_protocol``: on a built-in
    prompt the protocol's template and request; always its reader). ``self.judge`` is the judge
    actually used: record ``self.judge.info()``.
    """

    def __init__(
        self, judge: Judge, protocol: Protocol | str, *, tasks: Iterable[str] | None = None
    ) -> None:
        from unifybench.protocols import resolve_protocol

        protocol = resolve_protocol(protocol)
        if getattr(getattr(judge, "config", None), "role", "text") != "text":
            raise ConfigError(f"the text judge scorer needs a text judge; got {judge.identity}")
        self.judge: Judge = for_protocol(judge, protocol)
        metric = getattr(self.judge, "metric", "judge")
        specs = {s.judge_metric: s for s in SCORERS}
        if metric not in specs:
            raise ConfigError(
                f"a text judge's metric must be one of {sorted(specs)}, got {metric!r}"
            )
        self.spec = specs[metric]
        super().__init__(protocol, tasks=tasks, implementation=judge_implementation(self.judge))
        self.metric = metric

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
        if self.protocol.judge_sees_system_prompt:
            fields["system_prompt"] = inp.system_prompt or ""
        if self.protocol.gold_as_written and hasattr(item, "legacy_answer"):
            fields["question"] = question_text(item, self.protocol)  # as the published script
            fields["gold"] = gold_answer(item, self.protocol)  # built them
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


def _build_text_judge(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> TextJudgeScorer:
    judge = context.judge_for("text", "judge")
    if judge is None:
        raise ScorerUnavailable("no text judge configured")
    return TextJudgeScorer(judge, protocol, tasks=tasks)


def _build_offline_text_judge(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> TextJudgeScorer:
    judge = context.judge_for("text", "judge_minilm")
    if judge is None:
        from unifybench.judges.minilm import MiniLMJudge

        judge = context.shared_object("minilm-judge", MiniLMJudge)
        context.judges.append(judge)
    return TextJudgeScorer(judge, protocol, tasks=tasks)


def _text_judge_card(protocol: Protocol) -> str:
    card = "text judge (official preset deepseek-chat) grades 0/0.5/1"
    if protocol.judge_sees_system_prompt:
        card += "; legacy prompt shows the personal system prompt"
    if protocol.text_judge.reader != "strict":
        card += "; the published request and reply reading, question and gold as written"
    return card


TEXT_JUDGE = ScorerSpec(
    name="judge",
    metrics=("judge",),
    card=_text_judge_card,
    implementation="deepseek-chat",
    version=reading_version("text"),
    build=_build_text_judge,
    judge_role="text",
    judge_metric="judge",
    scorer_class="unifybench.scorers.judged:TextJudgeScorer",
    reference="arctanxarc/UniCTokens eval/eval_p_mmu.py (deepseek-chat judge)",
)
OFFLINE_TEXT_JUDGE = ScorerSpec(
    name="judge_minilm",
    metrics=("judge_minilm",),
    card="offline approximation: MiniLM cosine of answer and gold mapped to 0/0.5/1; never "
    "ranked with judge",
    implementation="all-minilm-l6-v2",
    build=_build_offline_text_judge,
    judge_role="text",
    judge_metric="judge_minilm",
    replaces="judge",
    scorer_class="unifybench.scorers.judged:TextJudgeScorer",
)
SCORERS = (TEXT_JUDGE, OFFLINE_TEXT_JUDGE)
