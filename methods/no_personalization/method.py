"""The floor every board needs: a method that knows nothing about the concept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from methods.common.questions import (
    choice_options,
    is_recognition_question,
    replace_placeholder,
    strip_image_marker,
)
from unifybench.errors import ConfigError

if TYPE_CHECKING:
    from PIL import Image

    from unifybench.data.records import Concept

REC_ANSWERS = ("Yes.", "No.")
IMAGE_STYLES = ("noise", "gray")
OPEN_ANSWERS = ("echo", "plain")


@dataclass(frozen=True)
class NoPersonalizationState:
    """All this method keeps of a concept: its placeholder, so it can be recognised in questions."""

    concept_id: str
    token: str


class NoPersonalization:
    """Answers and draws without using anything about the concept.

    * Recognition questions get one fixed answer (``rec_answer``, default ``"No."``): with no
      knowledge of the concept every image is equally likely, so the honest policy is a constant;
      its Rec weight is exactly 0.5.
    * Multiple-choice questions get the first option, letter and text (``"A. ..."``).
    * Open questions (VQA, text-only) get ``"I don't know: <question>"`` with the placeholder
      replaced by "it" / "its": the answer is built from the question alone
      (``open_answer="echo"``, default), or just ``"I don't know."`` (``open_answer="plain"``).
      Echoing the question earns some credit from similarity-based metrics (char BLEU, the
      offline MiniLM judge) for restating it, as an untuned model that restates would.
    * Generation returns images that ignore the prompt: seeded uniform noise
      (``image_style="noise"``) or a flat mid-gray image (``"gray"``), ``size`` x ``size`` pixels.
      The noise depends only on ``seed`` and the image's position in the batch.
    """

    name: ClassVar[str] = "no-personalization"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding", "generation"})
    kind: ClassVar[str] = "baseline"  # the floor every board needs

    def __init__(
        self,
        *,
        rec_answer: str = "No.",
        open_answer: str = "echo",
        image_style: str = "noise",
        size: int = 512,
    ):
        if rec_answer not in REC_ANSWERS:
            raise ConfigError(f"no-personalization: rec_answer must be one of {REC_ANSWERS}")
        if open_answer not in OPEN_ANSWERS:
            raise ConfigError(f"no-personalization: open_answer must be one of {OPEN_ANSWERS}")
        if image_style not in IMAGE_STYLES:
            raise ConfigError(f"no-personalization: image_style must be one of {IMAGE_STYLES}")
        if not isinstance(size, int) or size < 8:
            raise ConfigError(f"no-personalization: size must be an integer >= 8, got {size!r}")
        self.rec_answer = rec_answer
        self.open_answer = open_answer
        self.image_style = image_style
        self.size = size

    def params(self) -> dict[str, Any]:
        """Constructor parameters, for the run's provenance record."""
        return {
            "rec_answer": self.rec_answer,
            "open_answer": self.open_answer,
            "image_style": self.image_style,
            "size": self.size,
        }

    def __repr__(self) -> str:
        return f"NoPersonalization({self.params()})"

    def checkpoint_hash(self, state: NoPersonalizationState) -> str | None:
        """Nothing is learned, so there is no checkpoint."""
        return None

    def personalize(self, concept: Concept, workdir: Path) -> NoPersonalizationState:
        """Keep only the placeholder; nothing about the concept is read."""
        return NoPersonalizationState(concept_id=concept.id, token=concept.token)

    def answer(
        self, state: NoPersonalizationState, question: str, image: Image.Image | None
    ) -> str:
        """A fixed recognition answer, the first choice, or "I don't know" (see the class doc)."""
        if is_recognition_question(question, state.token, image is not None):
            return self.rec_answer
        options = choice_options(question)
        if options:
            return options[0].as_answer()
        if self.open_answer == "plain":
            return "I don't know."
        return generic_answer(question, state.token)

    def generate(
        self, state: NoPersonalizationState, prompt: str, n: int, seed: int
    ) -> list[Image.Image]:
        """``n`` images that know nothing about the concept or the prompt."""
        import numpy as np
        from PIL import Image

        images = []
        for index in range(n):
            if self.image_style == "gray":
                pixels = np.full((self.size, self.size, 3), 128, dtype=np.uint8)
            else:
                rng = np.random.default_rng([seed, index])
                pixels = rng.integers(0, 256, (self.size, self.size, 3), dtype=np.uint8)
            images.append(Image.fromarray(pixels, "RGB"))
        return images


def generic_answer(question: str, token: str | None) -> str:
    """``"I don't know: <question>"``, the placeholder replaced by "it" / "its"."""
    text = replace_placeholder(strip_image_marker(question), token, "it", "its")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return "I don't know."
    return f"I don't know: {text[0].lower()}{text[1:]}"
