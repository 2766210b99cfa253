"""The UnifyBench adapter: the official folder layout (docs/data.md) or the hub repo."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from unifybench.benchmarks.base import BenchmarkAdapter, BenchmarkSpec
from unifybench.benchmarks.unifybench import SPEC

if TYPE_CHECKING:
    from unifybench.data.problems import CheckReport
    from unifybench.data.records import Benchmark


class UnifyBenchAdapter(BenchmarkAdapter):
    """Loads :mod:`.loader`, checks with :mod:`.check`, writes :mod:`.sample`."""

    spec: ClassVar[BenchmarkSpec] = SPEC
    sample_marker: ClassVar[str] = "# UnifyBench sample"

    def load(
        self,
        source: str,
        *,
        concepts: Sequence[str] | None = None,
        revision: str | None = None,
        **options: Any,
    ) -> Benchmark:
        from unifybench.benchmarks.unifybench.loader import load_benchmark

        return load_benchmark(source, revision=revision, concepts=concepts, **options)

    def check(self, source: str) -> CheckReport:
        from unifybench.benchmarks.unifybench.check import check_dataset

        return check_dataset(source)

    def write_sample(self, out_dir: str | Path) -> Path:
        from unifybench.benchmarks.unifybench.sample import write_sample

        return Path(write_sample(Path(out_dir)))
