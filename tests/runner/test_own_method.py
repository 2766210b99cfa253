"""The worked example of docs/own-method.md, installed from outside the repository tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "my_method_pkg"


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package pip-installed from a copy outside the repo into its own site dir."""
    tmp = tmp_path_factory.mktemp("own_method")
    pkg = tmp / "pkg"
    shutil.copytree(EXAMPLE, pkg, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    site = tmp / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(pkg),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp,
    )
    assert list(site.glob("my_method-*.dist-info/entry_points.txt"))
    return site


def _env(site: Path) -> dict[str, str]:
    path = os.pathsep.join([str(ROOT), str(site)])
    return {**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1"}


def test_entry_point_method_is_listed(installed_example):
    out = subprocess.run(
        [sys.executable, "-m", "unifybench", "ls", "methods"],
        cwd=ROOT,
        env=_env(installed_example),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "colour-prototype" in out.stdout
    # Without the package on the path it is not known: the entry point is what finds it.
    bare = subprocess.run(
        [sys.executable, "-m", "unifybench", "ls", "methods"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "colour-prototype" not in bare.stdout


def test_entry_point_method_runs_on_the_sample(installed_example, sample_root, tmp_path):
    out = tmp_path / "runs"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "unifybench",
            "run",
            "--method",
            "colour-prototype",
            "--param",
            "threshold=80",
            "--data",
            str(sample_root),
            "--tasks",
            "rec,choice,t2i",
            "--images-per-prompt",
            "1",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=_env(installed_example),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_dir = out / "colour-prototype"
    result = json.loads((run_dir / "result.json").read_text())
    assert result["method"]["name"] == "colour-prototype"
    assert result["method"]["params"] == {"threshold": 80.0, "size": 64}
    assert result["method"]["checkpoint_hash"]
    assert result["results"]["rec"]["weight"]["coverage"] == 1.0
    assert 0.0 <= result["results"]["rec"]["weight"]["value"] <= 1.0
    preds = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    t2i = [p for p in preds if p["task"] == "t2i"]
    assert t2i and all(p["status"] == "ok" and len(p["images"]) == 1 for p in t2i)
    assert all((run_dir / p["images"][0]).exists() for p in t2i)
    # Offline, CLIP cannot load: t2i is reported as not scored, and the reason is printed.
    assert "clip_i" in proc.stderr + proc.stdout
    assert "not scored: t2i" in result["notes"]
    prov = json.loads((run_dir / "provenance.json").read_text())
    assert prov["method"]["class"] == "my_method.method:ColourPrototype"
