"""Build time of the static leaderboard for 10, 100, 200 and 1,000 synthetic submissions.

Each synthetic submission is a measured result on the 20 UnifyBench concepts with 12 metrics and a
per-concept breakdown for each (what a full run writes), spread over two protocols (two boards). The
time covers everything `unifybench leaderboard build` does: reading and validating the files,
ranking, and writing every page. Ratios are per-submission time against the 10-submission build
measured in the same run; linear growth keeps them at or below 1 (they fall while the fixed cost of
the shared pages is spread over more submissions), and keeps the marginal cost per added submission
flat. Run:

    python bench/leaderboard_build.py [--sizes 10 100 200 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leaderboard.build import build_site

CONCEPTS = {
    **dict.fromkeys(
        [
            "adrien_brody",
            "b_jordan",
            "coco",
            "emma",
            "fine_woolfhard",
            "leonardo",
            "ningning",
            "wangkai",
            "will",
            "willinvietnam",
        ],
        "human",
    ),
    **dict.fromkeys(["bo", "mam", "maeve_dog", "butin", "mydieu"], "animal"),
    **dict.fromkeys(
        ["pig_cup", "dunpai", "nha_tho_hanoi", "skulls_mug", "gold_pineapple"], "object"
    ),
}
METRICS = {
    "rec": ["weight", "recall", "no_recall", "accuracy"],
    "choice": ["accuracy"],
    "vqa": ["bleu", "judge"],
    "text_only": ["bleu", "judge"],
    "t2i": ["clip_i", "clip_t"],
    "face": ["face_sim"],
    "knowledge": ["judge"],
}


def synthetic(i: int, rng: random.Random) -> dict:
    """One measured submission with per-concept values for every metric."""
    protocol = "legacy" if i % 2 == 0 else "v2"
    results: dict = {}
    for task, metrics in METRICS.items():
        results[task] = {}
        for metric in metrics:
            per = {c: round(rng.random(), 4) for c in CONCEPTS}
            results[task][metric] = {
                "value": round(sum(per.values()) / len(per), 6),
                "scorer": f"{metric}/synthetic/{protocol}@1",
                "judge": "openai-compatible/deepseek-chat@abc" if metric == "judge" else None,
                "n": 95,
                "n_total": 100,
                "coverage": 0.95,
                "per_concept": per,
            }
    return {
        "schema_version": 1,
        "method": {"name": f"Method {i:04d}", "version": "1"},
        "benchmark": {"dataset": "HankYang428/unictokens_data", "protocol": protocol},
        "concepts": CONCEPTS,
        "results": results,
        "provenance": {
            "kind": "measured",
            "run_id": f"run-{i}",
            "date": "2026-11-29",
            "unifybench_version": "0.1.0",
        },
    }


def time_build(n: int, work: Path, repeat: int) -> float:
    """Best-of-``repeat`` wall time of one build of ``n`` submissions."""
    subs = work / f"subs-{n}"
    subs.mkdir()
    rng = random.Random(n)
    for i in range(n):
        (subs / f"s{i:04d}.json").write_text(json.dumps(synthetic(i, rng)), encoding="utf-8")
    best = float("inf")
    for r in range(repeat):
        out = work / f"site-{n}-{r}"
        start = time.perf_counter()
        report = build_site([subs], out)
        best = min(best, time.perf_counter() - start)
        assert report.n_submissions == n
        shutil.rmtree(out)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 200, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="unifybench-bench-") as tmp:
        work = Path(tmp)
        warmup = work / "warmup"  # imports and template compilation stay out of the figures
        warmup.mkdir()
        time_build(10, warmup, 1)
        rows = []
        for n in args.sizes:
            seconds = time_build(n, work, args.repeat)
            rows.append((n, seconds, seconds / n))
    base = rows[0][2]
    # marginal: the cost of each submission added since the previous size, which separates the
    # per-submission cost from the fixed cost (index, metric cards, schema) that small builds pay
    print(
        f"{'submissions':>11} {'build s':>9} {'ms/submission':>14} {'ratio vs first':>15} "
        f"{'marginal ms':>12}"
    )
    previous = None
    for n, seconds, per in rows:
        marginal = (
            "" if previous is None else f"{(seconds - previous[1]) / (n - previous[0]) * 1000:.2f}"
        )
        print(f"{n:>11} {seconds:>9.3f} {per * 1000:>14.2f} {per / base:>15.2f} {marginal:>12}")
        previous = (n, seconds)
    two_hundred = [s for n, s, _ in rows if n == 200]
    if two_hundred:
        verdict = "OK" if two_hundred[0] < 5 else "TOO SLOW"
        print(f"200 submissions: {two_hundred[0]:.2f} s (target < 5 s): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
