"""Fixtures for the runner tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def tiny(tmp_path: Path):
    from tests.runner.support import tiny_benchmark

    return tiny_benchmark(tmp_path / "data")


@pytest.fixture(autouse=True)
def _reset_calls():
    from tests.runner.support import EchoMethod

    EchoMethod.calls.clear()
    yield
    EchoMethod.calls.clear()
