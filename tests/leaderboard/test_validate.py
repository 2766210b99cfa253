"""Submission loading and validation: file, field and expectation in every message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leaderboard.schema import load_schema
from tests.leaderboard.conftest import REPO_ROOT, measured_submission, reported_submission
from unifybench.errors import DataError
from unifybench.submission.jsonschema import render_json_schema
from unifybench.submission.validate import load_submission, validate_paths


def test_valid_measured_and_reported_load(write_submission) -> None:
    sub = load_submission(write_submission(measured_submission()))
    assert sub.results["rec"]["weight"].value == 0.8
    assert validate_paths([write_submission(measured_submission(), "m")]) == []
    assert validate_paths([write_submission(reported_submission(), "r")]) == []


def test_wrong_type_names_file_and_field_path(write_submission) -> None:
    data = measured_submission()
    data["results"]["rec"]["weight"]["value"] = "high"
    path = write_submission(data)
    with pytest.raises(DataError) as info:
        load_submission(path)
    assert info.value.file == str(path)
    assert info.value.field == "results.rec.weight.value"
    assert "number" in str(info.value) and "'high'" in str(info.value)


def test_missing_field_and_bad_json(write_submission, tmp_path: Path) -> None:
    data = measured_submission()
    del data["method"]["name"]
    with pytest.raises(DataError, match=r"field 'method\.name': Field required"):
        load_submission(write_submission(data))
    broken = tmp_path / "broken.json"
    broken.write_text('{"method": ', encoding="utf-8")
    with pytest.raises(DataError, match=r"broken\.json: not valid JSON.*line 1"):
        load_submission(broken)


def test_reported_without_citation_is_refused(write_submission) -> None:
    data = reported_submission()
    data["provenance"] = {"kind": "reported", "paper": "Some paper"}
    problems = validate_paths([write_submission(data)])
    assert [p.field for p in problems] == ["provenance"]
    assert "table" in problems[0].message
    data["provenance"] = {"kind": "reported", "table": "3"}
    assert "cite its paper" in validate_paths([write_submission(data)])[0].message


def test_measured_needs_run_id_date_and_version(write_submission) -> None:
    data = measured_submission()
    data["provenance"] = {"kind": "measured", "run_id": "r1"}
    fields = {p.field for p in validate_paths([write_submission(data)])}
    assert fields == {"provenance.date", "provenance.unifybench_version"}


def test_unknown_metric_task_protocol_and_category(write_submission) -> None:
    data = measured_submission()
    data["results"]["vqa"] = {"judge_gpt5": {"value": 0.5, "scorer": "x@1"}}
    data["results"]["dance"] = {"score": {"value": 0.5, "scorer": "x@1"}}
    data["benchmark"]["protocol"] = "v3"
    data["concepts"]["bo"] = "plant"
    path = write_submission(data)
    problems = {p.field: p for p in validate_paths([path])}
    assert set(problems) == {
        "results.vqa.judge_gpt5",
        "results.dance",
        "benchmark.protocol",
        "concepts.bo",
    }
    assert all(p.file == str(path) for p in problems.values())
    assert "judge_minilm" in problems["results.vqa.judge_gpt5"].message  # says what is allowed


def test_empty_category_means_uncategorised(write_submission) -> None:
    data = measured_submission()
    data["concepts"]["bo"] = ""  # the runner writes "" when a concept's category is unknown
    assert validate_paths([write_submission(data)]) == []


def test_numbers_cross_checked(write_submission) -> None:
    data = measured_submission()
    rec = data["results"]["rec"]["weight"]
    rec["coverage"] = 0.5  # n / n_total is 1.0
    rec["ci_low"], rec["ci_high"] = 0.9, 0.95  # value 0.8 outside
    rec["per_concept"]["ghost"] = 0.1
    fields = {p.field for p in validate_paths([write_submission(data)])}
    assert fields == {
        "results.rec.weight.coverage",
        "results.rec.weight.ci_low",
        "results.rec.weight.per_concept.ghost",
    }


def test_sample_dataset_must_say_sample(write_submission) -> None:
    data = measured_submission(dataset="unifybench-sample", sample=False)
    assert [p.field for p in validate_paths([write_submission(data)])] == ["benchmark.sample"]


def test_folder_search_and_missing_path(write_submission, tmp_path: Path) -> None:
    write_submission(measured_submission(), "a")
    write_submission(reported_submission(), "b")
    assert validate_paths([tmp_path / "submissions"]) == []
    problems = validate_paths([tmp_path / "nope.json"])
    assert problems[0].message == "file not found"


def test_cli_validate_ok_and_problems(write_submission, tmp_path: Path) -> None:
    good = write_submission(measured_submission(), "good")
    bad_data = measured_submission()
    bad_data["results"]["t2i"]["fid"] = {"value": 1.0, "scorer": "fid@1"}
    bad = write_submission(bad_data, "bad")
    cmd = [sys.executable, "-m", "unifybench", "validate"]
    ok = subprocess.run([*cmd, str(good)], cwd=REPO_ROOT, capture_output=True, text=True)
    assert ok.returncode == 0 and f"OK {good}" in ok.stdout
    fail = subprocess.run(
        [*cmd, str(good), str(bad)], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert fail.returncode == 1
    assert f"OK {good}" in fail.stdout
    assert f"PROBLEM {bad}: field 'results.t2i.fid'" in fail.stdout


def test_seed_submissions_are_valid() -> None:
    """What CI checks: every file in submissions/ passes validation."""
    assert validate_paths([REPO_ROOT / "submissions"]) == []


def test_committed_json_schema_matches_model() -> None:
    committed = (REPO_ROOT / "docs" / "submission.schema.json").read_text(encoding="utf-8")
    assert committed == render_json_schema(), (
        "docs/submission.schema.json is stale: run "
        "`python -m unifybench leaderboard schema -o docs/submission.schema.json`"
    )
    schema = json.loads(committed)
    assert schema["$defs"]["Provenance"]["then"]["required"] == ["paper"]


def test_shipped_leaderboard_schema_is_consistent() -> None:
    schema = load_schema()
    assert [g.main for g in schema.groups] == ["rec/weight", "t2i/clip_i", "knowledge/judge"]
    for col in schema.columns:
        if col.metric_spec.approximate:
            assert col.key not in {g.main for g in schema.groups}


def test_broken_leaderboard_schema_names_file_and_field(tmp_path: Path) -> None:
    import yaml

    from unifybench.errors import ConfigError

    raw = yaml.safe_load((REPO_ROOT / "leaderboard" / "schema.yaml").read_text(encoding="utf-8"))
    raw["groups"][0]["main"] = "rec/nonsense"
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"schema\.yaml: field 'groups\.0'.*rec/nonsense"):
        load_schema(path)
    raw = yaml.safe_load((REPO_ROOT / "leaderboard" / "schema.yaml").read_text(encoding="utf-8"))
    raw["groups"] = [g for g in raw["groups"] if g["id"] != "knowledge"]
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match="task 'knowledge' is shown in group 'knowledge'"):
        load_schema(path)
    raw = yaml.safe_load((REPO_ROOT / "leaderboard" / "schema.yaml").read_text(encoding="utf-8"))
    raw["groups"][1]["columns"] = ["t2i/fid"]  # columns come from the task specs
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"field 'groups\.1\.columns'"):
        load_schema(path)
