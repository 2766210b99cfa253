"""The UnifyBench data layer: typed records, the loader, the checker and the sample benchmark.

``load_benchmark(source)`` reads a local dataset folder or the hub repo; see docs/data.md.
"""

from unifybench.data.loader import load_benchmark, load_local

__all__ = ["load_benchmark", "load_local"]
