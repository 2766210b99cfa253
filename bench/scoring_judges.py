"""Judge throughput: concurrent vs sequential calls, and the cached second pass.

Runs the OpenAI-compatible judge against the loopback server (tests/support/openai_server.py) with a
fixed latency per call, so the figures measure the judge's own scheduling, not a provider:

    python bench/scoring_judges.py [--items 500] [--latency 0.2] [--concurrency 16]
                                   [--sequential-items 50]

The sequential baseline is the same judge with concurrency 1 on ``--sequential-items`` distinct
items (throughput in items/s does not depend on how many items are timed; use
``--sequential-items 500`` for the full 100 s baseline). Prints items/s for each, the speed-up
ratio, and the number of requests of the cached second pass (must be 0).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from unifybench.judges import JudgeConfig, JudgeRequest, OpenAIJudge, summarize  # noqa: E402

KEY_ENV = "UNIFYBENCH_BENCH_JUDGE_KEY"


def load_server_class() -> type:
    """FakeOpenAI from tests/support/openai_server.py, imported by path."""
    path = ROOT / "tests" / "support" / "openai_server.py"
    spec = importlib.util.spec_from_file_location("unifybench_bench_openai_server", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import the loopback server from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.FakeOpenAI


def make_requests(n: int, tag: str) -> list[JudgeRequest]:
    return [
        JudgeRequest(
            f"bench/vqa/{tag}{i}",
            {"question": f"Question {tag}{i}?", "gold": f"Answer {i}.", "prediction": f"Pred {i}."},
        )
        for i in range(n)
    ]


def timed(judge: OpenAIJudge, requests: list[JudgeRequest]) -> tuple[float, dict[str, int]]:
    start = time.perf_counter()
    results = judge.score_many(requests)
    return time.perf_counter() - start, summarize(results)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per call")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sequential-items", type=int, default=50)
    args = parser.parse_args(argv)

    server_cls = load_server_class()
    with server_cls() as server, tempfile.TemporaryDirectory() as tmp:
        server.latency = args.latency
        os.environ[KEY_ENV] = server.api_key
        base = JudgeConfig(
            base_url=server.base_url,
            model="bench-judge",
            api_key_env=KEY_ENV,
            timeout=30.0,
            max_retries=2,
            backoff_base=0.05,
        )
        seq_judge = OpenAIJudge(base.with_(concurrency=1, cache_dir=Path(tmp) / "seq"))
        seq_time, seq_counts = timed(seq_judge, make_requests(args.sequential_items, "s"))
        conc_judge = OpenAIJudge(
            base.with_(concurrency=args.concurrency, cache_dir=Path(tmp) / "conc")
        )
        conc_time, conc_counts = timed(conc_judge, make_requests(args.items, "c"))
        before = len(server.requests)
        cached_judge = OpenAIJudge(
            base.with_(concurrency=args.concurrency, cache_dir=Path(tmp) / "conc")
        )
        cached_time, cached_counts = timed(cached_judge, make_requests(args.items, "c"))
        cached_requests = len(server.requests) - before

    seq_rate = args.sequential_items / seq_time
    conc_rate = args.items / conc_time
    cached_rate = args.items / cached_time
    print(f"judge throughput, loopback server, {args.latency * 1000:.0f} ms latency per call")
    print(
        f"  sequential (concurrency 1): {args.sequential_items} items in {seq_time:.2f} s "
        f"= {seq_rate:.2f} items/s  {seq_counts}"
    )
    print(
        f"  concurrent ({args.concurrency}):          {args.items} items in {conc_time:.2f} s "
        f"= {conc_rate:.2f} items/s  {conc_counts}"
    )
    print(
        f"  cached second pass:         {args.items} items in {cached_time:.3f} s "
        f"= {cached_rate:.0f} items/s, requests sent: {cached_requests}  {cached_counts}"
    )
    print(f"  ratio concurrent / sequential: {conc_rate / seq_rate:.1f}x (target >= 10x)")
    print(f"  ratio cached / sequential:     {cached_rate / seq_rate:.0f}x")
    print(f"  cached pass requests: {cached_requests} (target 0)")
    ok = conc_rate / seq_rate >= 10 and cached_requests == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
