"""What a benchmark is: a :class:`BenchmarkSpec` (facts) and a :class:`BenchmarkAdapter` (code).

The spec says what the benchmark offers: its protocols, its tasks, the dataset ids its results
carry (with their display texts, and which one is the never-ranked sample set). The adapter turns a
source (a folder, a hub repo, a ``datasets`` dataset) into the typed records of
:mod:`unifybench.data.records`, checks a source and writes the offline sample set. A benchmark
known only from reported numbers has a spec without an adapter.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from unifybench.errors import ConfigError
from unifybench.protocols import Protocol

if TYPE_CHECKING:
    from unifybench.data.problems import CheckReport
    from unifybench.data.records import Benchmark


def cache_dir() -> Path:
    """UnifyBench's cache: $UNIFYBENCH_CACHE_DIR, else ~/.cache/unifybench."""
    if os.environ.get("UNIFYBENCH_CACHE_DIR"):
        return Path(os.environ["UNIFYBENCH_CACHE_DIR"])
    return Path.home() / ".cache" / "unifybench"


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset id that results carry (``benchmark.dataset``) and how boards title it."""

    id: str
    display: str
    description: str = ""
    sample: bool = False  # a smoke-test set: never research numbers, never ranked


@dataclass(frozen=True)
class BenchmarkSpec:
    """One benchmark. ``name`` is what ``--data NAME:SOURCE`` uses; ``adapter`` is the
    ``module:Class`` of its :class:`BenchmarkAdapter` (None for a benchmark known only from
    reported numbers); ``source_help`` says what SOURCE may be."""

    name: str
    display: str
    description: str
    protocols: tuple[Protocol, ...]
    tasks: tuple[str, ...]
    datasets: tuple[DatasetSpec, ...]
    default_protocol: str = ""
    adapter: str | None = None
    source_help: str = ""

    def __post_init__(self) -> None:
        problems = []
        if not self.name or ":" in self.name or "/" in self.name:
            problems.append(f"name must be non-empty without ':' or '/', got {self.name!r}")
        names = [p.name for p in self.protocols]
        if not names or len(set(names)) != len(names):
            problems.append(f"protocols must be one or more distinct names, got {names}")
        default = self.default_protocol or (names[0] if names else "")
        object.__setattr__(self, "default_protocol", default)
        if default not in names:
            problems.append(f"default_protocol {default!r} is not one of {names}")
        if not self.tasks:
            problems.append("tasks must name at least one task")
        if not self.datasets:
            problems.append("datasets must give at least one dataset id")
        if problems:
            raise ValueError(f"benchmark {self.name!r}: " + "; ".join(problems))

    @property
    def runnable(self) -> bool:
        """Whether this harness can run it (it has an adapter)."""
        return self.adapter is not None

    @property
    def protocol_names(self) -> list[str]:
        return [p.name for p in self.protocols]

    def protocol(self, name: str | None = None) -> Protocol:
        """The protocol called ``name`` (default: the default protocol); ConfigError otherwise."""
        wanted = name or self.default_protocol
        for protocol in self.protocols:
            if protocol.name == wanted:
                return protocol
        raise ConfigError(
            f"unknown protocol {wanted!r} for benchmark {self.name}; "
            f"expected one of {', '.join(self.protocol_names)}"
        )

    def runnable_protocol(self, name: str | None = None) -> Protocol:
        """:meth:`protocol`, refusing a protocol known only from reported numbers."""
        protocol = self.protocol(name)
        if not protocol.runnable:
            runnable = [p.name for p in self.protocols if p.runnable]
            raise ConfigError(
                f"protocol {protocol.name!r} of {self.name} is known only from reported numbers; "
                f"runnable: {', '.join(runnable) or 'none'}"
            )
        return protocol

    @property
    def sample_dataset(self) -> DatasetSpec | None:
        return next((d for d in self.datasets if d.sample), None)

    def make_adapter(self) -> BenchmarkAdapter:
        """An instance of the adapter; ConfigError for a reported-only benchmark."""
        from unifybench.registry import import_target

        if self.adapter is None:
            raise ConfigError(
                f"benchmark {self.name} is known here only from reported numbers; it cannot be "
                "loaded or run"
            )
        cls = import_target(self.adapter)
        if not (isinstance(cls, type) and issubclass(cls, BenchmarkAdapter)):
            raise ConfigError(f"{self.adapter} is not a BenchmarkAdapter subclass")
        return cls()


class BenchmarkAdapter(ABC):
    """The code of a benchmark: load a source, check it, write the sample set.

    Subclasses set ``spec`` and implement :meth:`load`, :meth:`check` and :meth:`write_sample`;
    the sample cache, the sample test and dataset naming are shared.
    """

    spec: ClassVar[BenchmarkSpec]
    # First line of the README that a sample set written by write_sample starts with.
    sample_marker: ClassVar[str] = ""

    @abstractmethod
    def load(
        self,
        source: str,
        *,
        concepts: Sequence[str] | None = None,
        revision: str | None = None,
        **options: Any,
    ) -> Benchmark:
        """The benchmark at ``source`` (only ``concepts`` if given); DataError naming the file,
        the field and what was expected for anything malformed."""

    @abstractmethod
    def check(self, source: str) -> CheckReport:
        """Every problem of ``source`` (never raises for bad data)."""

    @abstractmethod
    def write_sample(self, out_dir: str | Path) -> Path:
        """Write the offline sample set into ``out_dir``; return its root."""

    def sample_root(self) -> Path:
        """The sample set, written on first use into the cache directory."""
        import unifybench

        target = cache_dir() / f"{self.spec.name}-sample-{unifybench.__version__}"
        if target.is_dir():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="sample-", dir=target.parent))
        try:
            root = Path(self.write_sample(tmp / "data"))
            if target.exists():
                shutil.rmtree(target)
            os.replace(root, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return target

    def is_sample(self, benchmark: Benchmark) -> bool:
        """True for the smoke-test sample set (its README starts with :attr:`sample_marker`)."""
        if not self.sample_marker:
            return False
        readme = Path(benchmark.root) / "README.md"
        try:
            with readme.open(encoding="utf-8") as fh:
                return fh.readline().startswith(self.sample_marker)
        except OSError:
            return False

    def dataset_name(self, benchmark: Benchmark) -> str:
        """The dataset id results carry: the sample set's id for the sample, else the loader's."""
        sample = self.spec.sample_dataset
        if sample is not None and self.is_sample(benchmark):
            return sample.id
        return benchmark.name
