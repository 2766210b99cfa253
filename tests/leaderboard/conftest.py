"""Shared fixtures for the leaderboard tests: a factory of valid submissions to mutate."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[2]

CONCEPTS = {
    "adrien_brody": "human",
    "emma": "human",
    "bo": "animal",
    "mam": "animal",
    "pig_cup": "object",
    "skulls_mug": "object",
}


def measured_submission(
    name: str = "UniCTokens",
    *,
    dataset: str = "HankYang428/unictokens_data",
    protocol: str = "legacy",
    rec: float = 0.8,
    clip_i: float = 0.7,
    knowledge: float | None = 0.4,
    sample: bool = False,
) -> dict[str, Any]:
    """A complete measured submission whose per-concept values average to the given means."""
    concepts = list(CONCEPTS)
    offsets = [-0.05, 0.05, -0.1, 0.1, -0.02, 0.02]

    def per(mean: float) -> dict[str, float]:
        return {c: round(mean + o, 6) for c, o in zip(concepts, offsets, strict=True)}

    results: dict[str, Any] = {
        "rec": {
            "weight": {
                "value": rec,
                "scorer": f"rec/substring/{protocol}@1",
                "n": 60,
                "n_total": 60,
                "coverage": 1.0,
                "per_concept": per(rec),
            }
        },
        "t2i": {
            "clip_i": {
                "value": clip_i,
                "scorer": f"clip_i/openai-vit-b32/{protocol}@1",
                "n": 540,
                "n_total": 600,
                "coverage": 0.9,
                "per_concept": per(clip_i),
            }
        },
    }
    if knowledge is not None:
        results["knowledge"] = {
            "judge": {
                "value": knowledge,
                "scorer": f"knowledge/gpt4o/{protocol}@1",
                "judge": "openai/gpt-4o-2024-08-06@abc123",
                "n": 24,
                "n_total": 24,
                "coverage": 1.0,
                "per_concept": per(knowledge),
            }
        }
    return {
        "schema_version": 1,
        "method": {"name": name, "version": "1", "paper": "https://arxiv.org/abs/2505.14671"},
        "benchmark": {"dataset": dataset, "protocol": protocol, "sample": sample},
        "concepts": dict(CONCEPTS),
        "results": results,
        "provenance": {
            "kind": "measured",
            "run_id": f"run-{name.lower()}-{protocol}",
            "date": "2026-11-29T11:00:00Z",
            "machine": "test",
            "unifybench_version": "0.1.0",
        },
    }


def reported_submission(name: str = "UniCTokens", rec: float = 0.75, **kw: Any) -> dict[str, Any]:
    """A reported counterpart of measured_submission (no per-concept values)."""
    sub = measured_submission(name, rec=rec, **kw)
    for metrics in sub["results"].values():
        for result in metrics.values():
            for key in ("n", "n_total", "coverage", "per_concept"):
                result.pop(key, None)
    sub["concepts"] = {}
    sub["provenance"] = {"kind": "reported", "paper": "UniCTokens (arXiv 2505.14671)", "table": "2"}
    return sub


@pytest.fixture
def write_submission(tmp_path: Path) -> Callable[..., Path]:
    """Write a submission dict to tmp_path/<name>.json and return the path."""

    def write(data: dict[str, Any], name: str = "sub") -> Path:
        path = tmp_path / "submissions" / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(copy.deepcopy(data)), encoding="utf-8")
        return path

    return write
