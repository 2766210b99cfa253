"""End to end on the sample benchmark: real scorers, loopback judges, a SIGKILLed run resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runner.support import read_jsonl
from tests.support.openai_server import FakeOpenAI
from unifybench import api
from unifybench.submission import Submission

ROOT = Path(__file__).resolve().parents[2]
KEY_VAR = "UB_TEST_JUDGE_KEY"


def _numbers(result: Submission) -> dict:
    return {
        f"{task}/{metric}": (r.value, r.n, r.n_total, r.ci_low, r.ci_high, r.per_concept, r.scorer)
        for task, metrics in result.results.items()
        for metric, r in metrics.items()
    }


def test_sample_end_to_end_with_loopback_judges(sample_root, tmp_path, monkeypatch):
    with FakeOpenAI() as server:
        server.responder(lambda request: "1")
        monkeypatch.setenv(KEY_VAR, server.api_key)
        (outcome,) = api.run(
            "tests.runner.support:EchoMethod",
            data=sample_root,
            out=tmp_path,
            tasks="rec,vqa,text_only,choice,knowledge",
            judge_base_url=server.base_url,
            judge_key_env=KEY_VAR,
            images_per_prompt=1,
            protocol="v2",
            progress=False,
        )
        bodies = [json.dumps(r) for r in server.requests]
        base_url, api_key = server.base_url, server.api_key
    result = outcome.result
    assert set(result.results) == {"rec", "vqa", "text_only", "choice", "knowledge"}
    vqa_judge = result.results["vqa"]["judge"]
    assert vqa_judge.value == 1.0 and vqa_judge.coverage == 1.0  # the judge said "1" every time
    assert vqa_judge.scorer.startswith("judge/deepseek-chat/v2@")
    assert result.results["knowledge"]["judge"].value == 1.0
    assert result.results["rec"]["weight"].scorer == "rec/word/v2@1"
    judges = {j.role: j for j in result.benchmark.judges}
    assert judges["text"].base_url == base_url and judges["vision"].model == "gpt-4o"
    # Both judges were really called over HTTP (identical requests are served from the cache).
    assert any("image_url" in b for b in bodies) and any("gpt-4o" in b for b in bodies)
    assert any("deepseek-chat" in b for b in bodies)
    assert result.benchmark.sample is True and result.benchmark.manifest_hash
    assert result.benchmark.dataset == "unifybench-sample"
    assert result.concepts and set(result.concepts.values()) <= {"human", "animal", "object"}
    for path in outcome.run_dir.rglob("*"):
        if path.is_file() and path.suffix != ".png":
            assert api_key not in path.read_text(), path


def test_missing_judge_key_fails_before_any_work(sample_root, tmp_path, monkeypatch):
    from unifybench.errors import ConfigError

    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="DEEPSEEK_API_KEY"):
        api.run(
            "tests.runner.support:EchoMethod",
            data=sample_root,
            out=tmp_path,
            tasks="vqa",
            progress=False,
        )
    assert list(tmp_path.iterdir()) == []


def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "unifybench", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
def test_sigkilled_run_resumes_to_the_same_numbers(sample_root, tmp_path):
    calls = tmp_path / "calls.txt"
    env = {**os.environ, "UNIFYBENCH_TEST_CALLS": str(calls), "UNIFYBENCH_TEST_DELAY": "0.05"}
    common = [
        "run",
        "--method",
        "tests.runner.support:SlowMethod",
        "--data",
        str(sample_root),
        "--tasks",
        "rec,choice",
        "--seed",
        "3",
        "--protocol",
        "legacy",
    ]
    killed_out, full_out = tmp_path / "killed", tmp_path / "full"
    preds = killed_out / "slow-echo" / "predictions.jsonl"

    proc = _cli([*common, "--out", str(killed_out)], env)
    deadline = time.time() + 120
    while time.time() < deadline:
        if preds.exists() and len(preds.read_text().splitlines()) >= 15:
            break
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    n_before = len(read_jsonl(preds))
    assert 15 <= n_before < 42, "the kill must land half-way"
    assert not (preds.parent / "result.json").exists()

    resumed = _cli([*common, "--out", str(killed_out)], env)
    out, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, out
    plain_env = {k: v for k, v in env.items() if k != "UNIFYBENCH_TEST_CALLS"}
    full = _cli([*common, "--out", str(full_out)], plain_env)
    out_full, _ = full.communicate(timeout=300)
    assert full.returncode == 0, out_full

    run_dir = preds.parent
    records = read_jsonl(run_dir / "predictions.jsonl")
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == 42  # 36 rec + 6 choice
    keys = [(r["id"], r["scorer"], r["judge"]) for r in read_jsonl(run_dir / "scores.jsonl")]
    assert len(keys) == len(set(keys))
    # The method was asked once per item, plus at most the one item in flight at the kill.
    asked = len(calls.read_text().splitlines())
    assert 42 <= asked <= 43
    killed = Submission.model_validate_json((run_dir / "result.json").read_text())
    clean = Submission.model_validate_json((full_out / "slow-echo" / "result.json").read_text())
    assert _numbers(killed) == _numbers(clean)
    assert killed.results["rec"]["weight"].n == 36
    assert {r.get("flipped") for r in records if r["task"] == "rec"} == {True, False}
    assert "coverage" in out and "weight" in out  # the terminal table


def test_rescore_with_another_judge_keeps_predictions(sample_root, tmp_path, monkeypatch):
    with FakeOpenAI() as server:
        server.responder(lambda request: "1" if request["model"] == "deepseek-chat" else "0.5")
        monkeypatch.setenv(KEY_VAR, server.api_key)
        base_url = server.base_url
        (outcome,) = api.run(
            "tests.runner.support:EchoMethod",
            data=sample_root,
            out=tmp_path,
            tasks="vqa",
            judge_base_url=base_url,
            judge_key_env=KEY_VAR,
            progress=False,
        )
        preds_before = (outcome.run_dir / "predictions.jsonl").read_bytes()
        assert outcome.result.results["vqa"]["judge"].value == 1.0
        n_before = len(server.requests)
        from unifybench.cli import main

        argv = ["score", str(outcome.run_dir), "--judge-base-url", base_url]
        argv += ["--judge-key-env", KEY_VAR, "--judge-model", "other-judge-2026"]
        assert main(argv) == 0  # the CLI verb; it also recomputes result.json
        assert len(server.requests) > n_before
    result = Submission.model_validate_json((outcome.run_dir / "result.json").read_text())
    assert (outcome.run_dir / "predictions.jsonl").read_bytes() == preds_before
    judged = result.results["vqa"]["judge"]
    assert judged.value == 0.5 and judged.scorer.startswith("judge/other-judge-2026/")
    (info,) = result.benchmark.judges
    assert info.model == "other-judge-2026" and info.official is False
    scoring = json.loads((outcome.run_dir / "scoring.json").read_text())
    assert [j["base_url"] for j in scoring["judges"]] == [base_url]


def test_a_run_grows_by_concepts_and_tasks(sample_root, tmp_path):
    from tests.runner.support import EchoMethod

    concepts = list(api._load(sample_root, None)[0].concepts)
    api.predict(
        EchoMethod(),
        data=sample_root,
        out=tmp_path,
        concepts=concepts[:1],
        tasks="rec",
        progress=False,
    )
    api.predict(
        EchoMethod(),
        data=sample_root,
        out=tmp_path,
        concepts=concepts[:2],
        tasks="rec,choice",
        progress=False,
    )
    config = json.loads((tmp_path / "echo" / "run.json").read_text())
    assert config["concepts"] == concepts[:2] and config["tasks"] == ["rec", "choice"]
    ids = [r["id"] for r in read_jsonl(tmp_path / "echo" / "predictions.jsonl")]
    assert len(ids) == len(set(ids))
    assert {i.split("/")[0] for i in ids} == set(concepts[:2])
