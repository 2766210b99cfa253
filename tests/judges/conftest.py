"""Fixtures for judge tests: a loopback OpenAI-compatible server and judge configs pointed at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.openai_server import FakeOpenAI
from unifybench.judges import JudgeConfig

os.environ.setdefault("HF_HUB_OFFLINE", "1")

KEY_ENV = "UNIFYBENCH_TEST_JUDGE_KEY"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as srv:
        yield srv


@pytest.fixture
def judge_key(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> str:
    """Put the server's key into the environment variable the test configs name."""
    monkeypatch.setenv(KEY_ENV, server.api_key)
    return server.api_key


def fast_config(server: FakeOpenAI, cache_dir: Path, **overrides: object) -> JudgeConfig:
    """A text judge config against the loopback server with short timeouts and backoff."""
    values: dict[str, object] = {
        "role": "text",
        "base_url": server.base_url,
        "model": "fake-judge",
        "api_key_env": KEY_ENV,
        "prompt": "text",
        "timeout": 1.0,
        "max_retries": 3,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "retry_after_max": 0.3,
        "concurrency": 4,
        "cache_dir": cache_dir,
    }
    values.update(overrides)
    return JudgeConfig(**values)  # type: ignore[arg-type]
