"""Janus-Pro + prompt: the concept's profile (mode=text) or photos (mode=image) in the context."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from methods.common.params import build_params
from methods.janus.shared import JanusBacked
from unifybench.errors import ConfigError

if TYPE_CHECKING:
    from PIL import Image

    from methods.janus.backbone import JanusBackbone
    from unifybench.data.records import Concept

MODES = ("text", "image")
REFERENCE_INTRO = "These are photos of {token}."
QUERY_INTRO = "Now look at this image."
DESCRIBE = (
    "These are photos of one particular {noun}. Describe this {noun} in detail: its appearance, "
    "colours, shape and distinctive features, so that a painter could draw it."
)


@dataclass(frozen=True)
class JanusPromptParams:
    """Knobs of the baselines; sampling defaults are the backbone spec's (guidance 5, T=1)."""

    config: str = "published"  # published (= 1b), 1b, 7b, or tiny (CPU tests, offline)
    repo: str | None = None  # hub id or local folder replacing the config's checkpoint
    mode: str = "text"  # text: profile in the prompt; image: training photos in the context
    device: str = "auto"
    dtype: str = "auto"
    init_seed: int = 0  # random init of the tiny config
    include_extra_info: bool = True  # mode=text: extra_info sentences join the profile
    reference_images: int = 3  # mode=image: training photos shown (and described)
    description_max_new_tokens: int = 120  # mode=image: length of the generation description
    guidance_scale: float | None = None  # default: the spec's (5)
    temperature: float | None = None  # default: the spec's (1.0)
    max_new_tokens: int | None = None  # default: the spec's (100)
    answer_batch_size: int = 8  # questions per forward pass in answer_batch
    gen_batch_size: int = 8  # images per forward pass
    output_size: int | None = None  # resize generated images (default: native 384)


@dataclass(frozen=True)
class JanusPromptState:
    """What the baseline keeps of a concept: profile text, or photos and their description."""

    concept_id: str
    concept_token: str
    class_noun: str
    profile: str = ""
    references: tuple[Image.Image, ...] = ()
    description: str = ""


