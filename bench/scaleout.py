"""Scale-out: 2 Ray workers against the local executor on the sample benchmark, in one run.

Two methods, each run to completion with the local executor (the baseline) and with the Ray
executor on a private 2-CPU cluster (127.0.0.1), interleaved so that load from other processes
hits every variant alike:

- ``busy``: a CPU-bound test method (pure-Python arithmetic per item, ~30 ms; answers and tiny
  images derived from the result), defined below;
- ``no-personalization``: the real baseline, drawing 512 x 512 seeded noise images (numpy + PNG).

Ray runs use one unit per concept (3 units on 2 workers: at most 1.5x by construction) and
``--ray-shards 2`` (6 units). Also timed: Ray's fixed cost (``ray.init`` plus one warm-up task per
worker: process start and imports), and the hardware ceiling: the same per-item work in 1 process vs
2 plain processes (multiprocessing, no Ray), i.e. the best speedup two workers can have here.
Every Ray run's predictions (records without timings, image bytes) are checked equal to the local
run's. As root, ``unshare -n sh -c 'ip link set lo up && python bench/scaleout.py'`` keeps all
traffic on loopback.

Usage: python bench/scaleout.py [--repeats 2] [--work 300000]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


def spin(seed: int, n: int) -> int:
    """Pure-Python CPU work: ``n`` rounds of integer arithmetic (no GIL release, no memory)."""
    x = seed & 0xFFFFFFFF
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    return x


class Busy:
    """CPU-bound test method: every answer and image costs ``work`` rounds of :func:`spin`."""

    name: ClassVar[str] = "busy"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding", "generation"})

    def __init__(self, work: int = 300_000) -> None:
        self.work = work

    def params(self) -> dict[str, Any]:
        return {"work": self.work}

    def personalize(self, concept: Any, workdir: Path) -> str:
        return concept.id

    def answer(self, state: str, question: str, image: Any) -> str:
        digest = int(hashlib.sha256(f"{state}:{question}".encode()).hexdigest()[:8], 16)
        return f"{state} {spin(digest, self.work) % 1000}"

    def generate(self, state: str, prompt: str, n: int, seed: int) -> list[Any]:
        from PIL import Image

        return [Image.new("RGB", (8, 8), (spin(seed + k, self.work) % 256, 0, 0)) for k in range(n)]


def _noise_item(seed: int) -> None:
    import io

    import numpy as np
    from PIL import Image

    for k in range(2):
        px = np.random.default_rng([seed, k]).integers(0, 256, (512, 512, 3), dtype=np.uint8)
        Image.fromarray(px, "RGB").save(io.BytesIO(), format="PNG", compress_level=1)


def _busy_item(seed: int, work: int) -> None:
    spin(seed, work)


def _per_item(kind: str, work: int, items: int, seed: int) -> float:
    started = time.perf_counter()
    for k in range(items):
        _busy_item(seed + k, work) if kind == "busy" else _noise_item(seed + k)
    return (time.perf_counter() - started) / items


def hardware_ceiling(kind: str, work: int, items: int = 60) -> float:
    """2 x (time per item in 1 process) / (time per item with 2 processes at once)."""
    one = _per_item(kind, work, items, 0)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        two = pool.starmap(_per_item, [(kind, work, items, 1), (kind, work, items, 2)])
    return 2 * one / statistics.mean(two)


def _contents(run_dir: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    from unifybench.runner.jsonl import read_records

    records = [
        {k: v for k, v in r.items() if k != "seconds"}
        for r in read_records(run_dir / "predictions.jsonl")
    ]
    images = {
        p.relative_to(run_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((run_dir / "images").rglob("*.png"))
    }
    return records, images


def _predict(method: Any, data: Path, out: Path, name: str, executor: Any) -> float:
    from unifybench import api

    started = time.perf_counter()
    api.predict(
        method, data=data, out=out, run_name=name, images_per_prompt=2, progress=False,
        executor=executor,
    )  # fmt: skip
    return time.perf_counter() - started


def _warm(n: int) -> None:
    import ray

    @ray.remote(num_cpus=1)
    def warm() -> int:
        import methods.no_personalization  # noqa: F401
        import unifybench.runner.executors.units  # noqa: F401

        time.sleep(0.2)  # hold the CPU so the warm-ups land on n different workers
        return os.getpid()

    ray.get([warm.remote() for _ in range(n)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per variant (median)")
    parser.add_argument("--work", type=int, default=300_000, help="spin rounds per busy item")
    args = parser.parse_args()

    from methods.no_personalization import NoPersonalization
    from unifybench.benchmarks.unifybench.sample import write_sample
    from unifybench.runner.executors.ray_executor import RayExecutor

    load = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="scaleout-"))
    try:
        data = Path(write_sample(tmp / "data"))
        out = tmp / "runs"
        executor = RayExecutor(num_cpus=2)
        started = time.perf_counter()
        executor.start()
        init_s = time.perf_counter() - started
        _warm(2)
        startup_s = time.perf_counter() - started
        methods = {"busy": Busy(args.work), "no-personalization": NoPersonalization()}
        kinds = {"busy": "busy", "no-personalization": "noise"}
        times: dict[tuple[str, str], list[float]] = {}
        try:
            # Interleaved, and the ceiling measured right before each method's runs: the load
            # from other processes changes by the second on a shared machine.
            for k in range(args.repeats):
                for label, method in methods.items():
                    ceiling = hardware_ceiling(kinds[label], args.work)
                    times.setdefault((label, "ceiling"), []).append(ceiling)
                    for variant, shards in (("local", 0), ("ray 3 units", 1), ("ray 6 units", 2)):
                        name = f"{label}-{variant.replace(' ', '')}-{k}"
                        if shards:
                            executor.shards = shards
                        runner = executor if shards else "local"
                        seconds = _predict(method, data, out, name, runner)
                        times.setdefault((label, variant), []).append(seconds)
        finally:
            executor.close()
        for label in methods:
            reference = _contents(out / f"{label}-local-0")
            for variant in ("ray3units", "ray6units"):
                if _contents(out / f"{label}-{variant}-0") != reference:
                    raise SystemExit(f"{label} {variant}: predictions differ from the local run")
        print("check: every Ray run's predictions and images equal the local run's")

        print(
            f"\nsample benchmark (3 concepts, 150 items, 2 images/prompt); cores={os.cpu_count()}, "
            f"repeats={args.repeats} (medians of per-repeat figures), "
            f"load average before={load:.1f}"
        )
        print(f"ray fixed cost: ray.init {init_s:.2f} s; with 2 warm workers {startup_s:.2f} s")
        for label in methods:
            local = times[(label, "local")]
            ceiling = statistics.median(times[(label, "ceiling")])
            print(
                f"\n{label}: local executor {statistics.median(local):.2f} s; hardware ceiling "
                f"(2 plain processes vs 1) {ceiling:.2f}x"
            )
            for variant in ("ray 3 units", "ray 6 units"):
                ray_t = times[(label, variant)]
                speedup = statistics.median(a / b for a, b in zip(local, ray_t, strict=True))
                with_fixed = statistics.median(
                    a / (b + startup_s) for a, b in zip(local, ray_t, strict=True)
                )
                print(
                    f"  {variant}: {statistics.median(ray_t):6.2f} s  speedup {speedup:4.2f}x "
                    f"({speedup / ceiling:.0%} of the ceiling), with fixed cost {with_fixed:4.2f}x"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
