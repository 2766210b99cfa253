"""The Ray side of tests/ray (run as a subprocess inside a loopback-only network namespace).

``python -m tests.ray.scenario DATA OUT`` starts one local Ray cluster of 2 CPUs (through the
RayExecutor, bound to 127.0.0.1), then: a plain run of the reference method, a run whose worker
kills itself once mid-unit, and the CLI (``unifybench predict --executor ray``). It writes
``OUT/scenario.json`` with what the test checks besides the run folders.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main(data: Path, out: Path) -> None:
    import ray

    from tests.ray.conftest import interfaces
    from tests.ray.support import METHOD, PARAMS, RUN_KWARGS, TASKS, scorers
    from unifybench import api
    from unifybench.errors import ConfigError
    from unifybench.runner.executors.ray_executor import RayExecutor

    report: dict = {"interfaces": interfaces()}
    scorer_list, skipped = scorers()
    executor = RayExecutor(num_cpus=2, num_gpus=1)
    started = time.perf_counter()
    with executor:
        api.run(
            METHOD,
            data=data,
            out=out,
            run_name="ray",
            params=PARAMS,
            scorers=scorer_list,
            skipped=skipped,
            executor=executor,
            **RUN_KWARGS,
        )
        report["ray_seconds"] = time.perf_counter() - started
        report["node_ip"] = ray.util.get_node_ip_address()
        report["nodes"] = [n["NodeManagerAddress"] for n in ray.nodes()]
        report["cluster_cpus"] = ray.cluster_resources().get("CPU")
        report["cluster_gpus"] = ray.cluster_resources().get("GPU")

        killed = RayExecutor(max_retries=3)  # reuses the running cluster
        api.run(
            "tests.ray.support:KillOnce",
            data=data,
            out=out,
            run_name="killed",
            params={**PARAMS, "marker": str(out / "killed.marker"), "calls": str(out / "calls")},
            scorers=scorer_list,
            skipped=skipped,
            executor=killed,
            **RUN_KWARGS,
        )
        report["dropped_duplicates"] = killed.dropped_duplicates

        # A method that cannot be loaded on the workers: error records, the run goes on.
        (broken,) = api.predict(
            "tests.ray.support:BrokenOnWorker",
            data=data,
            out=out,
            run_name="broken",
            params=PARAMS,
            executor=executor,
            **RUN_KWARGS,
        )
        assert broken.predict is not None
        report["broken"] = {"ok": broken.predict.ok, "errors": broken.predict.errors}

        # More GPUs per unit than any node has: refused before anything runs.
        try:
            api.predict(
                "tests.ray.support:TwoGpus",
                data=data,
                out=out,
                run_name="two-gpus",
                params={**PARAMS, "log": str(out / "two-gpus.log")},
                executor=executor,
                **RUN_KWARGS,
            )
            report["infeasible"] = None
        except ConfigError as err:
            report["infeasible"] = str(err)

        # A method that declares one GPU, on a cluster with one (logical) GPU.
        api.predict(
            "tests.ray.support:GpuDeclared",
            data=data,
            out=out,
            run_name="gpu",
            params={**PARAMS, "log": str(out / "gpu.log")},
            executor=executor,
            **RUN_KWARGS,
        )

    # The CLI starts its own local cluster.
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "unifybench",
            "predict",
            "--method",
            METHOD,
            *[f"--param={k}={v}" for k, v in PARAMS.items()],
            "--data",
            str(data),
            "--tasks",
            TASKS,
            "--images-per-prompt",
            str(RUN_KWARGS["images_per_prompt"]),
            "--seed",
            str(RUN_KWARGS["seed"]),
            "--out",
            str(out),
            "--run-name",
            "cli",
            "--executor",
            "ray",
            "--ray-num-cpus",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    report["cli_rc"] = cli.returncode
    report["cli_stdout"] = cli.stdout[-2000:]
    report["cli_stderr"] = cli.stderr[-4000:]
    report["driver_killed"] = kill_driver_then_resume(data, out)
    (out / "scenario.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


def _predict_argv(data: Path, out: Path, name: str, method: str, *extra: str) -> list[str]:
    from tests.ray.support import PARAMS, RUN_KWARGS, TASKS

    return [
        sys.executable,
        "-m",
        "unifybench",
        "predict",
        "--method",
        method,
        *[f"--param={k}={v}" for k, v in PARAMS.items()],
        "--data",
        str(data),
        "--tasks",
        TASKS,
        "--images-per-prompt",
        str(RUN_KWARGS["images_per_prompt"]),
        "--seed",
        str(RUN_KWARGS["seed"]),
        "--out",
        str(out),
        "--run-name",
        name,
        *extra,
    ]


def kill_driver_then_resume(data: Path, out: Path) -> dict:
    """SIGKILL a ``--executor ray`` driver (and its private cluster, one process group) once it
    has written some records, then run the same command again. Returns what the test checks."""
    import signal

    argv = _predict_argv(
        data, out, "driver", "tests.ray.support:Slow", "--executor", "ray", "--ray-num-cpus", "2"
    )
    path = out / "driver" / "predictions.jsonl"
    proc = subprocess.Popen(
        argv, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    written = 0
    while time.monotonic() < deadline and proc.poll() is None:
        written = len(path.read_bytes().splitlines()) if path.exists() else 0
        if written >= 10:
            break
        time.sleep(0.05)
    finished_early = proc.poll() is not None
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = len(path.read_bytes().splitlines()) if path.exists() else 0
    resumed = subprocess.run(argv, capture_output=True, text=True, timeout=240)
    return {
        "finished_early": finished_early,
        "records_when_killed": kept,
        "resume_rc": resumed.returncode,
        "resume_stdout": resumed.stdout[-2000:],
        "resume_stderr": resumed.stderr[-3000:],
    }


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
