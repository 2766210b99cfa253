"""Batched method calls in the runner: same predictions as item by item, per-item retry of a
failed batch, legacy flips, and a run SIGKILLed mid-batch then resumed."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.runner.support import (
    BatchedEcho,
    EchoMethod,
    FlakyBatch,
    FlipBatch,
    FlipBatchWithoutFlips,
    read_jsonl,
)
from unifybench import api
from unifybench.errors import ConfigError
from unifybench.runner.batches import effective_batch_size, item_batches
from unifybench.runner.plan import PlanItem

ROOT = Path(__file__).resolve().parents[2]


def predictions(run_dir: Path) -> dict[str, dict[str, Any]]:
    """What a run predicted, by id: status, output, error, seed, flip and the images' bytes."""
    out = {}
    for r in read_jsonl(run_dir / "predictions.jsonl"):
        images = [hashlib.sha256((run_dir / p).read_bytes()).hexdigest() for p in r["images"] or []]
        out[r["id"]] = {
            "status": r["status"],
            "output": r["output"],
            "error": r["error"],
            "seed": r["seed"],
            "flipped": r.get("flipped"),
            "images": images,
        }
    return out


def _predict(method: Any, tiny: Any, out: Path, **kw: Any) -> Path:
    (outcome,) = api.predict(method, data=tiny, out=out, progress=False, **kw)
    return outcome.run_dir


def test_batches_are_consecutive_items_of_one_task_and_image_count():
    items = [PlanItem(f"a/rec/{i}", "a", "rec", i) for i in range(5)]
    items += [PlanItem("a/vqa/0", "a", "vqa", 0)]
    items += [PlanItem(f"a/t2i/{i}", "a", "t2i", i, 2 if i < 2 else 3) for i in range(3)]
    got = [[p.id for p in b] for b in item_batches(items, 2)]
    assert got == [
        ["a/rec/0", "a/rec/1"],
        ["a/rec/2", "a/rec/3"],
        ["a/rec/4"],
        ["a/vqa/0"],
        ["a/t2i/0", "a/t2i/1"],
        ["a/t2i/2"],
    ]


def test_batch_size_defaults_to_the_methods_own_and_to_one_without_hooks():
    assert effective_batch_size(BatchedEcho(), None) == 3
    assert effective_batch_size(BatchedEcho(), 8) == 8
    assert effective_batch_size(EchoMethod(), None) == 1
    assert effective_batch_size(EchoMethod(), 8) == 1  # no hooks: item by item
    for bad in (0, -2, 1.5):
        with pytest.raises(ConfigError, match="--batch-size must be an integer >= 1"):
            effective_batch_size(BatchedEcho(), bad)


@pytest.mark.parametrize("protocol", ["v2", "legacy"])
def test_a_batched_run_equals_a_per_item_run(tiny, tmp_path, protocol):
    BatchedEcho.batch_calls.clear()
    single = _predict(BatchedEcho(), tiny, tmp_path / "one", batch_size=1, protocol=protocol)
    assert BatchedEcho.batch_calls == []  # batch size 1: the single calls
    batched = _predict(BatchedEcho(), tiny, tmp_path / "many", protocol=protocol)
    # The method's default (3): rec 4 = 3 + 1 (a batch of one is a single call), vqa 3, t2i 3.
    assert sorted(BatchedEcho.batch_calls) == sorted(
        [("answer_batch", 3)] * 4 + [("generate_batch", 3)] * 2
    )
    assert predictions(batched) == predictions(single)
    records = read_jsonl(batched / "predictions.jsonl")
    assert {r.get("batch") for r in records} == {3, None}
    assert [r["id"] for r in records] == [r["id"] for r in read_jsonl(single / "predictions.jsonl")]


@pytest.mark.parametrize("failure", ["raise", "count", "type"])
def test_a_failed_batch_is_retried_item_by_item(tiny, tmp_path, failure, capsys):
    reference = predictions(_predict(BatchedEcho(), tiny, tmp_path / "ok", batch_size=1))
    got = predictions(_predict(FlakyBatch(failure), tiny, tmp_path / failure, batch_size=4))
    bad = {i for i in got if i.split("/")[1] in ("rec", "vqa") and i.endswith("/1")}
    assert bad == {"ann/rec/1", "ann/vqa/1", "cup/rec/1", "cup/vqa/1"}
    for item_id, record in got.items():
        if item_id in bad:  # the genuinely bad item is an error, alone
            assert record["status"] == "error" and record["error"] == "RuntimeError: bad item"
        else:  # its neighbours are what they are alone
            assert record == reference[item_id], item_id
    assert "asking item by item" in capsys.readouterr().err


