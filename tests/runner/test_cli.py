"""The run verbs of the command line (in process where possible, subprocess for import checks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runner.support import EchoMethod, FakeJudge, make_scorers
from unifybench import api
from unifybench.cli import main
from unifybench.cli.run import parse_params
from unifybench.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_help_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from unifybench.cli import build_parser\n"
        "p = build_parser()\n"
        "for verb in ('run', 'predict', 'score', 'aggregate', 'ls', 'demo'):\n"
        "    try:\n"
        "        p.parse_args([verb, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('torch', 'pandas', 'open_clip', 'insightface', 'transformers',"
        " 'sentence_transformers', 'numpy', 'PIL') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY []" in out, out
    for verb in (
        "--method",
        "--param",
        "--retry-errors",
        "--offline-judge",
        "--face-backend",
        "--judge-key-env",
        "--images-per-prompt",
        "--protocol",
        "--clip-weights",
    ):
        assert verb in out


def test_parse_params_json_values():
    assert parse_params(["steps=50", "name=abc", "flags=[1,2]", "on=true"]) == {
        "steps": 50,
        "name": "abc",
        "flags": [1, 2],
        "on": True,
    }
    with pytest.raises(ConfigError, match="key=value"):
        parse_params(["oops"])


def test_one_param_may_hold_several_pairs():
    """The issue's spelling (--param backbone=janus,config=tiny) and the comma rule."""
    assert parse_params(["backbone=janus,config=tiny", "epochs=1"]) == {
        "backbone": "janus",
        "config": "tiny",
        "epochs": 1,
    }
    assert parse_params(["prompt=a dog, a cat"]) == {"prompt": "a dog, a cat"}
    assert parse_params(["sizes=[1,2],n=3"]) == {"sizes": [1, 2], "n": 3}
    assert parse_params(['cfg={"a":1,"b":2},k=x']) == {"cfg": {"a": 1, "b": 2}, "k": "x"}
    assert parse_params(['note="x,y=1",k=2']) == {"note": "x,y=1", "k": 2}
    assert parse_params(["a=1,a=2"]) == {"a": 2}  # the last one wins
    assert parse_params(["a=1,=2"]) == {"a": "1,=2"}  # no name after the comma: one value
    assert parse_params(["a=1,b"]) == {"a": "1,b"}
    with pytest.raises(ConfigError, match="key=value"):
        parse_params(["=2,a=1"])


def test_ls_lists_methods_and_tasks(capsys):
    assert main(["ls"]) == 0
    out = capsys.readouterr().out
    assert "no-personalization" in out and "knowledge" in out and "MiniLM" in out
    assert main(["ls", "tasks"]) == 0
    assert "methods:" not in capsys.readouterr().out


def test_aggregate_verb_prints_table_and_coverage(tiny, tmp_path, capsys):
    api.run(
        EchoMethod(),
        data=tiny,
        out=tmp_path,
        scorers=make_scorers(),
        judges=[FakeJudge()],
        progress=False,
    )
    result = tmp_path / "echo" / "result.json"
    result.unlink()
    assert main(["aggregate", str(tmp_path / "echo")]) == 0
    out = capsys.readouterr().out
    assert "weight" in out and "100%" in out and "result:" in out
    assert json.loads(result.read_text())["results"]["rec"]["weight"]["value"] == 1.0


def test_unknown_run_dir_is_a_clear_error(tmp_path, capsys):
    assert main(["aggregate", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "run.json" in err and "Traceback" not in err


def test_unknown_method_is_a_clear_error(tmp_path, capsys):
    assert main(["predict", "--method", "no-such-method", "--out", str(tmp_path)]) == 2
    assert "unknown method 'no-such-method'" in capsys.readouterr().err
