"""Judges: the OpenAI-compatible judge (official protocol) and the offline MiniLM approximation.

``OpenAIJudge(config)`` with ``text_judge_preset()`` (deepseek-chat) or ``vision_judge_preset()``
(gpt-4o); ``MiniLMJudge()`` offline. Every judge has ``.identity``, ``.info()``, ``.check_ready()``,
``.official`` and ``.score_many(requests) -> list[JudgeResult]``. See docs/judges.md.
"""

from unifybench.judges.base import Judge, JudgeRequest, JudgeResult, summarize
from unifybench.judges.config import JudgeConfig, text_judge_preset, vision_judge_preset
from unifybench.judges.minilm import MiniLMJudge
from unifybench.judges.openai_judge import OpenAIJudge
from unifybench.judges.parsing import ReplyParseError, parse_score
from unifybench.judges.templates import PromptTemplate, load_template

__all__ = [
    "Judge",
    "JudgeConfig",
    "JudgeRequest",
    "JudgeResult",
    "MiniLMJudge",
    "OpenAIJudge",
    "PromptTemplate",
    "ReplyParseError",
    "load_template",
    "parse_score",
    "summarize",
    "text_judge_preset",
    "vision_judge_preset",
]
