"""How a judge agrees with the human ratings that DreamBench++ released.

The release's rating data (README "human rating data", "GPT rating data") holds, per method,
scores 0-4 keyed ``<collection id>-<prompt index>``:

- humans, merged: ``data_human_rating/merged_data/<group>/<method>-cp.json`` / ``-pf.json``
  (``{key: score}``), or raw: ``data_human_rating/raw_data/<group>/*-<method>.json``
  (``{key: [cp, pf]}``), one folder per annotator group;
- the published judge: ``data_gpt_rating/<setting>/<method>.json`` (``{key: score}``) or the
  per-item files of ``data_gpt_rating/<setting>/<method>/`` (``{"collection_id",
  "prompt_index", "score", ...}``).

A judge configured here is compared through a run of that method's images scored by this
harness (its ``scores.jsonl``: the concept preservation / prompt following records, their
values times 4). Reported, as the published ``krippendorff_analysis.py`` and ``pearson.py``
report them: Krippendorff's alpha (interval) between the human groups (H-H) and between the
judge and each human group, averaged over groups (J-H); Pearson's r likewise; and the number of
items compared. Usage::

    python -m unifybench.benchmarks.dreambench_plus.agreement \\
        --human data_human_rating --method dreambooth_sd --judge RUN_DIR_OR_RATING_FILE
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from unifybench.errors import DataError

ASPECTS = {"cp": ("concept_preservation", 0), "pf": ("prompt_following", 1)}
SCALE = 4.0  # the judge and the humans grade 0..4; this harness stores value / 4

Ratings = dict[str, float]


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataError(path, "", f"a JSON rating file: {err}") from err


def _number(value: object, path: Path, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataError(path, key, f"a score 0-4, got {value!r}")
    return float(value)


def read_rating_file(path: Path, aspect: str) -> Ratings:
    """``{key: score}`` of a merged file, or of a raw human file ``{key: [cp, pf]}``."""
    data = _read_json(path)
    if not isinstance(data, dict):
        raise DataError(path, "", "a JSON object {<collection>-<prompt index>: score}")
    out: Ratings = {}
    for key, value in data.items():
        if isinstance(value, list):
            if len(value) != 2:
                raise DataError(path, key, "a pair [concept preservation, prompt following]")
            value = value[ASPECTS[aspect][1]]
        out[key] = _number(value, path, key)
    return out


def read_item_folder(folder: Path) -> Ratings:
    """The published judge's per-item files: ``{collection_id, prompt_index, score, ...}``."""
    out: Ratings = {}
    for path in sorted(folder.glob("*.json")):
        data = _read_json(path)
        if not isinstance(data, dict) or not {"collection_id", "prompt_index", "score"} <= set(
            data
        ):
            raise DataError(path, "", "an object with collection_id, prompt_index and score")
        out[f"{data['collection_id']}-{data['prompt_index']}"] = _number(
            data["score"], path, "score"
        )
    return out


def read_run(run_dir: Path, aspect: str) -> Ratings:
    """A run's judge scores of one aspect, back on the 0-4 scale (mean over a prompt's images)."""
    path = run_dir / "scores.jsonl"
    if not path.is_file():
        raise DataError(path, "", "a scored run (scores.jsonl)")
    family = ASPECTS[aspect][0] + "/"
    out: Ratings = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line) if line.strip() else {}
        if not str(record.get("scorer", "")).startswith(family) or record.get("value") is None:
            continue
        key = (record.get("metadata") or {}).get("rating_key")
        if key:
            out[key] = float(record["value"]) * SCALE
    return out


def read_judge(source: Path, aspect: str) -> Ratings:
    """A run folder, a per-item folder, or a rating file."""
    if (source / "scores.jsonl").is_file():
        return read_run(source, aspect)
    if source.is_dir():
        return read_item_folder(source)
    return read_rating_file(source, aspect)


def read_humans(folder: Path, method: str, aspect: str) -> dict[str, Ratings]:
    """group -> ratings of one method, from ``merged_data/`` or else ``raw_data/`` (below
    ``folder``, or ``folder`` itself holding the group folders)."""
    for base, merged in ((folder / "merged_data", True), (folder / "raw_data", False),
                         (folder, True)):  # fmt: skip
        if not base.is_dir():
            continue
        groups: dict[str, Ratings] = {}
        for group in sorted(p for p in base.iterdir() if p.is_dir()):
            if merged and (group / f"{method}-{aspect}.json").is_file():
                groups[group.name] = read_rating_file(group / f"{method}-{aspect}.json", aspect)
            elif not merged:
                found: Ratings = {}
                for path in sorted(group.glob(f"*-{method}.json")):
                    found.update(read_rating_file(path, aspect))
                if found:
                    groups[group.name] = found
        if groups:
            return groups
    raise DataError(folder, "", f"human ratings of method {method!r} (merged_data/ or raw_data/)")


