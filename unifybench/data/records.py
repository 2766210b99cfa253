"""Typed records of a loaded benchmark: concepts, understanding items, generation prompts.

These are the contract between benchmark adapters, methods, scorers and the runner. Paths are
absolute and always inside the dataset root (the adapter re-roots and checks them). Images are never
opened here; call :func:`load_image` when the pixels are needed. An item's ``task`` is the name of
a task spec (:mod:`unifybench.tasks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from PIL import Image

Category = Literal["human", "animal", "object", "style"]
GenerationType = Literal["live_subject", "object"]

# "style": a reference image whose style, not subject, is to be kept (DreamBench++'s style set).
CATEGORIES: tuple[Category, ...] = ("human", "animal", "object", "style")


def concept_token(concept_id: str) -> str:
    """The placeholder a concept has in questions and prompts, e.g. ``<bo>``."""
    return f"<{concept_id}>"


@dataclass(frozen=True)
class Concept:
    """One personal concept (a person, a pet, an object) and everything known about it."""

    id: str
    category: Category
    class_noun: str
    info: str
    extra_info: tuple[str, ...]
    generation_type: GenerationType
    train_images: tuple[Path, ...]
    test_images: tuple[Path, ...]
    hard_negatives: tuple[Path, ...] = ()
    random_negatives: tuple[Path, ...] = ()
    cropped_images: tuple[Path, ...] = ()
    conversation_type: str | None = None
    num_testing_info: int | None = None
    # ``extra_info`` as info.json wrote it (a list of strings as a tuple, or one string; None when
    # the key is missing). ``extra_info`` above is cleaned (stripped, empty entries dropped, a
    # string as one entry); the legacy knowledge judge joins the raw value as published.
    extra_info_raw: tuple[str, ...] | str | None = None

    @property
    def token(self) -> str:
        return concept_token(self.id)


@dataclass(frozen=True)
class UnderstandingItem:
    """One question of an understanding (MMU) task with its gold answer.

    ``question`` has the ``<image>`` marker removed. ``image`` is None only when the item has no
    image at all; text-only items of the official data carry the black placeholder image.
    ``item_type``, ``question_raw`` and ``answer_raw`` keep the item as test_data wrote it (the
    published scorer reads them unstripped; see :attr:`legacy_question`, :attr:`legacy_answer`).
    """

    id: str  # stable: "<concept>/<task>/<index>", e.g. "bo/vqa/3"
    concept_id: str
    task: str
    index: int
    question: str
    answer: str
    image: Path | None
    source: str = ""  # "<file>#<position>" the item was read from, for error messages
    item_type: str = ""  # the item's "type" as written, e.g. "vqa_choice" ("" when unknown)
    question_raw: str | None = None  # the question turn as written (None: not read from a file)
    answer_raw: str | None = None  # the answer turn as written

    @property
    def is_positive(self) -> bool:
        """For rec items: positive unless the stripped gold answer is "No." (see
        :attr:`legacy_positive` for the published, unstripped rule)."""
        return self.answer.strip() != "No."

    @property
    def legacy_answer(self) -> str:
        """The gold answer as the published scorer reads it: as written, not stripped."""
        return self.answer if self.answer_raw is None else self.answer_raw

    @property
    def legacy_question(self) -> str:
        """The question as the published script builds it: the turn as written with every
        ``"<image>\\n"`` removed (nothing stripped; a marker without a newline stays)."""
        return (
            self.question
            if self.question_raw is None
            else self.question_raw.replace("<image>\n", "")
        )

    @property
    def legacy_positive(self) -> bool:
        """For rec items, the published rule: positive unless the gold is exactly "No."."""
        return self.legacy_answer != "No."

    @property
    def legacy_type(self) -> str:
        """The item's type as published results key it (the task name when not recorded)."""
        return self.item_type or self.task


@dataclass(frozen=True)
class GenerationPrompt:
    """One generation prompt of a concept; a method makes ``n_images`` images for it.

    ``prompt`` contains the concept placeholder (``<bo>``); ``clip_text`` is the prompt with the
    placeholder replaced by the class noun, as CLIP-T scores it. ``group`` is the UnifyBench++
    condition family for dict-shaped ``t2i_conditions.json`` (empty otherwise).
    """

    id: str  # "<concept>/<task>/<index>", e.g. "bo/t2i/7"
    concept_id: str
    task: str
    index: int
    prompt: str
    clip_text: str
    n_images: int = 4
    group: str = ""


@dataclass(frozen=True)
class Benchmark:
    """A loaded dataset: its concepts and their task items, all metadata, no pixels.

    ``adapter`` names the benchmark spec that loaded it (:mod:`unifybench.benchmarks`), which says
    which protocols and tasks apply; ``name`` is the dataset name results carry.
    """

    root: Path
    concepts: dict[str, Concept]
    understanding: dict[str, tuple[UnderstandingItem, ...]] = field(default_factory=dict)
    generation: dict[str, tuple[GenerationPrompt, ...]] = field(default_factory=dict)
    name: str = "unifybench"
    revision: str = "local"
    black_image: Path | None = None
    # The JSON files the loader read (empty for a Benchmark built in memory); see data.manifest.
    metadata_files: tuple[Path, ...] = ()
    adapter: str = "unifybench"

    def items(self, concept_id: str, task: str) -> tuple[UnderstandingItem | GenerationPrompt, ...]:
        """All items of one task of one concept, in dataset order."""
        return tuple(
            i
            for pool in (self.understanding, self.generation)
            for i in pool.get(concept_id, ())
            if i.task == task
        )


def load_image(path: Path) -> Image.Image:
    """Open an image as RGB (the only place pixels are read from dataset paths)."""
    from PIL import Image

    with Image.open(path) as img:
        return img.convert("RGB")
