"""`unifybench run --data dreambench++:` end to end with a loopback vision judge; the result
validates as a submission and renders on its own board."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runner.support import read_jsonl
from tests.support.openai_server import FakeOpenAI
from unifybench import api
from unifybench.submission import Submission
from unifybench.submission.rules import check_submission

ROOT = Path(__file__).resolve().parents[2]
KEY_VAR = "UB_TEST_DBPP_KEY"


def _reply(request: dict) -> str:
    text = json.dumps(request["messages"])
    return "Analysis: mostly there.\nScore: 3" if "Prompt:" in text else "Score: 2"


@pytest.mark.slow
def test_cli_run_on_the_sample_with_a_loopback_judge(dbpp_sample, tmp_path, monkeypatch):
    with FakeOpenAI() as server:
        server.responder(_reply)
        cmd = [sys.executable, "-m", "unifybench", "run", "--method", "no-personalization"]
        cmd += ["--data", f"dreambench++:{dbpp_sample}", "--out", str(tmp_path)]
        cmd += ["--judge-base-url", server.base_url, "--judge-key-env", KEY_VAR]
        env = {**__import__("os").environ, KEY_VAR: server.api_key}
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
        n_requests = len(server.requests)
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = tmp_path / "no-personalization"
    preds = read_jsonl(run_dir / "predictions.jsonl")
    assert len(preds) == 36 and all(p["status"] == "ok" and len(p["images"]) == 1 for p in preds)
    assert n_requests == 72  # every image judged twice (concept preservation, prompt following)
    result = Submission.model_validate_json((run_dir / "result.json").read_text())
    subject = result.results["subject"]
    assert subject["concept_preservation"].value == 0.5
    assert subject["prompt_following"].value == 0.75
    assert subject["concept_preservation[style]"].value == 0.5
    assert subject["concept_preservation"].scorer == "concept_preservation/gpt-4o/dbpp-v2@1"
    assert result.benchmark.dataset == "dreambench-plus-sample" and result.benchmark.sample
    assert result.benchmark.protocol == "v2"
    assert set(result.concepts.values()) == {"animal", "human", "object", "style"}
    assert "dino/dino-vits8/dbpp-v2@1" in result.notes  # skipped offline, and said so
    assert check_submission("result.json", result) == []


@pytest.mark.slow
def test_legacy_run_validates_and_renders_its_own_board(dbpp_sample, tmp_path, monkeypatch):
    from leaderboard.build import build_site

    with FakeOpenAI() as server:
        server.responder(_reply)
        monkeypatch.setenv(KEY_VAR, server.api_key)
        (outcome,) = api.run(
            "reference-images",
            data=f"dreambench++:{dbpp_sample}",
            out=tmp_path / "runs",
            judge_base_url=server.base_url,
            judge_key_env=KEY_VAR,
            protocol="legacy",
            concepts="live_subject_animal_00_cat,style_00_poster_flower_style",
            progress=False,
        )
    result = outcome.result
    cp = result.results["subject"]["concept_preservation"]
    assert cp.scorer == "concept_preservation/gpt-4o/dbpp-legacy@1" and cp.value == 0.5
    assert check_submission("result.json", result) == []
    report = build_site([outcome.run_dir / "result.json"], tmp_path / "site")
    html = "\n".join(p.read_text() for p in (tmp_path / "site").rglob("*.html"))
    assert "DreamBench++" in html and "Concept preservation" in html
    assert report is not None
