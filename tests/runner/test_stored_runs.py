"""Runs written by an earlier version re-aggregate and re-score to the same numbers.

The run folders in ``tests/fixtures/runs/`` (see its README) were written by the code of an earlier
commit: predictions, scores, scoring.json and result.json of every task under both protocols,
with loopback judges, a tiny random CLIP, dlib faces and the MiniLM judge. Today's code must read
them and reproduce every stored number exactly from the stored scores. Re-scoring the stored
predictions must give the same number wherever today's scorer has the same id; a scorer whose
computation changed since (the legacy readers made equal to the published code at @2/@3) must
carry a higher version in its id.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.runner.stored_runs import FIXTURES, RUNS, loopback_judges, scorers_for
from unifybench import api

NAMES = [name for name, *_ in RUNS]


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def _numbers(result: dict) -> dict:
    """Every number and label of every task/metric of a result.json, keyed task/metric."""
    return {
        f"{task}/{metric}": {
            key: r.get(key)
            for key in (
                "value",
                "scorer",
                "judge",
                "n",
                "n_total",
                "coverage",
                "ci_low",
                "ci_high",
                "per_concept",
                "extra",
            )
        }
        for task, metrics in result["results"].items()
        for metric, r in metrics.items()
    }


def _stored(name: str) -> dict:
    return json.loads((FIXTURES / name / "result.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NAMES)
def test_stored_run_reaggregates_to_the_same_numbers(name: str, tmp_path: Path) -> None:
    run_dir = _copy(name, tmp_path)
    (run_dir / "result.json").unlink()
    result = api.aggregate(run_dir).model_dump(mode="json")
    stored = _stored(name)
    assert _numbers(result) == _numbers(stored)
    assert result["benchmark"]["scorers"] == stored["benchmark"]["scorers"]


@pytest.mark.parametrize("name", NAMES)
def test_stored_run_rescores_to_the_same_numbers(name: str, sample_root: Path, tmp_path) -> None:
    run_dir = _copy(name, tmp_path)
    config = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    from unifybench.benchmarks import load_benchmark
    from unifybench.data.manifest import manifest_hash

    if manifest_hash(load_benchmark(sample_root)) != config["manifest_hash"]:
        pytest.skip("the sample benchmark differs here (other scikit-image/Pillow versions)")
    for file in ("scores.jsonl", "scoring.json", "result.json"):
        (run_dir / file).unlink()
    with loopback_judges() as server:
        scorers = scorers_for(config["protocol"], server.base_url)
        api.score(run_dir, scorers=scorers, data=sample_root, progress=False, report=False)
    result = api.aggregate(run_dir).model_dump(mode="json")
    new, old = _numbers(result), _numbers(_stored(name))
    kept = {k for k in old if k in new and new[k]["scorer"] == old[k]["scorer"]}
    assert {k: new[k] for k in kept} == {k: old[k] for k in kept}
    for key in set(old) - kept:  # same metric, another computation: a newer id
        assert key in new, f"{key} is no longer reported"
        before, after = old[key]["scorer"], new[key]["scorer"]
        assert before.split("@")[0] == after.split("@")[0], (before, after)
        assert int(after.split("@")[1]) > int(before.split("@")[1]), (before, after)
    if config["protocol"] == "v2":
        assert kept == set(old) == set(new)  # nothing of v2 changed
