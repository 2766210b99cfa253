"""`unifybench run` with the Show-o methods on the sample benchmark (tiny random configuration).

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
FAST = {
    "unictokens": [
        "config=tiny",
        "epochs_stage1=1",
        "epochs_stage2=1",
        "epochs_stage3=1",
        "stage2_from_epoch=1",
        "stage3_from_epoch=1",
        "save_every=1",
        "max_steps_per_epoch=2",
        "transition_images=2",
        "generation_steps=2",
    ],
    "showo-prompt": ["config=tiny", "generation_steps=2"],
}


@pytest.mark.slow
@pytest.mark.parametrize("method", sorted(FAST))
def test_cli_run_completes_and_says_scores_are_meaningless(method, sample_root, tmp_path):
    params = [arg for p in FAST[method] for arg in ("--param", p)]
    cmd = [sys.executable, "-m", "unifybench", "run", "--method", method, *params]
    cmd += ["--data", str(sample_root), "--concepts", "cup", "--tasks", "rec,vqa,t2i"]
    cmd += ["--images-per-prompt", "1", "--offline-judge", "--out", str(tmp_path)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "method caveat" in done.stdout and "meaningless" in done.stdout

    run_dir = tmp_path / method
    preds = read_jsonl(run_dir / "predictions.jsonl")
    assert preds and all(p["status"] == "ok" for p in preds), [p["error"] for p in preds][:3]
    assert {p["task"] for p in preds} == {"rec", "vqa", "t2i"}
    first = next(p for p in preds if p["task"] == "t2i")
    assert all((run_dir / rel).is_file() for rel in first["images"])

    result = json.loads((run_dir / "result.json").read_text())
    assert result["notes"].startswith("method caveat: config 'tiny' is a randomly initialised")
    assert result["method"]["params"]["random_weights"] is True
    assert result["results"]["rec"]["weight"]["coverage"] == 1.0


def test_show_o_methods_declare_a_gpu_only_for_the_published_backbone():
    from methods.showo_prompt import ShowoPrompt
    from methods.unictokens import UniCTokens
    from unifybench.runner.executors.ray_executor import method_resources

    for cls in (UniCTokens, ShowoPrompt):
        assert method_resources(cls())["num_gpus"] == 1
        assert method_resources(cls(device="cpu"))["num_gpus"] == 0
        assert method_resources(cls(config="tiny"))["num_gpus"] == 0
