"""How fast is loading UnifyBench metadata? 20 concepts, against a bare json.load baseline.

Builds a 20-concept dataset in the official layout from the sample benchmark (the three sample
concepts copied under 20 ids, images hard-linked, each concept's test items repeated to
``--items`` per concept), then times in the same run:

- baseline: ``json.load`` of exactly the JSON files the loader reads (the floor for any loader);
- ``load_benchmark(root)``: parsing, records, re-rooting and root checks, directory listings;
- ``check_dataset(root)``: the full validation (stats every referenced image);
- ``manifest_hash``: first call (hashes every file) and a repeated call (cached digests).

Usage: python bench/data_load.py [--items 110] [--repeats 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from unifybench.benchmarks import load_benchmark
from unifybench.benchmarks.unifybench.check import check_dataset
from unifybench.benchmarks.unifybench.sample import write_sample
from unifybench.data.manifest import _MEMORY, manifest_hash

N_CONCEPTS = 20


def _link_tree(src: Path, dst: Path) -> None:
    for path in src.rglob("*"):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)


def build_dataset(sample: Path, out: Path, items_per_concept: int) -> list[str]:
    """Write a 20-concept dataset into ``out`` and return its ids."""
    sources = json.loads((sample / "concepts_list.json").read_text())
    train_map = json.loads((sample / "concept/train/train_images.json").read_text())
    ids = [f"c{i:02d}" for i in range(N_CONCEPTS)]
    for name in ("black_512x512.png", "template.json", "README.md"):
        shutil.copy2(sample / name, out / name)
    _link_tree(sample / "random_images", out / "random_images")
    new_train: dict[str, list[str]] = {}
    (out / "test_data").mkdir()
    for k, cid in enumerate(ids):
        src = sources[k % len(sources)]
        for split in ("train", "test"):
            _link_tree(sample / "concept" / split / src, out / "concept" / split / cid)
        for path in (out / "concept/train" / cid).rglob("*.json"):
            path.write_text(path.read_text().replace(f"<{src}>", f"<{cid}>"))
        for path in (out / "concept/test" / cid).glob("*.json"):
            path.write_text(path.read_text().replace(f"<{src}>", f"<{cid}>"))
        new_train[cid] = train_map[src]
        items = json.loads((sample / "test_data" / f"{src}.json").read_text())
        text = json.dumps(items).replace(f"<{src}>", f"<{cid}>")
        # Own test images become this concept's; negatives point at the first copy of the others.
        text = text.replace(f"/concept/test/{src}/", f"/concept/test/{cid}/")
        for j, other in enumerate(sources):
            if other != src:
                text = text.replace(f"/concept/test/{other}/", f"/concept/test/{ids[j]}/")
        items = json.loads(text)
        repeated = (items * (items_per_concept // len(items) + 1))[:items_per_concept]
        (out / "test_data" / f"{cid}.json").write_text(json.dumps(repeated, indent=2))
    (out / "concept/train/train_images.json").write_text(json.dumps(new_train, indent=2))
    (out / "concepts_list.json").write_text(json.dumps(ids))
    return ids


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=110, help="understanding items per concept")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("UNIFYBENCH_CACHE_DIR", str(Path(tmp) / "cache"))
        sample = write_sample(Path(tmp) / "sample")
        root = Path(tmp) / "ub20"
        root.mkdir()
        build_dataset(sample, root, args.items)

        first_load = time.perf_counter()
        bench = load_benchmark(root)
        first_load = time.perf_counter() - first_load
        files = bench.metadata_files

        def bare_json() -> None:
            for path in files:
                with open(path, encoding="utf-8") as f:
                    json.load(f)

        baseline = median_time(bare_json, args.repeats)
        load = median_time(lambda: load_benchmark(root), args.repeats)
        check = median_time(lambda: check_dataset(root), max(3, args.repeats // 4))
        _MEMORY.clear()
        start = time.perf_counter()
        manifest_hash(bench)
        manifest_cold = time.perf_counter() - start
        manifest_warm = median_time(lambda: manifest_hash(bench), max(3, args.repeats // 4))

        n_items = sum(len(v) for v in bench.understanding.values())
        n_prompts = sum(len(v) for v in bench.generation.values())
        print(f"dataset: {len(bench.concepts)} concepts, {n_items} understanding items, "
              f"{n_prompts} generation prompts, {len(files)} JSON files")  # fmt: skip
        print(f"baseline  json.load of the same files   {baseline * 1e3:8.2f} ms  (median of "
              f"{args.repeats})")  # fmt: skip
        print(f"load_benchmark (first call)            {first_load * 1e3:8.2f} ms")
        print(f"load_benchmark                         {load * 1e3:8.2f} ms  "
              f"ratio to baseline {load / baseline:5.1f}x")  # fmt: skip
        print(f"check_dataset                          {check * 1e3:8.2f} ms  "
              f"ratio to baseline {check / baseline:5.1f}x")  # fmt: skip
        print(f"manifest_hash (cold, hashes files)     {manifest_cold * 1e3:8.2f} ms")
        print(f"manifest_hash (cached digests)         {manifest_warm * 1e3:8.2f} ms  "
              f"ratio to cold {manifest_warm / manifest_cold:5.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
