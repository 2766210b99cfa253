"""The OpenAI-compatible judge: stateless, parsed, retried, concurrent and cached.

Every judgement is one fresh chat request (an optional system message and exactly one user
message); no conversation is ever carried over between items (the published image judge kept one
growing chat for a whole run, defect 7). Replies are read by the configured reader (strict, or as
the published scripts read them). ``openai`` is imported only when a request is sent.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import math
import os
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unifybench.errors import ConfigError
from unifybench.judges.base import JudgeRequest, JudgeResult, render_fields
from unifybench.judges.cache import JudgeCache, cache_key
from unifybench.judges.config import JudgeConfig
from unifybench.judges.parsing import (
    REASK_SUFFIX,
    REASK_SUFFIX_0_4,
    ReplyParseError,
    parse_score,
    parse_score_0_4,
    parse_score_legacy_dreambench,
    parse_score_legacy_text,
    parse_score_legacy_vision,
)
from unifybench.judges.retry import Backoff, parse_retry_after
from unifybench.judges.templates import load_template
from unifybench.submission import JudgeInfo

if TYPE_CHECKING:
    from unifybench.protocols import Protocol

log = logging.getLogger("unifybench.judges")

_MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
# The published DreamBench++ judge scripts asked again (a new request) up to this many times in
# all when no score could be read, then left the item out.
PUBLISHED_DREAMBENCH_TRIES = 3


@dataclass
class _Rendered:
    """A request rendered into chat messages, plus the hash-only form used for the cache key."""

    messages: list[dict[str, Any]]
    key_messages: list[dict[str, Any]]
    image_sha256: list[str]
    key: str


@dataclass
class _Reply:
    text: str | None
    error: str | None
    attempts: int


def _image_payload(path: Path, encoding: str = "as-stored") -> tuple[str, str]:
    """(data URL, sha256 of the bytes sent).

    ``as-stored``: PNG/JPEG/WebP/GIF are sent as they are, anything else as PNG. ``jpeg-q95``:
    what the published image judge sent (eval/api.py): RGBA and palette images converted to
    RGB, every image saved as JPEG quality 95 with Pillow (other modes as they are, so a mode
    JPEG cannot hold fails, as it did there). ``square512-jpeg-q75``: what the published
    DreamBench++ judge sent (dreambench_plus/utils/image_utils.py, gpt_utils.py): EXIF
    orientation applied, transparency on white, RGB, resized to 512x512 (bicubic, aspect not
    kept), saved as JPEG with Pillow's default quality (75).
    """
    from PIL import Image, ImageOps

    raw = Path(path).read_bytes()
    with Image.open(io.BytesIO(raw)) as img:
        fmt = img.format or ""
        if encoding == "square512-jpeg-q75":
            picture = ImageOps.exif_transpose(img)
            if picture.mode == "RGBA":
                white = Image.new("RGBA", picture.size, "white")
                picture = Image.alpha_composite(white, picture)
            picture = picture.convert("RGB").resize((512, 512), Image.Resampling.BICUBIC)
            buf = io.BytesIO()
            picture.save(buf, format="JPEG")
            raw, fmt = buf.getvalue(), "JPEG"
        elif encoding == "jpeg-q95":
            picture = img.convert("RGB") if img.mode in ("RGBA", "P") else img
            buf = io.BytesIO()
            picture.save(buf, format="JPEG", quality=95)
            raw, fmt = buf.getvalue(), "JPEG"
        elif fmt not in _MIME:
            buf = io.BytesIO()
            img.convert("RGB").save(buf, format="PNG")
            raw, fmt = buf.getvalue(), "PNG"
    digest = hashlib.sha256(raw).hexdigest()
    return f"data:{_MIME[fmt]};base64,{base64.b64encode(raw).decode('ascii')}", digest


def _format_temperature(t: float | None) -> str:
    return "tdefault" if t is None else f"t{t:g}"


class OpenAIJudge:
    """A judge behind any OpenAI-compatible ``/v1/chat/completions`` endpoint.

    ``identity`` is ``<provider>/<model>@t<temperature>/prompt:<sha256[:12]>``, e.g.
    ``openai-compatible/deepseek-chat@t0/prompt:3f2a9c...`` (``tdefault`` when no temperature is
    sent). ``requests_made`` counts HTTP requests sent by this instance (retries and re-asks
    included).
    """

    def __init__(self, config: JudgeConfig, *, rng_seed: int | None = None) -> None:
        self.config = config
        self.template = load_template(config.prompt)
        self.official = config.official
        self.identity = (
            f"{config.provider}/{config.model}@{_format_temperature(config.temperature)}"
            f"/prompt:{self.template.hash12}"
        )
        self.backoff = Backoff(config.backoff_base, config.backoff_max, config.retry_after_max)
        self.requests_made = 0
        self._rng = random.Random(rng_seed)
        self._lock = threading.Lock()
        self._client: Any = None
        self._cache: JudgeCache | None = None

    # -- identity and readiness ---------------------------------------------------------------
    def info(self) -> JudgeInfo:
        """The judge as recorded in result files."""
        return JudgeInfo(
            role=self.config.role,
            identity=self.identity,
            model=self.config.model,
            base_url=self.config.base_url,
            prompt_hash=self.template.sha256,
            temperature=self.config.temperature,
            official=self.official,
        )

    def check_ready(self) -> None:
        """Raise ConfigError before any work: key variable unset, or ``openai`` not installed."""
        name = self.config.api_key_env
        if not os.environ.get(name):
            raise ConfigError(
                f"judge {self.identity}: environment variable {name} is not set; it must hold the "
                f"API key for {self.config.base_url} (export {name}=...)"
            )
        try:
            import openai  # noqa: F401
        except ImportError:
            raise ConfigError(
                "the OpenAI-compatible judge needs the 'openai' package: "
                "pip install 'unifybench[judges]'"
            ) from None

    def for_protocol(self, protocol: Protocol | str) -> OpenAIJudge:
        """This judge as ``protocol`` uses it (its ``text_judge`` / ``vision_judge`` flags).

        A judge on a built-in prompt of its role (``text`` / ``text-legacy``, ``vision`` /
        ``vision-legacy``) gets the protocol's prompt and request settings (temperature,
        max_tokens, stream, reader, image encoding). A custom prompt file is kept with its own
        request settings; only the reader follows the protocol (legacy reads replies as the
        published scripts did).
        """
        from unifybench.judges.config import BUILTIN_PROMPTS, protocol_requests

        wanted = protocol_requests(self.config.role, protocol)
        if self.config.prompt not in BUILTIN_PROMPTS[self.config.role]:
            wanted = {"reader": wanted["reader"]}
        config = self.config.with_(**wanted)
        return self if config == self.config else OpenAIJudge(config)

    # -- rendering -------------------------------------------------------------------------------
    def render(self, request: JudgeRequest) -> _Rendered:
        """The chat messages for one request (fresh every call) and their cache key."""
        system, user = self.template.render(render_fields(request.fields))
        messages: list[dict[str, Any]] = []
        key_messages: list[dict[str, Any]] = []
        if system is not None:
            messages.append({"role": "system", "content": system})
            key_messages.append({"role": "system", "content": system})
        hashes: list[str] = []
        if request.images:
            parts: list[dict[str, Any]] = [{"type": "text", "text": user}]
            key_parts: list[dict[str, Any]] = [{"type": "text", "text": user}]
            for path in request.images:
                url, digest = _image_payload(path, self.config.image_encoding)
                hashes.append(digest)
                parts.append({"type": "image_url", "image_url": {"url": url}})
                key_parts.append({"type": "image_url", "image_url": {"sha256": digest}})
            messages.append({"role": "user", "content": parts})
            key_messages.append({"role": "user", "content": key_parts})
        else:
            messages.append({"role": "user", "content": user})
            key_messages.append({"role": "user", "content": user})
        key = cache_key(
            provider=self.config.provider,
            base_url=self.config.base_url,
            model=self.config.model,
            prompt_sha256=self.template.sha256,
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
            messages=key_messages,
            image_sha256=hashes,
            reader=self.config.reader,
            stream=self.config.stream,
        )
        return _Rendered(messages, key_messages, hashes, key)

    # -- scoring ---------------------------------------------------------------------------------
    def score_many(self, requests: Sequence[JudgeRequest]) -> list[JudgeResult]:
        """One result per request, in order. Cached answers make no request; identical requests in
        one batch are sent once. Unscorable items come back with value NaN and ``error`` set."""
        self.check_ready()
        results: list[JudgeResult | None] = [None] * len(requests)
        rendered: dict[int, _Rendered] = {}
        for i, req in enumerate(requests):
            try:
                rendered[i] = self.render(req)
            except (OSError, ValueError) as exc:  # unreadable image: no request is possible
                error = f"cannot build request: {exc}"
                results[i] = JudgeResult(req.item_id, math.nan, error=error, identity=self.identity)
        cache = self._get_cache()
        todo: dict[str, list[int]] = {}
        for i, r in rendered.items():
            hit = cache.get(r.key) if cache is not None else None
            if hit is not None:
                value, raw, error, extra = hit
                results[i] = JudgeResult(
                    requests[i].item_id, value, raw, error, True, 0, self.identity, r.key, extra
                )
            else:
                todo.setdefault(r.key, []).append(i)
        if todo:
            self._get_client()
            firsts = [idx[0] for idx in todo.values()]
            workers = min(self.config.concurrency, len(firsts))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="judge") as pool:
                done = pool.map(lambda i: self._judge(requests[i], rendered[i]), firsts)
                for first, result in zip(firsts, done, strict=True):
                    results[first] = result
                    for dup in todo[result.cache_key][1:]:  # same request in this batch
                        results[dup] = JudgeResult(
                            requests[dup].item_id,
                            result.value,
                            result.raw,
                            result.error,
                            True,
                            0,
                            self.identity,
                            result.cache_key,
                            dict(result.extra),
                        )
        assert all(r is not None for r in results)
        return results  # type: ignore[return-value]

    def score(self, request: JudgeRequest) -> JudgeResult:
        """Judge a single request (see :meth:`score_many`)."""
        return self.score_many([request])[0]

    def _judge(self, request: JudgeRequest, rendered: _Rendered) -> JudgeResult:
        first = self._request(rendered.messages)
        result = JudgeResult(
            request.item_id,
            math.nan,
            first.text,
            None,
            False,
            first.attempts,
            self.identity,
            rendered.key,
        )
        if first.error is not None:  # transport failure: not cached, so a later run retries it
            result.error = first.error
            return result
        reader = self.config.reader
        if reader == "legacy-dreambench":
            return self._judge_repeating(rendered, first, result)
        if reader not in ("strict", "score-0-4"):
            legacy = (
                parse_score_legacy_text if reader == "legacy-text" else parse_score_legacy_vision
            )
            result.extra = {"reading": "legacy"}
            try:
                result.value = legacy(first.text)
            except ReplyParseError as exc:
                result.extra["legacy_unreadable"] = str(exc)
                result.extra["reading"] = "strict" if reader == "legacy-text" else "none"
                if reader == "legacy-vision":  # the published script skipped such an image
                    result.error = f"unreadable reply, skipped as published: {exc}"
                    self._store(result)
                    return result
            else:
                self._store(result)
                return result
        # strict reading; the legacy text reader comes here only where the published script
        # would have crashed (no published number exists): the strict reading, with one re-ask
        parse, suffix = (
            (parse_score_0_4, REASK_SUFFIX_0_4)
            if reader == "score-0-4"
            else (parse_score, REASK_SUFFIX)
        )
        try:
            result.value = parse(first.text)
        except ReplyParseError as exc:
            second = self._request(_with_reask(rendered.messages, suffix))
            result.attempts += second.attempts
            result.extra.update({"reasked": True, "first_reply": first.text})
            if second.error is not None:  # not cached: a later run asks again
                result.error = f"{exc}; the re-ask failed: {second.error}"
                return result
            result.raw = second.text
            try:
                result.value = parse(second.text)
            except ReplyParseError as exc2:
                result.error = f"unparseable after one re-ask: {exc2}"
        self._store(result)
        return result

    def _judge_repeating(
        self, rendered: _Rendered, first: _Reply, result: JudgeResult
    ) -> JudgeResult:
        """The published DreamBench++ reading: the same request sent again (up to
        :data:`PUBLISHED_DREAMBENCH_TRIES` in all) until one score can be read; else unscored
        (the published script left such an item out). Transport failures are not cached."""
        reply, unread = first, []
        result.extra = {"reading": "legacy"}
        for attempt in range(PUBLISHED_DREAMBENCH_TRIES):
            if attempt:
                reply = self._request(rendered.messages)
                result.attempts += reply.attempts
            if reply.error is not None:
                result.error = reply.error
                return result
            result.raw = reply.text
            try:
                result.value = parse_score_legacy_dreambench(reply.text)
                break
            except ReplyParseError as exc:
                unread.append(reply.text)
                result.error = (
                    f"no score read in {attempt + 1} request(s), left out as published: {exc}"
                )
        if unread:
            result.extra["unread_replies"] = unread
        if not math.isnan(result.value):
            result.error = None
        self._store(result)
        return result

    def _store(self, result: JudgeResult) -> None:
        """Cache what the judgement produced (value, replies, error and reading flags), so a
        later run that finds it reads it exactly as this one did."""
        cache = self._get_cache()
        if cache is not None:
            cache.put(
                result.cache_key,
                result.value,
                result.raw,
                result.error,
                self.identity,
                result.extra,
            )

    def _request(self, messages: list[dict[str, Any]]) -> _Reply:
        """One chat completion with the retry policy of :mod:`unifybench.judges.retry`."""
        import openai

        client = self._get_client()
        last = "no attempt made"
        attempts = 0
        for attempt in range(self.config.max_retries + 1):
            attempts += 1
            with self._lock:
                self.requests_made += 1
            retry_after: float | None = None
            try:
                resp = client.chat.completions.create(**self.request_body(messages))
                if isinstance(resp, str) or not getattr(resp, "choices", None):
                    last = "malformed response: no choices"
                else:
                    return _Reply(resp.choices[0].message.content, None, attempts)
            except openai.APITimeoutError:
                last = f"timed out after {self.config.timeout:g} s"
            except openai.APIConnectionError as exc:
                last = f"connection error: {self._scrub(str(exc))}"
            except openai.APIStatusError as exc:
                status = exc.status_code
                if status == 429 or status >= 500:
                    last = f"HTTP {status}"
                    retry_after = parse_retry_after(dict(exc.response.headers))
                else:  # other client errors will not go away by retrying
                    return _Reply(None, f"HTTP {status}: {self._scrub(str(exc))}", attempts)
            except (openai.APIResponseValidationError, json.JSONDecodeError, ValueError) as exc:
                last = f"malformed response: {self._scrub(type(exc).__name__)}"
            if attempt < self.config.max_retries:
                with self._lock:
                    delay = self.backoff.delay(attempt, self._rng, retry_after)
                log.info(
                    "judge %s: %s; retry %d/%d in %.2f s",
                    self.identity,
                    last,
                    attempt + 1,
                    self.config.max_retries,
                    delay,
                )
                time.sleep(delay)
        return _Reply(None, f"gave up after {attempts} attempt(s): {last}", attempts)

    def request_body(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The chat-completion arguments sent: model and messages, plus temperature, max_tokens
        and stream where configured (None sends nothing: the provider's default applies)."""
        body: dict[str, Any] = {"model": self.config.model, "messages": messages}
        for name in ("temperature", "max_tokens", "stream"):
            value = getattr(self.config, name)
            if value is not None:
                body[name] = value
        return body

    def _scrub(self, text: str) -> str:
        """Remove the API key from any text that may end up in a result or a log."""
        key = os.environ.get(self.config.api_key_env)
        return text.replace(key, "[redacted]") if key else text

    # -- lazily created resources ------------------------------------------------------------------
    def _get_client(self) -> Any:
        with self._lock:
            if self._client is None:
                import openai

                self._client = openai.OpenAI(
                    api_key=os.environ[self.config.api_key_env],
                    base_url=self.config.base_url,
                    timeout=self.config.timeout,
                    max_retries=0,  # the retry policy is ours (retry.py)
                )
            return self._client

    def _get_cache(self) -> JudgeCache | None:
        if not self.config.use_cache:
            return None
        with self._lock:
            if self._cache is None:
                self._cache = JudgeCache(self.config.resolved_cache_dir)
            return self._cache

    def close(self) -> None:
        """Close the HTTP client and the cache (a later call reopens them)."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
            if self._cache is not None:
                self._cache.close()
                self._cache = None


def _with_reask(messages: list[dict[str, Any]], suffix: str = REASK_SUFFIX) -> list[dict[str, Any]]:
    """The same stateless request with a format reminder appended to its one user message."""
    out: list[dict[str, Any]] = []
    for msg in messages:
        if msg["role"] != "user":
            out.append(msg)
        elif isinstance(msg["content"], str):
            out.append({"role": "user", "content": msg["content"] + suffix})
        else:
            parts = [dict(p) for p in msg["content"]]
            parts[0] = {"type": "text", "text": parts[0]["text"] + suffix}
            out.append({"role": "user", "content": parts})
    return out
