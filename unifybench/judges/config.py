"""Judge configuration and the presets of the published protocol.

A judge is a configured object: provider, base URL, model, prompt template (by name or file,
hashed), temperature, retry and concurrency policy, cache location. Only the key comes from the
environment, and the configuration holds the *name* of the variable, never the key itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from unifybench.errors import ConfigError

if TYPE_CHECKING:
    from unifybench.protocols import Protocol

Role = Literal["text", "vision"]

DEEPSEEK_BASE_URL = "https://api.deepseek.com/v1"
OPENAI_BASE_URL = "https://api.openai.com/v1"
# The published judges (PROTOCOL.md §2): deepseek-chat for VQA / text QA, gpt-4o for images.
OFFICIAL_MODELS: dict[str, str] = {"text": "deepseek-chat", "vision": "gpt-4o"}


def default_cache_dir() -> Path:
    """``$UNIFYBENCH_CACHE/judges``, else ``$UNIFYBENCH_CACHE_DIR/judges`` (the variable the rest
    of UnifyBench uses for its cache), else ``$XDG_CACHE_HOME/unifybench/judges``, else
    ``~/.cache/unifybench/judges``."""
    root = os.environ.get("UNIFYBENCH_CACHE") or os.environ.get("UNIFYBENCH_CACHE_DIR")
    if root:
        return Path(root) / "judges"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "unifybench" / "judges"


@dataclass(frozen=True)
class JudgeConfig:
    """Everything that defines an OpenAI-compatible judge.

    ``prompt`` is a built-in template name (``text``, ``text-legacy``, ``vision``) or a path to a
    template file. ``api_key_env`` is the NAME of the environment variable that holds the key.
    ``timeout`` is seconds per HTTP request; ``max_retries`` bounds the retries of one request after
    a 429, 5xx, timeout, connection error or malformed response (so at most ``1 + max_retries``
    attempts per request). Backoff before retry ``k`` (0-based) is
    ``min(backoff_max, backoff_base * 2**k)`` times a jitter factor in [0.5, 1]; a ``Retry-After``
    header replaces the computed delay (capped at ``retry_after_max``). ``cache_dir=None`` means
    :func:`default_cache_dir`; ``use_cache=False`` disables the cache.
    """

    role: Role = "text"
    base_url: str = DEEPSEEK_BASE_URL
    model: str = "deepseek-chat"
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.0
    prompt: str = "text"
    concurrency: int = 16
    timeout: float = 60.0
    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    max_tokens: int = 16
    cache_dir: Path | None = None
    use_cache: bool = True
    official: bool = False
    provider: str = "openai-compatible"

    def __post_init__(self) -> None:
        problems = []
        if self.role not in ("text", "vision"):
            problems.append(f"role must be 'text' or 'vision', got {self.role!r}")
        if not self.base_url.startswith(("http://", "https://")):
            problems.append(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if not self.model:
            problems.append("model must not be empty")
        if not self.api_key_env or not self.api_key_env.replace("_", "").isalnum():
            problems.append(
                f"api_key_env must be the NAME of an environment variable, got {self.api_key_env!r}"
            )
        if not 0.0 <= self.temperature <= 2.0:
            problems.append(f"temperature must be in [0, 2], got {self.temperature}")
        if self.concurrency < 1:
            problems.append(f"concurrency must be >= 1, got {self.concurrency}")
        if self.timeout <= 0:
            problems.append(f"timeout must be > 0 seconds, got {self.timeout}")
        if self.max_retries < 0:
            problems.append(f"max_retries must be >= 0, got {self.max_retries}")
        if self.backoff_base < 0 or self.backoff_max < 0 or self.retry_after_max < 0:
            problems.append("backoff_base, backoff_max and retry_after_max must be >= 0")
        if problems:
            raise ConfigError("invalid judge configuration: " + "; ".join(problems))

    @property
    def resolved_cache_dir(self) -> Path:
        """Where this judge's cache lives."""
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()

    def with_(self, **changes: object) -> JudgeConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def text_judge_preset(protocol: Protocol | str = "v2", **overrides: object) -> JudgeConfig:
    """The published text judge: ``deepseek-chat`` at api.deepseek.com, key in ``DEEPSEEK_API_KEY``.

    ``protocol`` (a Protocol or one of UnifyBench's names) picks the prompt (``text_judge_prompt``:
    legacy's ``text-legacy`` shows the personal system prompt to the judge inside the question,
    defect 4; v2's ``text``) and the temperature (``judge_temperature``, 0 in both: upstream left
    it unset, see docs/judges.md). ``overrides`` change any other field.
    """
    from unifybench.protocols import resolve_protocol

    spec = resolve_protocol(protocol)
    cfg: dict[str, object] = {
        "role": "text",
        "base_url": DEEPSEEK_BASE_URL,
        "model": "deepseek-chat",
        "api_key_env": "DEEPSEEK_API_KEY",
        "temperature": spec.judge_temperature,
        "prompt": spec.text_judge_prompt,
        "official": True,
    }
    cfg.update(overrides)
    return JudgeConfig(**cfg)  # type: ignore[arg-type]


def vision_judge_preset(protocol: Protocol | str = "v2", **overrides: object) -> JudgeConfig:
    """The published image judge: ``gpt-4o`` at api.openai.com, key in ``OPENAI_API_KEY``.

    The protocol gives the prompt (``vision_judge_prompt``) and temperature; protocols differ in
    how many images are judged (see :class:`unifybench.scorers.knowledge.KnowledgeScorer`).
    """
    from unifybench.protocols import resolve_protocol

    spec = resolve_protocol(protocol)
    cfg: dict[str, object] = {
        "role": "vision",
        "base_url": OPENAI_BASE_URL,
        "model": "gpt-4o",
        "api_key_env": "OPENAI_API_KEY",
        "temperature": spec.judge_temperature,
        "prompt": spec.vision_judge_prompt,
        "official": True,
    }
    cfg.update(overrides)
    return JudgeConfig(**cfg)  # type: ignore[arg-type]
