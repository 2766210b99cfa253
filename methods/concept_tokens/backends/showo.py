"""Concept tokens on Show-o (``methods.showo``): rows of the embedding and of the biased LM head.

Losses are Show-o's own, as UniCTokens trains them here (``methods.unictokens.trainer``):
the understanding loss over the reply after ``<|mmu|>`` image ``USER: ... ASSISTANT:``, and the
masked image-token loss of MaskGIT (cosine mask ratio, flip augmentation) after the caption,
without text-condition dropout (a dropped caption carries no concept token, so no signal).
Inference: the backbone's one understanding loop (left-padded batches) and its one sampler
(per-image noise streams), as ``showo-prompt`` and ``unictokens`` use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from methods.concept_tokens.backends.base import noisy_copies
from methods.concept_tokens.checkpoint import LearnedRows

if TYPE_CHECKING:
    from PIL import Image

    from methods.common.training_data import MMUExample
    from methods.concept_tokens.params import ConceptTokensParams
    from methods.showo.backbone import ShowoBackbone
    from methods.showo.model import ConceptRows


class ShowoConceptBackend:
    """Show-o with a block of new tokens after the text vocabulary (image codes shift up)."""

    name = "showo"

    def __init__(self, p: ConceptTokensParams) -> None:
        from methods.showo.backbone import ShowoBackbone

        self.p = p
        self.bb: ShowoBackbone = ShowoBackbone.create(
            p.config,
            device=p.device,
            dtype="float32" if p.dtype == "auto" else p.dtype,
            init_seed=p.init_seed,
        )
        self.device = self.bb.device
        self.start: int | None = None

    @property
    def width(self) -> int:
        return int(self.bb.lm.showo.model.embed_tokens.weight.shape[1])

    def record(self) -> dict[str, Any]:
        """The backbone as provenance records it."""
        return {"backbone": "showo", **self.bb.config.to_dict()}

    # -- vocabulary ---------------------------------------------------------------------------
    def add_tokens(self, tokens: Sequence[str]) -> None:
        self.start = self.bb.add_tokens(list(tokens))[0]

    def concept_rows(self, rows: LearnedRows) -> ConceptRows:
        from methods.showo.model import ConceptRows

        if self.start is None:
            raise RuntimeError("add_tokens() must come before rows are used")
        return ConceptRows(self.start, rows.embed, rows.head_weight, rows.head_bias)

    def initial_rows(self, class_noun: str, count: int, noise: float, generator) -> LearnedRows:
        """Embedding rows from the class noun; LM-head rows and bias: the class noun's for the
        concept token, the text vocabulary's mean for the learnable ones."""
        lm = self.bb.lm.showo
        ids = torch.tensor(self.bb.text_ids(class_noun or "thing"), device=self.device)
        emb = lm.model.embed_tokens.weight[ids].float().mean(0).detach().cpu()
        head_w = lm.lm_head.weight[ids].float().mean(0).detach().cpu()
        head_b = lm.lm_head.bias[ids].float().mean().detach().cpu()
        text = slice(0, self.start)
        mean_w = lm.lm_head.weight[text].float().mean(0).detach().cpu()
        mean_b = lm.lm_head.bias[text].float().mean().detach().cpu()
        rest = count - 1
        return LearnedRows(
            torch.cat([emb[None], noisy_copies(emb, rest, noise, generator)]),
            torch.cat([head_w[None], mean_w[None].expand(rest, -1)]),
            torch.cat([head_b[None], mean_b.expand(rest)]),
        )

    def frozen_state(self) -> dict[str, torch.Tensor]:
        return {
            **{f"lm.{k}": v for k, v in self.bb.lm.state_dict().items()},
            **{f"vq.{k}": v for k, v in self.bb.vq.state_dict().items()},
        }

    def losses(self, rows: LearnedRows, seed: int) -> ShowoLosses:
        return ShowoLosses(self, rows, seed)

    # -- inference ----------------------------------------------------------------------------
    def answer_batch(
        self,
        rows: LearnedRows,
        questions: Sequence[str],
        images: Sequence[Image.Image | None],
        *,
        max_new_tokens: int | None,
    ) -> list[str]:
        return self.bb.answer_batch(
            questions,
            images,
            rows=self.concept_rows(rows.to(self.device)),
            max_new_tokens=max_new_tokens,
        )

    def generate_batch(
        self, rows: LearnedRows, prompts: Sequence[str], n: int, seeds: Sequence[int]
    ) -> list[list[Image.Image]]:
        return self.bb.generate_images(
            prompts,
            n,
            seeds,
            batch_size=self.p.gen_batch_size,
            steps=self.p.generation_steps,
            guidance_scale=self.p.guidance_scale,
            rows=self.concept_rows(rows.to(self.device)),
            output_size=self.p.output_size,
        )


class ShowoLosses:
    """Show-o's understanding and masked image-token losses for one concept's rows."""

    def __init__(self, backend: ShowoConceptBackend, rows: LearnedRows, seed: int) -> None:
        from methods.unictokens.trainer import ConceptTrainer

        self.trainer = ConceptTrainer(backend.bb, backend.concept_rows(rows), lambda t: t, seed)

    def mmu(self, examples: Sequence[MMUExample]) -> torch.Tensor:
        t = self.trainer
        return t.mmu_loss(*t.mmu_batch(list(examples), ""))

    def image(self, images: Sequence[Path], captions: Sequence[str]) -> torch.Tensor:
        from methods.common.training_data import T2IExample

        t = self.trainer
        codes = t.t2i_codes(
            [T2IExample(Path(p), c, False) for p, c in zip(images, captions, strict=True)]
        )
        return t.t2i_loss(*t.t2i_batch(codes, list(captions), 0.0))
