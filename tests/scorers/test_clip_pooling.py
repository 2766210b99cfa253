"""Legacy CLIP-I/CLIP-T over concepts: every image of every concept pooled into one mean.

Published: arctanxarc/UniCTokens eval/clip_eval.py, ``print_avg_results`` appends the per-image
similarities of all prompts of all concepts to one list and averages it. v2 weighs concepts
equally. Per-concept values are the same in both. The protocol flag is ``clip_pooling``.
"""

from __future__ import annotations

import pytest

from unifybench.protocols import LEGACY, V2
from unifybench.runner.aggregate import _task_metrics
from unifybench.scorers.clip import aggregate_clip


def records(concept: str, per_prompt: list[list[float]]) -> list[dict]:
    return [
        {
            "status": "ok",
            "concept": concept,
            "value": sum(v) / len(v),
            "metadata": {"per_image": v, "n_images": len(v)},
        }
        for v in per_prompt
    ]


# concept a: 6 images (one prompt lost 2 images), concept b: 2 images
DATA = {"a": [[0.9, 0.8, 0.7, 0.6], [0.5, 0.4]], "b": [[0.2, 0.1]]}


def result(protocol):
    recs = records("a", DATA["a"]) + records("b", DATA["b"])
    out = _task_metrics(
        "t2i",
        f"clip_i/x/{protocol.name}@1",
        None,
        "clip_i",
        recs,
        ["a", "b"],
        3,
        0,
        lambda scores: aggregate_clip(scores, protocol, "clip_i"),  # no model needed
        0,
        [],
    )
    return out["clip_i"]


def test_legacy_pools_all_images_of_all_concepts() -> None:
    assert LEGACY.clip_pooling == "images"
    every_image = [v for c in DATA.values() for prompt in c for v in prompt]
    res = result(LEGACY)
    assert res.value == pytest.approx(sum(every_image) / len(every_image))  # 4.2 / 8 = 0.525
    assert res.value == pytest.approx(0.525)
    assert res.per_concept == pytest.approx({"a": 0.65, "b": 0.15})
    assert "_pool_weight" not in res.extra  # a weight, never reported


def test_v2_weighs_concepts_equally() -> None:
    res = result(V2)
    assert res.value == pytest.approx((0.65 + 0.15) / 2)
    assert res.per_concept == pytest.approx({"a": 0.65, "b": 0.15})
