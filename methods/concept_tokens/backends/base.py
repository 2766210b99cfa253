"""What concept-tokens needs from a backbone; one adapter per backbone implements it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import torch
    from PIL import Image

    from methods.common.training_data import MMUExample
    from methods.concept_tokens.checkpoint import LearnedRows


class Losses(Protocol):
    """Training losses of one concept's rows (the rows are bound when this is made)."""

    def mmu(self, examples: Sequence[MMUExample]) -> torch.Tensor:
        """Cross-entropy of the answers (and end of turn) given image and question."""
        ...

    def image(self, images: Sequence[Path], captions: Sequence[str]) -> torch.Tensor:
        """Cross-entropy of the photos' image tokens given their captions."""
        ...


class ConceptBackend(Protocol):
    """A backbone with room for new tokens; texts arrive with the concept slot already in."""

    name: str
    device: Any

    @property
    def width(self) -> int:
        """Hidden size: the length of one row."""
        ...

    def add_tokens(self, tokens: Sequence[str]) -> None:
        """Add the slot and learnable tokens to the vocabulary (once, contiguous ids)."""
        ...

    def initial_rows(self, class_noun: str, count: int, noise: float, generator) -> LearnedRows:
        """Starting rows: every row from the class noun; learnable ones with relative noise."""
        ...

    def frozen_state(self) -> dict[str, torch.Tensor]:
        """Every weight of the backbone (for checks that training leaves them untouched)."""
        ...

    def losses(self, rows: LearnedRows, seed: int) -> Losses: ...

    def answer_batch(
        self,
        rows: LearnedRows,
        questions: Sequence[str],
        images: Sequence[Image.Image | None],
        *,
        max_new_tokens: int | None,
    ) -> list[str]: ...

    def generate_batch(
        self, rows: LearnedRows, prompts: Sequence[str], n: int, seeds: Sequence[int]
    ) -> list[list[Image.Image]]: ...


def noisy_copies(row: torch.Tensor, count: int, noise: float, generator) -> torch.Tensor:
    """``count`` copies of ``row`` plus Gaussian noise of ``noise`` times the row's std."""
    import torch

    base = row.float().cpu()
    eps = torch.randn((count, base.shape[0]), generator=generator) * (noise * float(base.std()))
    return base[None].expand(count, -1) + eps
