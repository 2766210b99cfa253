"""Show-o + prompt: the backbone with the concept profile in every prompt; no training."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from methods.common.params import build_params
from methods.showo.shared import ShowoBacked

if TYPE_CHECKING:
    from PIL import Image

    from methods.showo.backbone import ShowoBackbone
    from unifybench.data.records import Concept


@dataclass(frozen=True)
class ShowoPromptParams:
    """Knobs of the baseline; sampling defaults are the backbone config's (50 steps, guidance 5)."""

    config: str = "published"  # "published" or "tiny" (CPU tests, offline)
    device: str = "auto"
    dtype: str = "float32"  # the published precision; "bfloat16" only when asked for
    init_seed: int = 0
    include_extra_info: bool = True
    generation_steps: int | None = None
    guidance_scale: float | None = None
    gen_batch_size: int = 8
    output_size: int | None = None
    max_new_tokens: int | None = None


@dataclass(frozen=True)
class ProfileState:
    """What the baseline knows about a concept: its placeholder, class noun and profile text."""

    concept_id: str
    concept_token: str
    class_noun: str
    profile: str


class ShowoPrompt(ShowoBacked):
    """The paper's "Show-o + prompt" baseline: profile text in the prompt, nothing learned."""

    name: ClassVar[str] = "showo-prompt"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding", "generation"})
    version: ClassVar[str] = "1"
    paper: ClassVar[str] = "arXiv:2505.14671 (baseline 'Show-o + prompt' of UniCTokens)"

    def __init__(self, **params: Any) -> None:
        self.p: ShowoPromptParams = build_params(ShowoPromptParams, params)
        self._bb: ShowoBackbone | None = None

    def params(self) -> dict[str, Any]:
        """Every parameter, JSON-serialisable."""
        out = dataclasses.asdict(self.p)
        out["random_weights"] = self.random_weights
        return out

    def checkpoint_hash(self, state: ProfileState) -> str | None:
        """Nothing is trained: no concept checkpoint."""
        return None

    @property
    def backbone(self) -> ShowoBackbone:
        if self._bb is None:
            from methods.showo.backbone import ShowoBackbone

            self._bb = ShowoBackbone.create(
                self.p.config, device=self.p.device, dtype=self.p.dtype, init_seed=self.p.init_seed
            )
        return self._bb

    def personalize(self, concept: Concept, workdir: Path) -> ProfileState:
        """Collect the profile: ``info`` and (by default) every ``extra_info`` sentence."""
        parts = [concept.info.strip()]
        if self.p.include_extra_info:
            parts += [s.strip() for s in concept.extra_info if s.strip()]
        return ProfileState(
            concept.id, concept.token, concept.class_noun, " ".join(p for p in parts if p)
        )

    def system_prompt(self, state: ProfileState) -> str:
        """The text put before every question (the profile and a newline)."""
        return f"{state.profile}\n" if state.profile else ""

    def question_text(self, state: ProfileState, question: str) -> str:
        """The profile, a newline, then the question (placeholders kept as written)."""
        return self.system_prompt(state) + question

    def answer(
        self, state: ProfileState, question: str, image: Image.Image | None, *, flip: bool = False
    ) -> str:
        """Greedy answer to the profile-prefixed question (``flip``: after the crop)."""
        return self.backbone.answer(
            self.question_text(state, question),
            image,
            max_new_tokens=self.p.max_new_tokens,
            flip=flip,
        )

    def answer_batch(
        self,
        state: ProfileState,
        questions: Sequence[str],
        images: Sequence[Image.Image | None],
        *,
        flips: Sequence[bool] | None = None,
    ) -> list[str]:
        """Greedy answers in one left-padded batch; each equals :meth:`answer` for it alone
        (``flips[i]``: flip image ``i`` after the crop, as ``answer(..., flip=)``)."""
        texts = [self.question_text(state, q) for q in questions]
        return self.backbone.answer_batch(
            texts, images, flips=flips, max_new_tokens=self.p.max_new_tokens
        )

    def generation_prompt(self, state: ProfileState, prompt: str) -> str:
        """The prompt with the placeholder replaced by the class noun, then the profile likewise.

        The prompt comes first because Show-o truncates long prompts from the end.
        """
        text = prompt.replace(state.concept_token, state.class_noun)
        profile = state.profile.replace(state.concept_token, f"the {state.class_noun}")
        return f"{text}. {profile}".strip() if profile else text

    def generate(self, state: ProfileState, prompt: str, n: int, seed: int) -> list[Image.Image]:
        """``n`` images for the profile-augmented prompt; image k from ``image_seed(seed, k)``."""
        return self.generate_batch(state, [prompt], n, [seed])[0]

    def generate_batch(
        self, state: ProfileState, prompts: Sequence[str], n: int, seeds: Sequence[int]
    ) -> list[list[Image.Image]]:
        """``n`` images per prompt, ``gen_batch_size`` images per sampler call; each image
        depends only on its item's seed and its index (per-image noise streams)."""
        return self.backbone.generate_images(
            [self.generation_prompt(state, p) for p in prompts],
            n,
            seeds,
            batch_size=self.p.gen_batch_size,
            steps=self.p.generation_steps,
            guidance_scale=self.p.guidance_scale,
            output_size=self.p.output_size,
        )
