"""A content hash of exactly the files a loaded benchmark uses, recorded in every run.

Covered: concepts_list.json, concept/train/train_images.json, and per loaded concept its
info.json, t2i_conditions.json, test_data/<c>.json, training, test, cropped and hard-negative
images, the random negatives and every image an understanding item points to (the black
placeholder included). Not covered: files the evaluation never reads (training dialogues,
template.json, score.json, README).

A Benchmark built in memory (no loader, so no ``metadata_files``) is covered by its images only.

The hash is sha256 over lines ``<path relative to root>\\0<sha256 of the file>\\n`` in sorted path
order, so it does not depend on where the dataset lives. File digests are cached by (size, mtime)
in memory and in ``$UNIFYBENCH_CACHE_DIR`` (default ``~/.cache/unifybench``), so a re-run over an
unchanged dataset only stats the files.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from unifybench.data.records import Benchmark
from unifybench.errors import DataError

MANIFEST_VERSION = 1
_MEMORY: dict[str, tuple[int, int, str]] = {}


def benchmark_files(benchmark: Benchmark) -> list[Path]:
    """Every file the benchmark uses (see the module docstring), without duplicates, sorted."""
    files: set[Path] = set(benchmark.metadata_files)
    for concept in benchmark.concepts.values():
        files.update(concept.train_images)
        files.update(concept.test_images)
        files.update(concept.cropped_images)
        files.update(concept.hard_negatives)
        files.update(concept.random_negatives)
    for items in benchmark.understanding.values():
        files.update(item.image for item in items if item.image is not None)
    return sorted(files)


def _cache_file(root: Path) -> Path:
    base = Path(os.environ.get("UNIFYBENCH_CACHE_DIR") or Path.home() / ".cache" / "unifybench")
    key = hashlib.sha256(str(root).encode("utf-8")).hexdigest()[:16]
    return base / "manifest" / f"{key}.json"


def _load_disk_cache(path: Path) -> dict[str, list]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_digests(benchmark: Benchmark) -> dict[str, str]:
    """{relative path: sha256} of :func:`benchmark_files`; DataError for a missing file."""
    root = benchmark.root
    cache_path = _cache_file(root)
    disk = _load_disk_cache(cache_path)
    changed = False
    out: dict[str, str] = {}
    for path in benchmark_files(benchmark):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise DataError(path, "", "file not found (the benchmark uses it)") from None
        key = str(path)
        stamp = (st.st_size, st.st_mtime_ns)
        hit = _MEMORY.get(key)
        if hit is None and key in disk and isinstance(disk[key], list) and len(disk[key]) == 3:
            hit = tuple(disk[key])  # type: ignore[assignment]
        if hit is not None and (hit[0], hit[1]) == stamp:
            digest = hit[2]
        else:
            digest = _digest(path)
            changed = True
        _MEMORY[key] = (*stamp, digest)
        disk[key] = [*stamp, digest]
        out[os.path.relpath(path, root).replace(os.sep, "/")] = digest
    if changed:
        try:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(disk), encoding="utf-8")
            os.replace(tmp, cache_path)
        except OSError:
            pass  # a read-only home only costs re-hashing next time
    return out


def manifest_hash(benchmark: Benchmark) -> str:
    """sha256 (hex) identifying the content of every file the benchmark uses."""
    h = hashlib.sha256(f"unifybench-manifest-v{MANIFEST_VERSION}\n".encode())
    for rel, digest in sorted(file_digests(benchmark).items()):
        h.update(f"{rel}\0{digest}\n".encode())
    return h.hexdigest()
