"""Training data of one concept, built from its record (questions, answers, images, captions).

The authors train on per-concept JSON files generated offline (``showo_training_data_stage_N``);
those are not part of the public dataset layout, so this module builds the same kinds of examples
from the concept record: recognition (positives from the training images, negatives from the hard
and random negatives), description from ``info``, and facts from ``extra_info`` (text-only,
on the black placeholder image). Questions keep the concept placeholder (``<bo>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from unifybench.data.records import Concept
from unifybench.errors import DataError

RECOGNITION_QUESTIONS = (
    "Is {c} in this image?",
    "Can you see {c} in this photo?",
    "Does this picture show {c}?",
)
DESCRIBE_QUESTIONS = ("What is {c}?", "Who or what is {c}?", "Describe {c}.")
FACT_QUESTIONS = ("What do you know about {c}?", "Tell me about {c}.")


@dataclass(frozen=True)
class MMUExample:
    """One understanding example: image (None = black placeholder), question, answer."""

    image: Path | None
    question: str
    answer: str


@dataclass(frozen=True)
class T2IExample:
    """One generation example: an image of the concept and its caption."""

    image: Path
    caption: str
    cropped: bool


def mmu_examples(concept: Concept, max_negatives: int | None = None) -> list[MMUExample]:
    """Understanding examples of ``concept`` in a fixed order."""
    c = concept.token
    if not concept.train_images:
        raise DataError(f"concept '{concept.id}'", "train_images", "at least one training image")
    out: list[MMUExample] = []
    info = concept.info.strip()
    for i, img in enumerate(concept.train_images):
        q = RECOGNITION_QUESTIONS[i % len(RECOGNITION_QUESTIONS)].format(c=c)
        out.append(MMUExample(img, q, f"Yes, {c} is in this image."))
        if info:
            out.append(
                MMUExample(img, DESCRIBE_QUESTIONS[i % len(DESCRIBE_QUESTIONS)].format(c=c), info)
            )
    negatives = list(concept.hard_negatives) + list(concept.random_negatives)
    limit = len(concept.train_images) if max_negatives is None else max_negatives
    for i, img in enumerate(negatives[:limit]):
        q = RECOGNITION_QUESTIONS[i % len(RECOGNITION_QUESTIONS)].format(c=c)
        out.append(MMUExample(img, q, f"No, {c} is not in this image."))
    facts = " ".join(s.strip() for s in concept.extra_info if s.strip())
    if facts:
        for q in FACT_QUESTIONS:
            out.append(MMUExample(None, q.format(c=c), f"{info} {facts}".strip()))
    return out


def t2i_examples(concept: Concept, caption: str, *, use_cropped: bool) -> list[T2IExample]:
    """Generation examples: ``cropped_images`` when asked and present, else ``train_images``."""
    if use_cropped and concept.cropped_images:
        return [T2IExample(p, caption, True) for p in sorted(concept.cropped_images)]
    return [T2IExample(p, caption, False) for p in sorted(concept.train_images)]
