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
# How a reply is read: "strict" (0, 0.5 or 1; one re-ask), or as the published scripts read it
# ("legacy-text": the float after the last "Score::", in [0, 1]; "legacy-vision": the reply as a
# float, any value). See unifybench.judges.parsing.
Reader = Literal["strict", "legacy-text", "legacy-vision", "score-0-4", "legacy-dreambench"]
# The 0-4 readers (DreamBench++'s judge scale) divide the integer score by 4; see parsing.py.
READERS: tuple[str, ...] = (
    "strict",
    "legacy-text",
    "legacy-vision",
    "score-0-4",
    "legacy-dreambench",
)
# How an image is sent: the file's bytes as stored, or re-encoded as JPEG quality 95 after
# converting RGBA / palette images to RGB (what the published image judge sent), or resized to
# 512x512 and saved as JPEG quality 75 (what the published DreamBench++ judge sent).
ImageEncoding = Literal["as-stored", "jpeg-q95", "square512-jpeg-q75"]
IMAGE_ENCODINGS: tuple[str, ...] = ("as-stored", "jpeg-q95", "square512-jpeg-q75")

DEEPSEEK_BASE_URL = "https://api.deepseek.com/v1"
OPENAI_BASE_URL = "https://api.openai.com/v1"
# The published judges (PROTOCOL.md §2): deepseek-chat for VQA / text QA, gpt-4o for images.
OFFICIAL_MODELS: dict[str, str] = {"text": "deepseek-chat", "vision": "gpt-4o"}

# Built-in prompt templates of each judge role; a judge on one of them follows the protocol's
# prompt and request settings (``Protocol.text_judge`` / ``vision_judge``), a custom one does not.
BUILTIN_PROMPTS: dict[str, tuple[str, ...]] = {
    "text": ("text", "text-legacy"),
    "vision": (
        "vision",
        "vision-legacy",
        "dreambench-subject",
        "dreambench-style",
        "dreambench-text",
    ),
}


def protocol_requests(role: str, protocol: Protocol | str) -> dict[str, object]:
    """The prompt and request settings a protocol uses for a judge of ``role``
    (:class:`unifybench.protocols.JudgeRequests`, as ``JudgeConfig`` fields)."""
    from unifybench.protocols import resolve_protocol

    return resolve_protocol(protocol).judge_requests(role).settings()


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

    ``temperature``, ``max_tokens`` and ``stream`` are sent only when not None (None leaves them
    to the provider, as the published text judge did). ``reader`` says how replies are read and
    whether an unreadable one is re-asked; ``image_encoding`` how images are sent (each protocol
    names its settings: ``Protocol.text_judge`` / ``Protocol.vision_judge``).
    """

    role: Role = "text"
    base_url: str = DEEPSEEK_BASE_URL
    model: str = "deepseek-chat"
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float | None = 0.0
    prompt: str = "text"
    concurrency: int = 16
    timeout: float = 60.0
    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    max_tokens: int | None = 16
    stream: bool | None = None
    reader: Reader = "strict"
    image_encoding: ImageEncoding = "as-stored"
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
        if self.temperature is not None and not 0.0 <= self.temperature <= 2.0:
            problems.append(f"temperature must be in [0, 2] or None, got {self.temperature}")
        if self.max_tokens is not None and self.max_tokens < 1:
            problems.append(f"max_tokens must be >= 1 or None, got {self.max_tokens}")
        if self.reader not in READERS:
            problems.append(f"reader must be one of {', '.join(READERS)}, got {self.reader!r}")
        if self.image_encoding not in IMAGE_ENCODINGS:
            problems.append(
                f"image_encoding must be one of {', '.join(IMAGE_ENCODINGS)}, "
                f"got {self.image_encoding!r}"
            )
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

    ``protocol`` (a Protocol or one of UnifyBench's names) picks the prompt and request settings
    (its ``text_judge`` flags): ``legacy``
    uses ``text-legacy`` (the personal system prompt is shown to the judge inside the question,
    defect 4) and sends what the published script sent (no temperature, no max_tokens,
    stream=False), reading replies as it did; ``v2`` uses ``text`` at temperature 0 with a
    16-token cap and the strict reader. ``overrides`` change any field.
    """
    cfg: dict[str, object] = {
        "role": "text",
        "base_url": DEEPSEEK_BASE_URL,
        "model": "deepseek-chat",
        "api_key_env": "DEEPSEEK_API_KEY",
        **protocol_requests("text", protocol),
        "official": True,
    }
    cfg.update(overrides)
    return JudgeConfig(**cfg)  # type: ignore[arg-type]


def vision_judge_preset(protocol: Protocol | str = "v2", **overrides: object) -> JudgeConfig:
    """The published image judge: ``gpt-4o`` at api.openai.com, key in ``OPENAI_API_KEY``.

    Both protocols make one stateless call per image. ``legacy`` sends what the published script
    sent (temperature 1e-5, max_tokens 2000, the image as JPEG quality 95) with the
    ``vision-legacy`` prompt and reads replies as it did; ``v2`` uses ``vision`` at temperature
    0 with a 16-token cap and the strict reader. How many images are judged is the scorer's
    business (:class:`unifybench.scorers.knowledge.KnowledgeScorer`).
    """
    cfg: dict[str, object] = {
        "role": "vision",
        "base_url": OPENAI_BASE_URL,
        "model": "gpt-4o",
        "api_key_env": "OPENAI_API_KEY",
        **protocol_requests("vision", protocol),
        "official": True,
    }
    cfg.update(overrides)
    return JudgeConfig(**cfg)  # type: ignore[arg-type]
