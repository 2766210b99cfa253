"""The real-image ceiling: "generate" by handing back the concept's own training photos."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from methods.common.images import square_resize
from unifybench.errors import ConfigError, DataError

if TYPE_CHECKING:
    from PIL import Image

    from unifybench.data.records import Concept


@dataclass(frozen=True)
class ReferenceImagesState:
    """The concept's training image files, in dataset order."""

    concept_id: str
    images: tuple[Path, ...]


class ReferenceImages:
    """Returns the concept's training images as its "generations".

    It is the upper reference for image-similarity metrics (CLIP-I, face similarity): a real photo
    of the concept, ignoring the prompt (so its CLIP-T is not a ceiling). Image ``i`` of a call is
    training image ``(start + i) mod k`` where ``start`` is drawn from ``random.Random(seed)``;
    the same seed gives the same images. Each is centre-cropped to a square and resized (bicubic)
    to ``size`` pixels, the size the benchmark's generators produce.
    """

    name: ClassVar[str] = "reference-images"
    capabilities: ClassVar[frozenset[str]] = frozenset({"generation"})
    kind: ClassVar[str] = "reference"  # real images, not a method: shown on boards, never ranked

    def __init__(self, *, size: int = 512):
        if not isinstance(size, int) or size < 8:
            raise ConfigError(f"reference-images: size must be an integer >= 8, got {size!r}")
        self.size = size

    def params(self) -> dict[str, Any]:
        """Constructor parameters, for the run's provenance record."""
        return {"size": self.size}

    def __repr__(self) -> str:
        return f"ReferenceImages({self.params()})"

    def checkpoint_hash(self, state: ReferenceImagesState) -> str | None:
        """Nothing is learned; the images are part of the data manifest already."""
        return None

    def personalize(self, concept: Concept, workdir: Path) -> ReferenceImagesState:
        """Remember the training image files; fails if the concept has none."""
        if not concept.train_images:
            raise DataError(
                f"concept/train/{concept.id}", "train_images", "at least one training image"
            )
        return ReferenceImagesState(concept_id=concept.id, images=tuple(concept.train_images))

    def answer(self, state: ReferenceImagesState, question: str, image: Image.Image | None) -> str:
        """Not supported: this method declares only generation."""
        raise NotImplementedError("reference-images has no understanding capability")

    def generate(
        self, state: ReferenceImagesState, prompt: str, n: int, seed: int
    ) -> list[Image.Image]:
        """``n`` training images, cycled from a seeded start, as ``size`` x ``size`` RGB."""
        from unifybench.data.records import load_image

        start = random.Random(seed).randrange(len(state.images))
        picks = [state.images[(start + i) % len(state.images)] for i in range(n)]
        return [square_resize(load_image(path), self.size) for path in picks]
