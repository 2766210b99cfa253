"""Runner overhead: the predict stage over 10,000 items of a no-op method vs. a bare loop.

The bare loop writes the same records (same fields, JSON, one flushed line per item) to a JSONL
file with nothing else. The runner adds planning, resume bookkeeping, per-item seeds (and seeding
the global generators), type checks, timing and the provenance/config files. Target: <= 2x.

    python bench/runner_overhead.py [--items 10000] [--repeats 3]

Prints both times (best of ``--repeats``) and their ratio. Understanding items without images are
used so that the figure is the runner's own cost, not PNG encoding or image decoding.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from unifybench.data.records import Benchmark, Concept, UnderstandingItem
from unifybench.runner.config import RunConfig
from unifybench.runner.predict import run_predictions
from unifybench.runner.seeds import item_seed


class NoOp:
    """Answers instantly with a constant."""

    name: ClassVar[str] = "noop"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding"})

    def personalize(self, concept: Concept, workdir: Path) -> None:
        return None

    def answer(self, state: Any, question: str, image: Any) -> str:
        return "Yes."

    def generate(self, state: Any, prompt: str, n: int, seed: int) -> list[Any]:
        return []


class NoOpOwnRng(NoOp):
    """The same, declaring that it uses no global random generator (no per-item global seeding)."""

    seed_global_rngs: ClassVar[bool] = False


def make_benchmark(root: Path, n_items: int, n_concepts: int = 20) -> Benchmark:
    """n_items vqa questions (no image) spread over n_concepts concepts."""
    concepts, understanding = {}, {}
    per = n_items // n_concepts
    for c in range(n_concepts):
        cid = f"c{c}"
        concepts[cid] = Concept(cid, "object", "cup", f"<{cid}> is a cup.", (), "object", (), ())
        understanding[cid] = tuple(
            UnderstandingItem(f"{cid}/vqa/{i}", cid, "vqa", i, f"What is <{cid}>?", "a cup", None)
            for i in range(per)
        )
    return Benchmark(root=root, concepts=concepts, understanding=understanding, name="bench")


def bare_loop(benchmark: Benchmark, path: Path) -> float:
    """Write the same records with nothing else; returns seconds."""
    method = NoOp()
    started = time.perf_counter()
    with path.open("a", encoding="utf-8") as fh:
        for cid, items in benchmark.understanding.items():
            state = method.personalize(benchmark.concepts[cid], path.parent)
            for item in items:
                t0 = time.perf_counter()
                out = method.answer(state, item.question, None)
                record = {
                    "id": item.id,
                    "concept": cid,
                    "task": item.task,
                    "status": "ok",
                    "output": out,
                    "images": None,
                    "error": None,
                    "seed": item_seed(0, item.id),
                    "seconds": round(time.perf_counter() - t0, 4),
                    "method": "noop",
                    "protocol": "v2",
                }
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                fh.flush()
    return time.perf_counter() - started


def runner(benchmark: Benchmark, run_dir: Path, method: NoOp) -> float:
    """The real predict stage; returns seconds."""
    config = RunConfig(method="noop", data=str(benchmark.root), dataset="bench", seed=0)
    started = time.perf_counter()
    summary = run_predictions(method, benchmark, run_dir, config, progress=False)
    elapsed = time.perf_counter() - started
    assert summary.ok == sum(len(v) for v in benchmark.understanding.values()), summary
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import numpy  # noqa: F401  (imported in every real run; the runner then seeds it per item)

    bare_times, runner_times, own_rng_times = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        benchmark = make_benchmark(Path(tmp), args.items)
        for r in range(args.repeats):  # interleaved, so machine load hits all three alike
            bare_times.append(bare_loop(benchmark, Path(tmp) / f"bare{r}.jsonl"))
            runner_times.append(runner(benchmark, Path(tmp) / f"run{r}", NoOp()))
            own_rng_times.append(runner(benchmark, Path(tmp) / f"own{r}", NoOpOwnRng()))
    bare, run, own = min(bare_times), min(runner_times), min(own_rng_times)
    n = args.items
    print(f"items: {n} (no-op method, best of {args.repeats})")
    print(f"bare loop writing the same records:      {bare:.3f} s ({bare / n * 1e6:.1f} us/item)")
    print(f"runner, seeding random+numpy per item:   {run:.3f} s ({run / n * 1e6:.1f} us/item)")
    print(f"runner, method opts out (own RNG only):  {own:.3f} s ({own / n * 1e6:.1f} us/item)")
    print(
        f"ratio runner / bare: {run / bare:.2f}x default, {own / bare:.2f}x opted out "
        "(target <= 2x)"
    )


if __name__ == "__main__":
    main()
