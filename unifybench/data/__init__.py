"""The data layer shared by every benchmark: typed records, path confinement, problem reports,
the manifest hash and the ``datasets`` export.

Loading a particular benchmark is its adapter's job (:mod:`unifybench.benchmarks`);
``unifybench.benchmarks.load_benchmark(source)`` reads a folder, a hub repo or ``NAME:SOURCE``.
"""
