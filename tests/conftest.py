"""Fixtures shared by every test: offline settings and the sample benchmark."""

from __future__ import annotations

import os

# Set before anything imports huggingface_hub or ray: hub calls fail fast, ray needs no token.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["RAY_AUTH_MODE"] = "disabled"

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly written sample benchmark (official layout), shared by the whole session."""
    from unifybench.benchmarks.unifybench.sample import write_sample

    return write_sample(tmp_path_factory.mktemp("sample") / "unifybench_sample")


@pytest.fixture(scope="session")
def sample_benchmark(sample_root: Path):
    """The sample benchmark, loaded."""
    from unifybench.benchmarks import load_benchmark

    return load_benchmark(sample_root)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the manifest digest cache (and other unifybench caches) out of the user's home."""
    os.environ.setdefault("UNIFYBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("ub_cache")))
