"""Shared helpers for scorer tests: offline hub, tiny concepts and items built in place."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

# Hub calls must fail fast: nothing may be downloaded at test time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from unifybench.data.records import Concept, GenerationPrompt, UnderstandingItem
from unifybench.scorers.base import Score


def make_concept(
    cid: str = "bo", train_images: tuple[Path, ...] = (), category: str = "animal"
) -> Concept:
    """A concept with just what scorers read."""
    return Concept(
        id=cid,
        category=category,  # type: ignore[arg-type]
        class_noun="dog" if category != "human" else "man",
        info=f"<{cid}> is a test concept.",
        extra_info=(),
        generation_type="live_subject",
        train_images=tuple(train_images),
        test_images=(),
    )


def make_item(task: str, answer: str, index: int = 0, cid: str = "bo") -> UnderstandingItem:
    """An understanding item with the given gold answer."""
    return UnderstandingItem(
        id=f"{cid}/{task}/{index}",
        concept_id=cid,
        task=task,  # type: ignore[arg-type]
        index=index,
        question="Is <bo> in this photo?",
        answer=answer,
        image=None,
    )


def make_prompt(
    task: str, index: int = 0, cid: str = "bo", text: str = "a dog"
) -> GenerationPrompt:
    """A generation prompt with the given CLIP text."""
    return GenerationPrompt(
        id=f"{cid}/{task}/{index}",
        concept_id=cid,
        task=task,  # type: ignore[arg-type]
        index=index,
        prompt=text.replace("dog", f"<{cid}>"),
        clip_text=text,
    )


def json_roundtrip(scores: list[Score]) -> list[Score]:
    """Scores as the runner stores and reads them back: strict JSON, NaN written as null."""

    def clean(v: object) -> object:
        if isinstance(v, float) and math.isnan(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    out = []
    for s in scores:
        raw = json.loads(json.dumps(clean(dict(s.__dict__)), allow_nan=False))
        value = raw.pop("value")
        out.append(Score(value=math.nan if value is None else value, **raw))
    return out


@pytest.fixture(autouse=True)
def _offline_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _one_torch_thread() -> object:
    """One intra-op thread while a scorer test runs (restored after).

    The test machines are small and shared: with several threads each tiny tensor op waits for
    busy cores (measured ~40 ms instead of 0.04 ms per op). Values do not depend on it.
    """
    import sys

    torch = sys.modules.get("torch")
    if torch is None:
        yield None
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield None
    finally:
        torch.set_num_threads(before)
