"""The real methods through the runner: ``--batch-size 8`` predicts what ``--batch-size 1`` does,
item for item (greedy answers as text, images byte for byte), on the sample benchmark with the
tiny random backbones and a CPU baseline. The same method object runs both, so the backbone and
the personalization are built once per run (the concept's workdir differs per run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.runner.test_batching import predictions
from unifybench import api

STEPS = {"generation_steps": 2}
CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "concept-tokens-showo": (
        "concept-tokens",
        {
            "backbone": "showo",
            "config": "tiny",
            "epochs": 1,
            "max_steps_per_epoch": 2,
            "n_tokens": 4,
            **STEPS,
        },
        "v2",
    ),
    "concept-tokens-janus": (
        "concept-tokens",
        {
            "backbone": "janus",
            "config": "tiny",
            "epochs": 1,
            "max_steps_per_epoch": 2,
            "n_tokens": 4,
            **STEPS,
        },
        "v2",
    ),
    "janus-prompt": ("janus-prompt", {"config": "tiny"}, "v2"),
    # legacy: the test images are flipped at random, handed to answer_batch as flips=.
    "showo-prompt": ("showo-prompt", {"config": "tiny", **STEPS}, "legacy"),
    "no-personalization": ("no-personalization", {"size": 32}, "v2"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_batch_size_8_predicts_what_batch_size_1_does(case, sample_root, tmp_path):
    from unifybench.method import create_method

    name, params, protocol = CASES[case]
    method = create_method(name, **params)
    runs: dict[int, Path] = {}
    for size in (1, 8):
        (outcome,) = api.predict(
            method,
            data=sample_root,
            out=tmp_path / f"b{size}",
            concepts="cup",
            tasks="rec,vqa,t2i",
            images_per_prompt=2,
            protocol=protocol,
            batch_size=size,
            progress=False,
        )
        runs[size] = outcome.run_dir
    one, eight = predictions(runs[1]), predictions(runs[8])
    assert one == eight
    assert all(r["status"] == "ok" for r in one.values()), [r["error"] for r in one.values()]
    if protocol == "legacy":
        assert {r["flipped"] for r in one.values() if r["flipped"] is not None} == {True, False}
    from tests.runner.support import read_jsonl

    batched = [r.get("batch", 1) for r in read_jsonl(runs[8] / "predictions.jsonl")]
    has_hooks = hasattr(method, "answer_batch") or hasattr(method, "generate_batch")
    assert (max(batched) > 1) == has_hooks