def krippendorff_alpha_interval(raters: Sequence[Ratings]) -> float:
    """Krippendorff's alpha, interval metric; units are the keys, a missing rating is skipped,
    units with fewer than two ratings do not count. NaN when there is no disagreement to expect."""
    keys = sorted({k for r in raters for k in r})
    units = []
    for key in keys:
        values = [r[key] for r in raters if key in r and math.isfinite(r[key])]
        if len(values) >= 2:
            units.append(values)
    pooled = [v for u in units for v in u]
    n = len(pooled)
    if n < 2:
        return math.nan

    def squared_differences(values: Sequence[float]) -> float:  # sum over ordered pairs i != j
        total, squares = sum(values), sum(v * v for v in values)
        return 2 * (len(values) * squares - total * total)

    observed = sum(squared_differences(u) / (len(u) - 1) for u in units) / n
    expected = squared_differences(pooled) / (n * (n - 1))
    return 1.0 - observed / expected if expected > 0 else math.nan


def pearson(a: Ratings, b: Ratings) -> tuple[float, int]:
    """Pearson's r over the keys both rated, and how many there are (NaN below 2 or no spread)."""
    keys = sorted(set(a) & set(b))
    if len(keys) < 2:
        return math.nan, len(keys)
    x, y = [a[k] for k in keys], [b[k] for k in keys]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((p - mx) * (q - my) for p, q in zip(x, y, strict=True))
    sxx, syy = sum((p - mx) ** 2 for p in x), sum((q - my) ** 2 for q in y)
    return (sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else math.nan), len(keys)


@dataclass(frozen=True)
class Agreement:
    """Agreement of one aspect for one method."""

    aspect: str
    groups: int
    items: int  # items the judge and at least one group both rated
    alpha_humans: float  # H-H
    alpha_judge: float  # J-H, mean over groups
    pearson_humans: float  # between the first two groups (NaN with one group)
    pearson_judge: float  # J-H, mean over groups


def agreement(humans: dict[str, Ratings], judge: Ratings, aspect: str) -> Agreement:
    """H-H and J-H agreement as the published analysis computes it (see the module docstring)."""
    groups = list(humans.values())
    alpha_judge = [krippendorff_alpha_interval([g, judge]) for g in groups]
    pearson_judge = [pearson(g, judge)[0] for g in groups]
    common = set(judge) & set().union(*(set(g) for g in groups))
    return Agreement(
        aspect=aspect,
        groups=len(groups),
        items=len(common),
        alpha_humans=krippendorff_alpha_interval(groups) if len(groups) > 1 else math.nan,
        alpha_judge=sum(alpha_judge) / len(alpha_judge),
        pearson_humans=pearson(groups[0], groups[1])[0] if len(groups) > 1 else math.nan,
        pearson_judge=sum(pearson_judge) / len(pearson_judge),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--human", required=True, type=Path, help="data_human_rating folder")
    parser.add_argument("--method", required=True, help="method name of the rating files")
    parser.add_argument("--judge", required=True, type=Path, nargs="+",
                        help="a run folder (both aspects), or one rating file / per-item folder "
                        "per aspect, in the order of --aspects")  # fmt: skip
    parser.add_argument("--aspects", nargs="+", default=["cp", "pf"], choices=sorted(ASPECTS))
    args = parser.parse_args(argv)
    sources = args.judge * len(args.aspects) if len(args.judge) == 1 else args.judge
    if len(sources) != len(args.aspects):
        parser.error("give one --judge source, or one per aspect")
    print(f"{'aspect':<7} {'groups':>6} {'items':>6} {'H-H alpha':>10} {'J-H alpha':>10} "
          f"{'H-H r':>7} {'J-H r':>7}")  # fmt: skip
    for aspect, source in zip(args.aspects, sources, strict=True):
        a = agreement(read_humans(args.human, args.method, aspect), read_judge(source, aspect),
                      aspect)  # fmt: skip
        row = f"{aspect:<7} {a.groups:>6} {a.items:>6} {a.alpha_humans:>10.3f} "
        print(row + f"{a.alpha_judge:>10.3f} {a.pearson_humans:>7.3f} {a.pearson_judge:>7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