def _two_coloured(tiny: Any) -> None:
    """Test images whose left half is red and right half blue, so a flip is visible."""
    from PIL import Image

    for items in tiny.understanding.values():
        for item in items:
            if item.image is not None:
                im = Image.new("RGB", (8, 4), (0, 0, 255))
                im.paste((255, 0, 0), (0, 0, 4, 4))
                im.save(item.image)


@pytest.mark.parametrize("cls", [FlipBatch, FlipBatchWithoutFlips])
def test_legacy_flips_reach_batches_of_methods_that_flip_after_their_crop(tiny, tmp_path, cls):
    _two_coloured(tiny)
    kw = {"tasks": "rec", "protocol": "legacy"}
    single = predictions(_predict(cls(), tiny, tmp_path / "one", batch_size=1, **kw))
    cls.batch_calls.clear()
    batched = predictions(_predict(cls(), tiny, tmp_path / "many", batch_size=4, **kw))
    assert batched == single
    flips = {r["flipped"] for r in batched.values()}
    assert flips == {True, False}
    for r in batched.values():  # the method got the flip and the unflipped image
        assert r["output"].startswith(f"flip={r['flipped']} red=255 ")
    if cls is FlipBatch:
        assert cls.batch_calls == [("answer_batch", 4)] * 2
    else:  # no flips= parameter: the flipped protocol asks it item by item
        assert cls.batch_calls == []
    # Under v2 (no flips) the hook without flips= is used.
    _predict(cls(), tiny, tmp_path / "v2", batch_size=4, tasks="rec", protocol="v2")
    assert ("answer_batch", 4) in cls.batch_calls


def test_resume_of_a_batched_run_equals_an_uninterrupted_one(tiny, tmp_path):
    full = predictions(_predict(BatchedEcho(), tiny, tmp_path / "full", batch_size=1))
    part = tmp_path / "part"
    run_dir = _predict(BatchedEcho(), tiny, part, batch_size=4)
    lines = (run_dir / "predictions.jsonl").read_text().splitlines(keepends=True)
    # As if killed mid-batch: 5 records of the first concept, then half a line.
    (run_dir / "predictions.jsonl").write_text("".join(lines[:5]) + lines[5][:20])
    BatchedEcho.batch_calls.clear()
    _predict(BatchedEcho(), tiny, part, batch_size=3)  # another batch size on resume
    assert predictions(run_dir) == full
    assert sum(n for _, n in BatchedEcho.batch_calls) <= len(lines) - 5


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
def test_sigkill_mid_batch_then_resume_equals_batched_and_per_item_runs(sample_root, tmp_path):
    calls = tmp_path / "calls.txt"
    env = {**os.environ, "UNIFYBENCH_TEST_CALLS": str(calls), "UNIFYBENCH_TEST_DELAY": "0.05"}
    common = ["predict", "--method", "tests.runner.support:SlowBatchedEcho"]
    common += ["--data", str(sample_root), "--tasks", "rec,vqa,t2i", "--concepts", "astro,chelsea"]
    common += ["--images-per-prompt", "1", "--seed", "3", "--protocol", "legacy"]
    killed_out = tmp_path / "killed"
    preds = killed_out / "slow-batched-echo" / "predictions.jsonl"

    proc = _cli([*common, "--out", str(killed_out), "--batch-size", "4"], env)
    deadline = time.time() + 120
    while time.time() < deadline:
        if preds.exists() and len(preds.read_text().splitlines()) >= 10:
            break
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    n_before = len(read_jsonl(preds))
    lines = calls.read_text().splitlines()
    assert any(line.startswith("answer_batch") for line in lines)

    resumed = _cli([*common, "--out", str(killed_out), "--batch-size", "4"], env)
    out, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, out
    plain = {k: v for k, v in env.items() if k != "UNIFYBENCH_TEST_CALLS"}
    for name, size in (("batched", "4"), ("single", "1")):
        done = _cli([*common, "--out", str(tmp_path / name), "--batch-size", size], plain)
        text, _ = done.communicate(timeout=300)
        assert done.returncode == 0, text

    killed = predictions(killed_out / "slow-batched-echo")
    total = len(killed)
    assert 10 <= n_before < total, "the kill must land half-way"
    assert killed == predictions(tmp_path / "batched" / "slow-batched-echo")
    assert killed == predictions(tmp_path / "single" / "slow-batched-echo")
    ids = [r["id"] for r in read_jsonl(preds)]
    assert len(ids) == len(set(ids)) == total
    # Items asked again after the kill: at most the one batch in flight (4 items).
    asked = sum(int(line.split()[1]) for line in calls.read_text().splitlines() if " " in line)
    asked += sum(1 for line in calls.read_text().splitlines() if " " not in line)
    assert total <= asked <= total + 4
