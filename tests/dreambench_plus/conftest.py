"""Fixtures of the DreamBench++ tests: the sample set and a folder shaped like the release."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dreambench_plus.shapes import write_release


@pytest.fixture(scope="session")
def dbpp_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DreamBench++ sample set, written once per session."""
    from unifybench.benchmarks.dreambench_plus.sample import write_sample

    return write_sample(tmp_path_factory.mktemp("dbpp") / "sample")


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A folder shaped exactly like the release (docs/data.md), with invented content."""
    return write_release(tmp_path / "data")
