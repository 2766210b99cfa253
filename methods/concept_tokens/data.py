"""Training data of one concept for concept tokens, from its record and its training folder.

Understanding examples are the ones UniCTokens trains on here
(:func:`methods.common.training_data.mmu_examples`: recognition of the training photos and of
negatives, a description from ``info``, facts from ``extra_info``), plus the question/answer
pairs of ``concept/train/<c>/conversations.json`` when the release has one in the shape
``{image file name: [{"query": ..., "answer": ...}]}``. Generation examples are the training photos.
"""

from __future__ import annotations

import json
from pathlib import Path

from methods.common.training_data import MMUExample, mmu_examples
from unifybench.data.records import Concept

CONVERSATIONS = "conversations.json"


def conversation_examples(concept: Concept) -> list[MMUExample]:
    """Pairs from ``conversations.json`` next to the training photos (empty when absent).

    Keys must name images inside the concept's training folder; other keys and other shapes
    (lists whose image paths point at the authors' disks) are skipped.
    """
    if not concept.train_images:
        return []
    folder = Path(concept.train_images[0]).parent
    path = folder / CONVERSATIONS
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    root = folder.resolve()
    out: list[MMUExample] = []
    for name, turns in sorted(data.items()):
        image = (folder / str(name)).resolve()
        if root not in image.parents or not image.is_file() or not isinstance(turns, list):
            continue
        for turn in turns:
            if not isinstance(turn, dict):
                continue
            q, a = turn.get("query"), turn.get("answer")
            if isinstance(q, str) and isinstance(a, str) and q.strip() and a.strip():
                out.append(MMUExample(image, q.strip(), a.strip()))
    return out


def understanding_examples(concept: Concept) -> list[MMUExample]:
    """Every understanding example of ``concept`` in a fixed order."""
    return mmu_examples(concept) + conversation_examples(concept)


def generation_images(concept: Concept) -> list[Path]:
    """The photos whose image tokens the concept tokens learn to generate."""
    return sorted(Path(p) for p in concept.train_images)
