"""The judge score of free-text answers (tasks whose spec lists ``judge`` or ``judge_minilm``).

Metric ``judge`` when an OpenAI-compatible judge grades (the published protocol uses deepseek-chat),
``judge_minilm`` for the offline MiniLM approximation; the two are never ranked together. Every
Score carries the judge identity and prompt hash in its metadata, and unscorable items are NaN with
the reason recorded. Protocol flags read here: ``text_judge_prompt`` (through the judge),
``judge_sees_system_prompt`` and ``judge_reading``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from unifybench.errors import ConfigError, ScorerUnavailable
from unifybench.judges.base import Judge, JudgeRequest, JudgeResult
from unifybench.judges.parsing import ReplyParseError, parse_score_legacy_text
from unifybench.protocols import Protocol
from unifybench.scorers.base import Score, ScoringInput, SpecScorer
from unifybench.scorers.spec import ScorerContext, ScorerSpec

VERSION = 1
# published readings of an OpenAI-compatible judge's reply follow the published scripts since @2
LEGACY_READING_VERSION = 2


def reading_version(protocol: Protocol) -> int:
    """Scorer id version of a judge scorer that reads replies: @2 for the published reading."""
    return LEGACY_READING_VERSION if protocol.judge_reading == "published" else VERSION


def judge_implementation(judge: Any) -> str:
    """The implementation part of a judge scorer id: the model name, made safe for ids."""
    config = getattr(judge, "config", None)
    name = getattr(config, "model", None) or "all-minilm-l6-v2"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def legacy_reading(result: JudgeResult, parser: Callable[[str | None], float]) -> tuple[float, str]:
    """(value, "") read from the judge's *first* reply by a published parser, or (NaN, why).

    The published scripts sent each question once and read the reply with their own rule; the
    strict reader here re-asks once on an unreadable reply, so legacy scorers re-read the first
    reply (``extra["first_reply"]`` when a re-ask happened, else ``raw``). A result served from
    the cache keeps only the last reply. No reply at all (transport failure): (NaN, error).
    """
    if result.raw is None:
        return math.nan, result.error or "no reply"
    first = result.extra.get("first_reply", result.raw)
    try:
        return parser(first if isinstance(first, str) else None), ""
    except ReplyParseError as exc:
        return math.nan, str(exc)


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

    Protocol flags: the judge is switched to the protocol's ``text_judge_prompt`` when it uses a
    built-in text prompt; ``judge_sees_system_prompt`` shows the judge the personal system prompt
    inside the question when the scoring input carries one (defect 4); ``judge_reading``
    "published" reads the first reply as the published script did. ``self.judge`` is the judge
    actually used: record ``self.judge.info()``.
    """

    def __init__(
        self, judge: Judge, protocol: Protocol | str, *, tasks: Iterable[str] | None = None
    ) -> None:
        from unifybench.protocols import resolve_protocol

        protocol = resolve_protocol(protocol)
        if getattr(getattr(judge, "config", None), "role", "text") != "text":
            raise ConfigError(f"the text judge scorer needs a text judge; got {judge.identity}")
        switch = getattr(judge, "for_protocol", None)
        self.judge: Judge = switch(protocol) if callable(switch) else judge
        metric = getattr(self.judge, "metric", "judge")
        specs = {s.judge_metric: s for s in SCORERS}
        if metric not in specs:
            raise ConfigError(
                f"a text judge's metric must be one of {sorted(specs)}, got {metric!r}"
            )
        self.spec = specs[metric]
        super().__init__(protocol, tasks=tasks, implementation=judge_implementation(self.judge))
        self.metric = metric
        # The published reading applies to judges that reply in words, not to MiniLM.
        self.published_reading = protocol.judge_reading == "published" and self.spec is TEXT_JUDGE

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
            value, explanation = result.value, result.error or ""
            metadata = result_metadata(result, self.judge)
            if self.published_reading and result.raw is not None:
                value, explanation = self._legacy_value(result, metadata)
            scores.append(
                Score(
                    value=value,
                    answer=result.raw,
                    explanation=explanation,
                    metadata=metadata,
                )
            )
        return scores

    @staticmethod
    def _legacy_value(result: JudgeResult, metadata: dict[str, Any]) -> tuple[float, str]:
        """The published reading of the first reply (text after the last "Score::", a float in
        [0, 1], so 0.7 counts as 0.7). Where the published script would have crashed, the strict
        reading (after one re-ask) is kept and ``metadata["legacy_unreadable"]`` says why."""
        value, why = legacy_reading(result, parse_score_legacy_text)
        if not why:
            metadata["reading"] = "legacy"
            return value, ""
        metadata["legacy_unreadable"] = why
        note = f"published script would have crashed on this reply ({why}); strict reading kept"
        return result.value, "; ".join(x for x in (result.error, note) if x)


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


TEXT_JUDGE = ScorerSpec(
    name="judge",
    metrics=("judge",),
    card=lambda p: (
        "text judge (official preset deepseek-chat) grades 0/0.5/1"
        + ("; legacy prompt shows the personal system prompt" if p.judge_sees_system_prompt else "")
    ),
    implementation="deepseek-chat",
    version=reading_version,
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
