"""Benchmarks: one module (or package) per benchmark here, each defining ``BENCHMARKS``.

A benchmark is a :class:`~unifybench.benchmarks.base.BenchmarkSpec` (protocols, tasks, dataset
ids) with, when it can be run here, a :class:`~unifybench.benchmarks.base.BenchmarkAdapter`
(load, check, sample). Other packages add benchmarks through the entry point group
``unifybench.benchmarks``. On the command line a source is addressed as ``--data NAME:SOURCE``;
a bare path or hub repo id means UnifyBench (:data:`DEFAULT`), and ``NAME:`` alone means that
benchmark's offline sample set.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unifybench.benchmarks.base import BenchmarkAdapter, BenchmarkSpec, DatasetSpec, cache_dir
from unifybench.registry import Registry

if TYPE_CHECKING:
    from unifybench.data.records import Benchmark
    from unifybench.protocols import Protocol

ENTRY_POINT_GROUP = "unifybench.benchmarks"
DEFAULT = "unifybench"


def _check(obj: Any) -> None:
    if not isinstance(obj, BenchmarkSpec):
        raise TypeError(f"expected a BenchmarkSpec, got {type(obj).__name__}")


BENCHMARKS: Registry[BenchmarkSpec] = Registry(
    "benchmark", check=_check, entry_point_group=ENTRY_POINT_GROUP
)
BENCHMARKS.discover("unifybench.benchmarks", "BENCHMARKS")


def get_benchmark(name: str) -> BenchmarkSpec:
    """The benchmark named ``name``; ConfigError listing the known ones when unknown."""
    return BENCHMARKS.get(name)


def all_benchmarks() -> list[BenchmarkSpec]:
    """Every benchmark spec, the default first."""
    specs = BENCHMARKS.values()
    return sorted(specs, key=lambda b: (b.name != DEFAULT, b.name))


def adapter(name: str = DEFAULT) -> BenchmarkAdapter:
    """The adapter of the benchmark ``name``."""
    return get_benchmark(name).make_adapter()


def benchmark_for_dataset(dataset: str) -> BenchmarkSpec | None:
    """The benchmark whose results carry the dataset id ``dataset`` (None when no spec says so:
    a local folder's results carry the folder's name)."""
    for spec in all_benchmarks():
        if any(d.id == dataset for d in spec.datasets):
            return spec
    return None


def dataset_spec(dataset: str) -> DatasetSpec | None:
    """How the dataset id ``dataset`` is titled, if a benchmark declares it."""
    for spec in all_benchmarks():
        for d in spec.datasets:
            if d.id == dataset:
                return d
    return None


def known_protocols() -> dict[str, Protocol]:
    """Protocol name -> protocol, over every benchmark (the first benchmark's wins a name)."""
    out: dict[str, Protocol] = {}
    for spec in all_benchmarks():
        for protocol in spec.protocols:
            out.setdefault(protocol.name, protocol)
    return out


def split_data(data: str | Path | None) -> tuple[BenchmarkSpec, str | None]:
    """(benchmark, source) of a ``--data`` value.

    ``NAME:SOURCE`` where NAME is a registered benchmark (and the value is not an existing path);
    anything else is a source of the default benchmark. No source (None, ``NAME:``) means the
    benchmark's sample set.
    """
    if data is None:
        return get_benchmark(DEFAULT), None
    text = str(data)
    name, sep, rest = text.partition(":")
    if sep and name and name in BENCHMARKS and not Path(text).exists():
        return get_benchmark(name), rest or None
    return get_benchmark(DEFAULT), text or None


def data_label(spec: BenchmarkSpec, source: str | Path) -> str:
    """How a run records its data: the bare source for the default benchmark (as runs always
    did), ``NAME:SOURCE`` otherwise, so that it loads again with :func:`load_benchmark`."""
    return str(source) if spec.name == DEFAULT else f"{spec.name}:{source}"


def load_data(
    data: str | Path | None,
    *,
    concepts: Sequence[str] | None = None,
    revision: str | None = None,
    **options: Any,
) -> tuple[Benchmark, BenchmarkAdapter, str]:
    """(benchmark, its adapter, the data label to record) for a ``--data`` value."""
    spec, source = split_data(data)
    loader = spec.make_adapter()
    root = str(loader.sample_root()) if source is None else source
    benchmark = loader.load(root, concepts=concepts, revision=revision, **options)
    return benchmark, loader, data_label(spec, root)


def load_benchmark(
    data: str | Path | None,
    *,
    concepts: Sequence[str] | None = None,
    revision: str | None = None,
    **options: Any,
) -> Benchmark:
    """Load a benchmark from a ``--data`` value (folder, hub repo id, ``NAME:SOURCE``)."""
    return load_data(data, concepts=concepts, revision=revision, **options)[0]


__all__ = [
    "BENCHMARKS",
    "DEFAULT",
    "BenchmarkAdapter",
    "BenchmarkSpec",
    "DatasetSpec",
    "adapter",
    "all_benchmarks",
    "benchmark_for_dataset",
    "cache_dir",
    "data_label",
    "dataset_spec",
    "get_benchmark",
    "known_protocols",
    "load_benchmark",
    "load_data",
    "split_data",
]
