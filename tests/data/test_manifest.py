"""manifest_hash: what it covers, stability, sensitivity, caching."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.helpers import copy_sample
from unifybench.benchmarks import load_benchmark
from unifybench.data import manifest
from unifybench.data.manifest import benchmark_files, manifest_hash
from unifybench.errors import DataError


def test_manifest_covers_metadata_and_images(sample_benchmark) -> None:
    rel = {str(p.relative_to(sample_benchmark.root)) for p in benchmark_files(sample_benchmark)}
    assert {"concepts_list.json", "concept/train/train_images.json", "test_data/astro.json",
            "concept/train/astro/info.json", "concept/test/astro/t2i_conditions.json",
            "concept/test/astro/0.png", "concept/train/astro/0.png", "random_images/0.png",
            "black_512x512.png"} <= rel  # fmt: skip
    assert "template.json" not in rel and "README.md" not in rel


def test_manifest_is_location_independent_and_content_sensitive(
    sample_root: Path, sample_benchmark, tmp_path: Path
) -> None:
    original = manifest_hash(sample_benchmark)
    assert original == manifest_hash(sample_benchmark)
    copy = copy_sample(sample_root, tmp_path / "elsewhere")
    assert manifest_hash(load_benchmark(copy)) == original
    image = copy / "concept/test/cup/4.png"
    image.write_bytes(image.read_bytes() + b"\0")
    assert manifest_hash(load_benchmark(copy)) != original


def test_manifest_reuses_cached_digests(
    sample_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIFYBENCH_CACHE_DIR", str(tmp_path / "cache"))
    copy = copy_sample(sample_root, tmp_path / "ds")
    first = manifest_hash(load_benchmark(copy))
    manifest._MEMORY.clear()  # as in a fresh process: only the disk cache remains

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"re-hashed unchanged file {path}")

    monkeypatch.setattr(manifest, "_digest", no_hashing)
    assert manifest_hash(load_benchmark(copy)) == first


def test_manifest_missing_file(sample_root: Path, tmp_path: Path) -> None:
    copy = copy_sample(sample_root, tmp_path / "ds")
    (copy / "random_images/3.png").unlink()
    b = load_benchmark(copy)
    (copy / "concept/train/cup/0.png").unlink()
    with pytest.raises(DataError, match=r"cup/0\.png.*file not found"):
        manifest_hash(b)


def test_manifest_of_a_benchmark_built_in_memory(sample_benchmark) -> None:
    from dataclasses import replace

    bare = replace(sample_benchmark, metadata_files=())
    files = benchmark_files(bare)
    assert files and all(p.suffix == ".png" for p in files)
    assert manifest_hash(bare) != manifest_hash(sample_benchmark)
