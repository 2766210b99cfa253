"""The DreamBench++ adapter: :mod:`.loader`, :mod:`.check`, :mod:`.sample`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from unifybench.benchmarks.base import BenchmarkAdapter, BenchmarkSpec
from unifybench.benchmarks.dreambench_plus import SPEC

if TYPE_CHECKING:
    from unifybench.data.problems import CheckReport
    from unifybench.data.records import Benchmark


class DreamBenchPlusAdapter(BenchmarkAdapter):
    """Folder, data.zip or hub repo -> records; check; the offline sample set."""

    spec: ClassVar[BenchmarkSpec] = SPEC
    sample_marker: ClassVar[str] = "# DreamBench++ sample"

    def load(
        self,
        source: str,
        *,
        concepts: Sequence[str] | None = None,
        revision: str | None = None,
        **options: Any,
    ) -> Benchmark:
        from unifybench.benchmarks.dreambench_plus.loader import load

        return load(source, revision=revision, concepts=concepts, **options)

    def check(self, source: str) -> CheckReport:
        from unifybench.benchmarks.dreambench_plus.check import check_source

        return check_source(source)

    def write_sample(self, out_dir: str | Path) -> Path:
        from unifybench.benchmarks.dreambench_plus.sample import write_sample

        return write_sample(Path(out_dir))
