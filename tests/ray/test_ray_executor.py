"""The Ray executor against the local executor on the sample benchmark, in a loopback-only network.

One subprocess (tests/ray/scenario.py) starts a 2-CPU local Ray cluster inside a network namespace
with only ``lo`` and runs: the reference method, the same method whose worker kills itself once
mid-unit, and the CLI with ``--executor ray``. The local reference run happens in this process.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.ray.support import (
    METHOD,
    PARAMS,
    RUN_KWARGS,
    image_digests,
    prediction_contents,
    result_numbers,
    scorers,
)

pytestmark = [pytest.mark.slow, pytest.mark.ray]


@pytest.fixture(scope="module")
def runs(sample_root: Path, run_isolated: Any, tmp_path_factory: pytest.TempPathFactory):
    """(out folder, scenario report): local run here, Ray runs in the isolated subprocess."""
    pytest.importorskip(
        "ray", reason="the ray extra is not installed (pip install 'unifybench[ray]')"
    )
    from unifybench import api

    out = tmp_path_factory.mktemp("ray_runs")
    scorer_list, skipped = scorers()
    api.run(
        METHOD,
        data=sample_root,
        out=out,
        run_name="local",
        params=PARAMS,
        scorers=scorer_list,
        skipped=skipped,
        **RUN_KWARGS,
    )
    proc = run_isolated(
        [sys.executable, "-m", "tests.ray.scenario", str(sample_root), str(out)], 300
    )
    assert proc.returncode == 0, f"scenario failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    report = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    return out, report


def test_ray_runs_on_loopback_only(runs: tuple[Path, dict[str, Any]]) -> None:
    _, report = runs
    assert report["interfaces"] == ["lo"]
    assert report["node_ip"] == "127.0.0.1"
    assert report["nodes"] == ["127.0.0.1"]
    assert report["cluster_cpus"] == 2
    assert report["cluster_gpus"] == 1  # logical: Ray schedules by it, no GPU needed here


def test_same_result_as_local(runs: tuple[Path, dict[str, Any]]) -> None:
    out, _ = runs
    local, ray = result_numbers(out / "local/result.json"), result_numbers(out / "ray/result.json")
    assert set(local) == {"rec", "choice", "vqa", "text_only", "face"}
    assert local == ray
    assert prediction_contents(out / "local") == prediction_contents(out / "ray")
    digests = image_digests(out / "local")
    assert digests and digests == image_digests(out / "ray")
    provenance = json.loads((out / "ray/provenance.json").read_text(encoding="utf-8"))
    assert set(provenance["personalization"]) == {"astro", "chelsea", "cup"}

    def personalization(run: Path) -> list[tuple]:
        keys = ("concept", "status", "checkpoint_hash", "system_prompt")
        lines = (run / "personalization.jsonl").read_text(encoding="utf-8").splitlines()
        return sorted(tuple(json.loads(line).get(k) for k in keys) for line in lines)

    assert personalization(out / "ray") == personalization(out / "local")


def test_killed_worker_is_retried_without_duplicates(runs: tuple[Path, dict[str, Any]]) -> None:
    out, _ = runs
    run = out / "killed"
    assert (run / "killed.marker").exists() or (out / "killed.marker").exists()
    records = prediction_contents(run)
    ids = [r["id"] for r in records]
    planned = [p["id"] for p in json.loads((run / "plan.json").read_text())["items"]]
    assert len(ids) == len(set(ids)), "an item was recorded twice"
    assert ids == planned  # complete, and rewritten in plan order
    assert all(r["status"] == "ok" for r in records)
    assert records == prediction_contents(out / "local")
    assert result_numbers(run / "result.json") == result_numbers(out / "local/result.json")
    # The killed unit ran in two processes; items of other units were answered once each.
    calls = [line.split(" ", 2) for line in (out / "calls").read_text().splitlines()]
    pids = {pid for pid, concept, _ in calls if concept == "chelsea"}
    assert len(pids) >= 2
    answers = Counter(concept for _, concept, _ in calls)
    understanding = Counter(
        r["concept"] for r in records if r["task"] in ("rec", "choice", "vqa", "text_only")
    )
    assert {c: answers[c] for c in ("astro", "cup")} == {
        c: understanding[c] for c in ("astro", "cup")
    }
    # The retried unit re-answers at most the items its first attempt had done (5 before the kill).
    assert understanding["chelsea"] <= answers["chelsea"] <= understanding["chelsea"] + 5
    # Each worker process unpickled the method once and kept it for its later units.
    loads = (out / "calls.loads").read_text().split()
    units_run = {pid for pid, _, _ in calls}
    assert len(loads) == len(set(loads)) and units_run <= set(loads)


def test_cli_executor_ray(runs: tuple[Path, dict[str, Any]]) -> None:
    out, report = runs
    assert report["cli_rc"] == 0, report["cli_stderr"]
    assert " 0 errors" in report["cli_stdout"]
    assert prediction_contents(out / "cli") == prediction_contents(out / "local")
    assert image_digests(out / "cli") == image_digests(out / "local")


def test_gpu_units_run_one_per_gpu_in_fresh_processes(runs: tuple[Path, dict[str, Any]]) -> None:
    out, _ = runs
    lines = (out / "gpu.log").read_text().split()
    pids, devices = lines[0::2], lines[1::2]
    assert len(pids) == 3 and len(set(pids)) == 3  # one fresh process per unit (concept)
    assert devices == ["0", "0", "0"]  # Ray gave each unit the cluster's one GPU
    assert prediction_contents(out / "gpu") == prediction_contents(out / "local")


def test_a_unit_that_cannot_start_gets_error_records(runs: tuple[Path, dict[str, Any]]) -> None:
    out, report = runs
    records = prediction_contents(out / "broken")
    assert report["broken"] == {"ok": 0, "errors": len(records)}
    assert len(records) == len(prediction_contents(out / "local"))
    assert all(r["status"] == "error" for r in records)
    assert all("raised RuntimeError: this method cannot be loaded" in r["error"] for r in records)
    assert {r["error"].split(" raised")[0] for r in records} == {
        "ray: unit astro",
        "ray: unit chelsea",
        "ray: unit cup",
    }


def test_a_unit_no_node_can_run_is_refused(runs: tuple[Path, dict[str, Any]]) -> None:
    out, report = runs
    message = report["infeasible"]
    assert message is not None
    assert "asks for CPU=1, GPU=2 per unit; the largest node has CPU=2, GPU=1" in message
    assert not (out / "two-gpus.log").exists()  # nothing ran


def test_killed_driver_resumes_without_loss_or_duplicates(
    runs: tuple[Path, dict[str, Any]],
) -> None:
    out, report = runs
    killed = report["driver_killed"]
    assert not killed["finished_early"]
    assert killed["records_when_killed"] >= 10
    assert killed["resume_rc"] == 0, killed["resume_stderr"]
    # The resumed run predicted only what was missing; nothing was recorded twice.
    done = int(killed["resume_stdout"].split(" already done")[0].rsplit(" ", 1)[1])
    assert done >= killed["records_when_killed"] - 1  # a truncated last line is dropped
    records = prediction_contents(out / "driver")
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))
    assert sorted(records, key=lambda r: r["id"]) == sorted(
        prediction_contents(out / "local"), key=lambda r: r["id"]
    )
