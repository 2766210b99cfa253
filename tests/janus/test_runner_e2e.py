"""`unifybench run` with janus-prompt on the sample benchmark (tiny random Janus, offline, CPU).

The numbers are meaningless there; what is checked is that every item completes and that the
result says plainly that the backbone is random.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runner.support import read_jsonl

ROOT = Path(__file__).resolve().parents[2]


def run_cli(method: str, params: list[str], sample_root: Path, out: Path) -> Path:
    """Run the CLI on concept ``cup`` (rec and t2i, one image per prompt); the run folder."""
    cmd = [sys.executable, "-m", "unifybench", "run", "--method", method]
    cmd += [arg for p in params for arg in ("--param", p)]
    cmd += ["--data", str(sample_root), "--concepts", "cup", "--tasks", "rec,t2i"]
    cmd += ["--images-per-prompt", "1", "--offline-judge", "--out", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "method caveat" in done.stdout and "meaningless" in done.stdout
    run_dir = out / method
    preds = read_jsonl(run_dir / "predictions.jsonl")
    assert preds and all(p["status"] == "ok" for p in preds), [p["error"] for p in preds][:3]
    assert {p["task"] for p in preds} == {"rec", "t2i"}
    first = next(p for p in preds if p["task"] == "t2i")
    assert all((run_dir / rel).is_file() for rel in first["images"])
    result = json.loads((run_dir / "result.json").read_text())
    assert result["notes"].startswith("method caveat: config 'tiny' is a randomly initialised")
    assert result["method"]["params"]["random_weights"] is True
    assert result["results"]["rec"]["weight"]["coverage"] == 1.0
    return run_dir


@pytest.mark.slow
def test_janus_prompt_runs_on_the_sample_benchmark(sample_root, tmp_path):
    # mode=image differs only inside the method (tests/janus/test_janus_prompt.py).
    run_dir = run_cli("janus-prompt", ["config=tiny"], sample_root, tmp_path)
    result = json.loads((run_dir / "result.json").read_text())
    assert result["method"]["params"]["mode"] == "text"
    assert "Janus-Pro" in result["notes"]