class JanusPrompt(JanusBacked):
    """Janus-Pro with the concept in its context (text profile or photos); nothing learned."""

    name: ClassVar[str] = "janus-prompt"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding", "generation"})
    version: ClassVar[str] = "1"
    paper: ClassVar[str] = "arXiv:2501.17811 (Janus-Pro) with the concept in the prompt"
    default_batch_size: ClassVar[int] = 8

    def __init__(self, **params: Any) -> None:
        self.p: JanusPromptParams = build_params(JanusPromptParams, params)
        if self.p.mode not in MODES:
            raise ConfigError(f"parameter 'mode': expected one of {MODES}, got {self.p.mode!r}")
        if self.p.reference_images < 1:
            raise ConfigError("parameter 'reference_images' must be at least 1")
        self._bb: JanusBackbone | None = None

    def params(self) -> dict[str, Any]:
        """Every parameter, JSON-serialisable, and whether the weights are random."""
        out = dataclasses.asdict(self.p)
        out["random_weights"] = self.random_weights
        return out

    def checkpoint_hash(self, state: JanusPromptState) -> str | None:
        """Nothing is trained: no concept checkpoint."""
        return None

    @property
    def backbone(self) -> JanusBackbone:
        if self._bb is None:
            from methods.janus.backbone import JanusBackbone

            self._bb = JanusBackbone.create(
                self.p.config,
                repo=self.p.repo,
                device=self.p.device,
                dtype=self.p.dtype,
                init_seed=self.p.init_seed,
            )
        return self._bb

    # -- personalize --------------------------------------------------------------------------
    def personalize(self, concept: Concept, workdir: Path) -> JanusPromptState:
        """mode=text: collect the profile. mode=image: load photos and have Janus describe them."""
        base = JanusPromptState(concept.id, concept.token, concept.class_noun)
        if self.p.mode == "text":
            parts = [concept.info.strip()]
            if self.p.include_extra_info:
                parts += [s.strip() for s in concept.extra_info if s.strip()]
            return dataclasses.replace(base, profile=" ".join(p for p in parts if p))
        from unifybench.data.records import load_image

        paths = list(concept.train_images)[: self.p.reference_images]
        if not paths:
            raise ConfigError(f"concept '{concept.id}': mode=image needs training images")
        refs = tuple(load_image(p) for p in paths)
        noun = concept.class_noun or "subject"
        (description,) = self.backbone.answer_batch(
            [[*refs, DESCRIBE.format(noun=noun)]],
            max_new_tokens=self.p.description_max_new_tokens,
        )
        return dataclasses.replace(base, references=refs, description=description)

    # -- understanding --------------------------------------------------------------------------
    def system_prompt(self, state: JanusPromptState) -> str:
        """The text put before every question (profile, or the photos' introduction)."""
        if self.p.mode == "text":
            return f"{state.profile}\n" if state.profile else ""
        return REFERENCE_INTRO.format(token=state.concept_token) + "\n"

    def conversation(
        self, state: JanusPromptState, question: str, image: Image.Image | None
    ) -> list[Any]:
        """The user turn for one question: text and images in the order Janus sees them."""
        if self.p.mode == "text":
            text = self.system_prompt(state) + question
            return [image, text] if image is not None else [text]
        parts: list[Any] = [REFERENCE_INTRO.format(token=state.concept_token), *state.references]
        if image is not None:
            parts += [QUERY_INTRO, image]
        return [*parts, question]

    def answer(self, state: JanusPromptState, question: str, image: Image.Image | None) -> str:
        """Greedy answer (at most ``max_new_tokens``)."""
        return self.answer_batch(state, [question], [image])[0]

    def answer_batch(
        self,
        state: JanusPromptState,
        questions: Sequence[str],
        images: Sequence[Image.Image | None],
    ) -> list[str]:
        """Greedy answers to several questions; each equals what :meth:`answer` gives alone."""
        if len(questions) != len(images):
            raise ValueError(f"{len(questions)} questions but {len(images)} images")
        convs = [self.conversation(state, q, im) for q, im in zip(questions, images, strict=True)]
        out: list[str] = []
        step = max(1, self.p.answer_batch_size)
        for start in range(0, len(convs), step):
            out += self.backbone.answer_batch(
                convs[start : start + step], max_new_tokens=self.p.max_new_tokens
            )
        return out

    # -- generation ---------------------------------------------------------------------------
    def generation_prompt(self, state: JanusPromptState, prompt: str) -> str:
        """The prompt with the class noun for the placeholder, then the profile or description."""
        text = prompt.replace(state.concept_token, state.class_noun)
        extra = state.profile if self.p.mode == "text" else state.description
        extra = extra.replace(state.concept_token, f"the {state.class_noun}").strip()
        return f"{text}. {extra}" if extra else text

    def generate(
        self, state: JanusPromptState, prompt: str, n: int, seed: int
    ) -> list[Image.Image]:
        """``n`` images; image k is drawn from the seed derived from (seed, k)."""
        return self.generate_batch(state, [prompt], n, [seed])[0]

    def generate_batch(
        self, state: JanusPromptState, prompts: Sequence[str], n: int, seeds: Sequence[int]
    ) -> list[list[Image.Image]]:
        """``n`` images per prompt; the same images as :meth:`generate` gives per prompt."""
        from methods.janus.generation import generate_images

        texts = [self.generation_prompt(state, p) for p in prompts]
        return generate_images(
            self.backbone,
            texts,
            n,
            seeds,
            batch_size=self.p.gen_batch_size,
            guidance_scale=self.p.guidance_scale,
            temperature=self.p.temperature,
            output_size=self.p.output_size,
        )
