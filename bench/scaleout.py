"""Scale-out: 2 Ray workers against the local executor, same CPU-bound method, same run.

Method: ``no-personalization`` drawing 512 x 512 seeded noise images (numpy + PNG encoding: pure
CPU, no I/O wait) and answering the understanding items, on the sample benchmark (3 concepts).
Times, in one process and one run:

- local: ``api.predict(..., executor="local")`` (the baseline);
- Ray start-up: ``ray.init`` of a 2-CPU local cluster on 127.0.0.1 plus one warm-up task per
  worker (process start and imports), i.e. Ray's fixed cost;
- Ray, one unit per concept (3 units on 2 workers: at most 1.5x by construction);
- Ray, ``--ray-shards 2`` (6 units on 2 workers).

Every run writes into its own fresh run folder; the Ray runs' predictions are checked equal to the
local run's (records without timings, and image bytes). Ratios are local time / Ray time, with and
without Ray's fixed cost. Run it inside a loopback-only namespace if you like:
``unshare -n sh -c 'ip link set lo up && python bench/scaleout.py'`` (as root).

Usage: python bench/scaleout.py [--images-per-prompt 1] [--repeats 1]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

METHOD = "no-personalization"


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


def _predict(data: Path, out: Path, name: str, ipp: int, executor: Any) -> float:
    from unifybench import api

    started = time.perf_counter()
    api.predict(
        METHOD,
        data=data,
        out=out,
        run_name=name,
        images_per_prompt=ipp,
        progress=False,
        executor=executor,
    )
    return time.perf_counter() - started


def _warm(n: int) -> None:
    import ray

    @ray.remote(num_cpus=1)
    def warm() -> int:
        import methods.no_personalization  # noqa: F401
        import unifybench.runner.executors.units  # noqa: F401

        time.sleep(0.2)  # hold the CPU so the two warm-ups land on two workers
        return os.getpid()

    ray.get([warm.remote() for _ in range(n)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images-per-prompt", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per variant (median)")
    args = parser.parse_args()

    from unifybench.data.sample import write_sample
    from unifybench.runner.executors.ray_executor import RayExecutor

    load = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="scaleout-"))
    try:
        data = Path(write_sample(tmp / "data"))
        out = tmp / "runs"
        times: dict[str, list[float]] = {"local": [], "ray": [], "ray-shards2": []}
        executor = RayExecutor(num_cpus=2)
        started = time.perf_counter()
        executor.start()
        init_s = time.perf_counter() - started
        _warm(2)
        startup_s = time.perf_counter() - started
        ipp = args.images_per_prompt
        try:
            # Interleaved, so that load from other processes hits every variant alike.
            for k in range(args.repeats):
                times["local"].append(_predict(data, out, f"local{k}", ipp, "local"))
                executor.shards = 1
                times["ray"].append(_predict(data, out, f"ray{k}", ipp, executor))
                executor.shards = 2
                times["ray-shards2"].append(_predict(data, out, f"shards{k}", ipp, executor))
        finally:
            executor.close()
        reference = _contents(out / "local0")
        for name in ("ray0", "shards0"):
            same = _contents(out / name) == reference
            print(f"check: {name} predictions and images equal the local run's: {same}")
            if not same:
                raise SystemExit(f"{name}: predictions differ from the local run")

        n_items = len(reference[0])
        n_images = len(reference[1])
        med = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"\nsample benchmark, {METHOD} (512 px noise + PNG): {n_items} items, "
            f"{n_images} images (images/prompt={ipp}); cores={os.cpu_count()}, "
            f"repeats={args.repeats} (median), load average before={load[0]:.1f}"
        )
        print(f"local executor (baseline)         {med['local']:7.2f} s")
        print(f"ray start-up: ray.init            {init_s:7.2f} s")
        print(f"ray start-up: + 2 warm workers    {startup_s:7.2f} s   (fixed cost)")
        for key, label in (
            ("ray", "ray, 2 workers, 3 units"),
            ("ray-shards2", "ray, 2 workers, 6 units"),
        ):
            t = med[key]
            print(
                f"{label:<33} {t:7.2f} s   speedup {med['local'] / t:4.2f}x, "
                f"with start-up {med['local'] / (t + startup_s):4.2f}x"
            )
        print(
            f"\nratios: fixed cost / local run = {startup_s / med['local']:.2f}; "
            f"break-even local run length at this speedup: "
            f"{startup_s / max(1e-9, 1 - med['ray-shards2'] / med['local']):.1f} s"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
