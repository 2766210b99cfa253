"""ColourPrototype: a tiny personalization method that only needs Pillow.

- personalize: the mean colour of the concept's training images, and its profile sentences.
- answer: recognition ("Is <c> in this photo?") by the distance of the photo's mean colour to the
  prototype; other questions by returning the profile sentence sharing most words with the question.
- generate: n images filled with the prototype colour plus seeded noise.

It exists to show the interface, not to score well.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image, ImageStat


class ColourPrototype:
    """A method is a plain class: a name, capabilities, personalize / answer / generate."""

    name: ClassVar[str] = "colour-prototype"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding", "generation"})
    version: ClassVar[str] = "0.1.0"
    paper: ClassVar[str | None] = None

    def __init__(self, threshold: float = 60.0, size: int = 64) -> None:
        # Parameters arrive from `unifybench run --param threshold=40`.
        self.threshold = float(threshold)
        self.size = int(size)

    def params(self) -> dict[str, Any]:
        """Recorded in the run's provenance and result.json."""
        return {"threshold": self.threshold, "size": self.size}

    def personalize(self, concept: Any, workdir: Path) -> dict[str, Any]:
        """Learn the concept once; the returned state is passed to every answer/generate call."""
        means = []
        for path in concept.train_images:
            with Image.open(path) as img:
                means.append(ImageStat.Stat(img.convert("RGB")).mean)
        if not means:
            raise ValueError(f"concept {concept.id} has no training images")
        colour = tuple(sum(m[i] for m in means) / len(means) for i in range(3))
        facts = [concept.info, *concept.extra_info]
        return {"token": concept.token, "colour": colour, "facts": facts}

    def checkpoint_hash(self, state: dict[str, Any]) -> str:
        """A hash of what was learned, so results can be tied to the exact state."""
        return hashlib.sha256(repr(state["colour"]).encode()).hexdigest()[:16]

    def answer(self, state: dict[str, Any], question: str, image: Image.Image | None) -> str:
        if image is not None and question.lower().lstrip().startswith(("is ", "can you see")):
            mean = ImageStat.Stat(image.convert("RGB")).mean
            dist = sum((a - b) ** 2 for a, b in zip(mean, state["colour"], strict=True)) ** 0.5
            return "Yes." if dist < self.threshold else "No."
        words = set(question.lower().split())
        best = max(state["facts"], key=lambda fact: len(words & set(fact.lower().split())))
        return best.replace(state["token"], "it")

    def generate(self, state: dict[str, Any], prompt: str, n: int, seed: int) -> list[Image.Image]:
        rng = random.Random(seed)  # use the seed you are given: resumed runs then match
        images = []
        for _ in range(n):
            colour = tuple(max(0, min(255, int(c + rng.uniform(-20, 20)))) for c in state["colour"])
            images.append(Image.new("RGB", (self.size, self.size), colour))
        return images
