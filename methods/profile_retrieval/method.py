"""Understanding by retrieval: profile sentences answer questions, a prototype recognises."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from methods.common.questions import (
    choice_options,
    is_recognition_question,
    question_stem,
)
from methods.profile_retrieval.calibration import Prototype, calibrate
from methods.profile_retrieval.embeddings import FACE, HANDMADE, embed_file, embed_image
from methods.profile_retrieval.text_index import (
    PACKAGED_MINILM,
    ProfileIndex,
    build_index,
    load_text_model,
)
from unifybench.errors import ConfigError, DataError

if TYPE_CHECKING:
    from PIL import Image

    from unifybench.data.records import Concept

# Thresholds used when there is nothing to calibrate on: dlib's customary same-person distance for
# faces; for the hand-made embedding, a value between the positive and negative distances seen on
# the sample benchmark.
PRIOR_THRESHOLDS = {FACE: 0.6, HANDMADE: 0.55}


@dataclass(frozen=True)
class ProfileRetrievalState:
    """What the method learned of one concept."""

    concept_id: str
    token: str
    index: ProfileIndex
    prototype: Prototype | None  # None: no training image could be embedded

    def fingerprint(self) -> str:
        """SHA-256 over the indexed sentences and the recognition rule."""
        digest = hashlib.sha256()
        digest.update("\n".join(self.index.sentences).encode())
        if self.prototype is not None:
            digest.update(self.prototype.kind.encode())
            digest.update(self.prototype.mean.tobytes())
            digest.update(repr(self.prototype.threshold).encode())
        return digest.hexdigest()


class ProfileRetrieval:
    """A retrieval baseline for understanding (no generation).

    * Open questions (VQA, text-only): the profile sentence (``info`` and ``extra_info``, split
      into sentences) nearest to the question in MiniLM space, returned verbatim.
    * Multiple choice: the option whose text, appended to the question stem, is nearest to any
      profile sentence; answered as ``"B. text"``.
    * Recognition (detected by :func:`is_recognition_question`): ``"Yes."`` iff the image's
      embedding lies within the calibrated distance of the concept's prototype (see
      ``calibration.py``); dlib face descriptors for ``human`` concepts, the hand-made colour+HOG
      embedding for others or when no training image of a person shows a detectable face.
      ``max_negatives`` bounds how many negatives are embedded for calibration: all hard negatives
      first, then random negatives drawn with a generator seeded by the concept id.
    """

    name: ClassVar[str] = "profile-retrieval"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding"})

    def __init__(self, *, text_model: str = PACKAGED_MINILM, max_negatives: int = 40):
        if not isinstance(max_negatives, int) or max_negatives < 0:
            raise ConfigError(
                f"profile-retrieval: max_negatives must be an integer >= 0, got {max_negatives!r}"
            )
        self.text_model = text_model
        self.max_negatives = max_negatives

    def params(self) -> dict[str, Any]:
        """Constructor parameters, for the run's provenance record."""
        return {"text_model": self.text_model, "max_negatives": self.max_negatives}

    def __repr__(self) -> str:
        return f"ProfileRetrieval({self.params()})"

    def checkpoint_hash(self, state: ProfileRetrievalState) -> str | None:
        """Hash of the learned state (sentences, prototype, threshold)."""
        return state.fingerprint()

    def personalize(self, concept: Concept, workdir: Path) -> ProfileRetrievalState:
        """Index the profile and calibrate the recognition prototype; writes calibration.json."""
        model = load_text_model(self.text_model)
        try:
            index = build_index(concept.info, tuple(concept.extra_info), concept.token, model)
        except ValueError:
            raise DataError(
                f"concept/train/{concept.id}/info.json", "info", "a non-empty profile sentence"
            ) from None
        prototype = self._calibrate(concept)
        state = ProfileRetrievalState(concept.id, concept.token, index, prototype)
        if workdir is not None:
            workdir = Path(workdir)
            workdir.mkdir(parents=True, exist_ok=True)
            report = {
                "concept": concept.id,
                "sentences": list(index.sentences),
                "recognition": None if prototype is None else prototype.summary(),
                "checkpoint_hash": state.fingerprint(),
            }
            (workdir / "calibration.json").write_text(json.dumps(report, indent=2) + "\n")
        return state

    def _negatives(self, concept: Concept) -> list[Path]:
        hard = list(concept.hard_negatives)[: self.max_negatives]
        pool = list(concept.random_negatives)
        room = min(len(pool), self.max_negatives - len(hard))
        return hard + random.Random(f"negatives/{concept.id}").sample(pool, room)

    def _calibrate(self, concept: Concept) -> Prototype | None:
        negatives = self._negatives(concept)
        kinds = [FACE, HANDMADE] if concept.category == "human" else [HANDMADE]
        for kind in kinds:
            train = [embed_file(p, kind) for p in concept.train_images]
            if not any(train):
                continue
            negs = [embed_file(p, kind) for p in negatives]
            prototype = calibrate(kind, train, negs, PRIOR_THRESHOLDS[kind])
            if prototype is not None:
                if kind != kinds[0]:
                    note = "no face found in any training image"
                    prototype = replace(prototype, notes=[*prototype.notes, note])
                return prototype
        return None

    def answer(self, state: ProfileRetrievalState, question: str, image: Image.Image | None) -> str:
        """Yes/No for recognition, an option for choice, else the best profile sentence."""
        if is_recognition_question(question, state.token, image is not None):
            if state.prototype is None or image is None:
                return "No."
            embedding = embed_image(image, state.prototype.kind)
            return "Yes." if state.prototype.accepts(embedding) else "No."
        model = load_text_model(self.text_model)
        options = choice_options(question)
        if options:
            stem = question_stem(question)
            scores = state.index.rank_options([f"{stem} {o.text}" for o in options], model)
            best = options[max(range(len(options)), key=lambda i: scores[i])]
            return best.as_answer()
        sentence, _ = state.index.best(question, model)
        return sentence

    def generate(
        self, state: ProfileRetrievalState, prompt: str, n: int, seed: int
    ) -> list[Image.Image]:
        """Not supported: this method declares only understanding."""
        raise NotImplementedError("profile-retrieval has no generation capability")
