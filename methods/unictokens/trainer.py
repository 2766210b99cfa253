"""Training of the concept rows, one stage at a time (UniCTokens' procedure on our backbone).

Only the rows of the new tokens are parameters (:class:`methods.showo.model.ConceptRows`); the
backbone is frozen and never handed to the optimiser, so every other weight stays bit-identical.
Rows a stage must not change are restored after each optimiser step (AdamW's weight decay would
otherwise move them), as the published scripts do.

Published quirks kept: the list of batches (order, augmentation, image codes) is built once per
stage and reused every epoch; the t2i loss is taken over every position from ``<|soi|>`` on,
unshifted, with ``<|soi|>``/``<|eoi|>`` labelled with themselves; text-condition dropout 0.1.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch.nn import functional as F

from methods.common.training_data import MMUExample, T2IExample
from methods.showo.attention import mmu_mask, omni_mask
from methods.showo.model import ConceptRows
from methods.showo.pixels import augmented_pixels, training_flip
from methods.showo.prompting import chat_prompt, mmu_prefix, t2i_sequence
from methods.showo.schedule import cosine_schedule
from methods.unictokens.checkpoint import ConceptWeights, save_epoch
from methods.unictokens.tokens import IMAGE_MARKER, training_question

if TYPE_CHECKING:
    from PIL import Image

    from methods.showo.backbone import ShowoBackbone

IGNORE = -100


@dataclass(frozen=True)
class StageSettings:
    """Hyperparameters of one stage (published defaults are set by the method)."""

    stage: int
    epochs: int
    lr: float
    weight_decay: float
    eps: float
    betas: tuple[float, float] = (0.9, 0.999)
    mmu_batch: int = 1
    t2i_batch: int = 1
    t2i_weight: float = 0.8
    mmu_weight: float = 0.2
    save_every: int = 5
    cond_dropout: float = 0.1
    max_steps_per_epoch: int | None = None


@dataclass
class StageResult:
    """What a stage produced: per-epoch mean losses and the rows at every saved epoch."""

    epoch_losses: list[float] = field(default_factory=list)
    snapshots: dict[int, ConceptWeights] = field(default_factory=dict)
    steps: int = 0


def rows_weights(rows: ConceptRows, n: int | None = None) -> ConceptWeights:
    """A detached float32 CPU copy of the first ``n`` rows."""
    n = rows.k if n is None else n
    return ConceptWeights(
        rows.embed[:n].detach().float().cpu().clone(),
        rows.head_weight[:n].detach().float().cpu().clone(),
        rows.head_bias[:n].detach().float().cpu().clone(),
    )


def load_rows(rows: ConceptRows, weights: ConceptWeights) -> None:
    """Write ``weights`` into the first rows of ``rows`` (in place)."""
    n = weights.rows
    with torch.no_grad():
        rows.embed[:n] = weights.embed.to(rows.embed)
        rows.head_weight[:n] = weights.head_weight.to(rows.head_weight)
        rows.head_bias[:n] = weights.head_bias.to(rows.head_bias)


class ConceptTrainer:
    """Builds batches from examples and trains the concept rows of one concept."""

    def __init__(self, backbone: ShowoBackbone, rows: ConceptRows, slot_text, seed: int) -> None:
        self.bb = backbone
        self.rows = rows
        self.slot_text = slot_text  # rewrites the concept placeholder to the slot token
        self.seed = seed
        self.rng = random.Random(seed)
        self.gen = torch.Generator(device="cpu").manual_seed(seed)
        self._images: dict[Path | None, Image.Image] = {}
        self._codes: dict[tuple[Path | None, bool], torch.Tensor] = {}

    # -- images -------------------------------------------------------------------------------
    def _image(self, path: Path | None) -> Image.Image:
        from unifybench.data.records import load_image

        if path not in self._images:
            self._images[path] = self.bb.blank_image() if path is None else load_image(path)
        return self._images[path]

    def _codes_of(self, path: Path | None, flip: bool) -> torch.Tensor:
        """Image codes of the centre-cropped image at ``path`` (flipped after the crop)."""
        key = (path, flip)
        if key not in self._codes:
            px = self.bb.pixels([self._image(path)], flips=[flip])
            self._codes[key] = self.bb.encode(px)[0]
        return self._codes[key]

    # -- batches ------------------------------------------------------------------------------
    def _cycled_batches(self, items: list, batch: int, steps: int) -> list[list]:
        """``steps`` batches, reshuffling whenever the items run out (max-size cycling)."""
        out, pool = [], []
        for _ in range(steps):
            if len(pool) < 1:
                pool = list(items)
                self.rng.shuffle(pool)
            out.append(pool[:batch])
            pool = pool[batch:]
        return out

    def mmu_text(self, system: str, raw_question: str, answer: str) -> tuple[list[int], list[int]]:
        """Text ids of one understanding turn: ``USER: <question> ASSISTANT:`` and the answer.

        The question is :func:`training_question` of the system prompt and the raw question;
        the answer ids end with EOS (the published conversation's ``<|endoftext|>``).
        """
        question = self.slot_text(training_question(system, raw_question))
        prompt = self.bb.text_ids(chat_prompt(question))
        return prompt, [*self.bb.text_ids(" " + self.slot_text(answer)), self.bb.special.eos]

    def mmu_batch(
        self, examples: list[MMUExample], system: str, augment: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids and labels of understanding examples (answer tokens and EOS labelled).

        Questions are given to :meth:`mmu_text` in the LLaVA form of the training data
        (``"<image>\n" + question``); each image is flipped with the published probability.
        """
        sp = self.bb.special
        seqs, labels = [], []
        for e in examples:
            flip = augment and training_flip(self.rng)
            codes = self._codes_of(e.image, flip) + self.bb.text_vocab_size
            prompt, answer = self.mmu_text(system, f"{IMAGE_MARKER}\n{e.question}", e.answer)
            prefix = mmu_prefix(codes.tolist(), sp)
            seqs.append(prefix + prompt + answer)
            labels.append([IGNORE] * (len(prefix) + len(prompt)) + answer)
        width = max(len(s) for s in seqs)
        ids = torch.tensor([s + [sp.pad] * (width - len(s)) for s in seqs])
        lab = torch.tensor([s + [IGNORE] * (width - len(s)) for s in labels])
        return ids.to(self.bb.device), lab.to(self.bb.device)

    def t2i_codes(self, examples: list[T2IExample]) -> torch.Tensor:
        """Codes of augmented views (random 1.1x crop for ``cropped/`` images, flip p=0.25)."""
        size = self.bb.config.image_size
        px = [
            augmented_pixels(self._image(e.image), size, self.rng, random_crop=e.cropped)
            for e in examples
        ]
        return self.bb.encode(torch.stack(px).to(self.bb.device))

    def t2i_batch(self, codes: torch.Tensor, captions: list[str], cond_dropout: float):
        """Masked t2i sequences and labels for one step (fresh mask ratio and positions)."""
        sp = self.bb.special
        b, n = codes.shape
        off = self.bb.text_vocab_size
        t = torch.rand(b, generator=self.gen)
        n_masked = (n * cosine_schedule(t)).round().clamp(min=1)
        order = torch.rand(b, n, generator=self.gen).argsort(-1)
        masked = (order < n_masked[:, None]).to(codes.device)
        img_in = torch.where(masked, self.bb.mask_id, codes + off)
        img_lab = torch.where(masked, codes + off, IGNORE)
        slots = self.bb.config.max_text_len + 1
        seqs, labs = [], []
        for i, cap in enumerate(captions):
            text = [] if self.rng.random() < cond_dropout else self.bb.text_ids(self.slot_text(cap))
            seqs.append(t2i_sequence(text, img_in[i].tolist(), sp, self.bb.config.max_text_len))
            labs.append([IGNORE] * slots + [sp.soi, *img_lab[i].tolist(), sp.eoi])
        return torch.tensor(seqs, device=self.bb.device), torch.tensor(labs, device=self.bb.device)

    # -- losses -------------------------------------------------------------------------------
    def mmu_loss(self, ids: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        logits, _ = self.bb.lm(ids, mmu_mask(ids, eoi_id=self.bb.special.eoi), self.rows)
        return F.cross_entropy(
            logits[:, :-1].float().reshape(-1, logits.shape[-1]),
            labels[:, 1:].reshape(-1),
            ignore_index=IGNORE,
        )

    def t2i_loss(self, ids: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        sp = self.bb.special
        logits, _ = self.bb.lm(
            ids, omni_mask(ids, pad_id=sp.pad, soi_id=sp.soi, eoi_id=sp.eoi), self.rows
        )
        s = self.bb.config.max_text_len + 1
        return F.cross_entropy(
            logits[:, s:].float().reshape(-1, logits.shape[-1]),
            labels[:, s:].reshape(-1),
            ignore_index=IGNORE,
        )

    @torch.no_grad()
    def eval_mmu_loss(self, examples: list[MMUExample], system: str) -> float:
        """Mean understanding loss over ``examples`` (deterministic: no augmentation)."""
        total = 0.0
        for e in examples:
            total += float(self.mmu_loss(*self.mmu_batch([e], system, augment=False)))
        return total / max(1, len(examples))

    # -- one stage ----------------------------------------------------------------------------
    def train_stage(
        self,
        s: StageSettings,
        *,
        trainable: torch.Tensor,
        mmu: list[MMUExample],
        system: str,
        t2i: list[T2IExample] | None,
        out_dir: Path | None,
        save_rows: int,
    ) -> StageResult:
        """Train ``s.epochs`` epochs; rows outside ``trainable`` are restored after each step."""
        result = StageResult()
        steps = math.ceil(len(mmu) / s.mmu_batch)
        if t2i:
            steps = max(steps, math.ceil(len(t2i) / s.t2i_batch))
        mmu_batches = [
            self.mmu_batch(b, system) for b in self._cycled_batches(mmu, s.mmu_batch, steps)
        ]
        t2i_batches = []
        if t2i:
            for b in self._cycled_batches(t2i, s.t2i_batch, steps):
                t2i_batches.append((self.t2i_codes(b), [e.caption for e in b]))
        params = self.rows.parameters()
        for p in params:
            p.requires_grad_(True)
        opt = torch.optim.AdamW(
            params, lr=s.lr, betas=s.betas, weight_decay=s.weight_decay, eps=s.eps
        )
        frozen = ~trainable.to(self.rows.embed.device)
        keep = [p.detach()[frozen].clone() for p in params]
        limit = steps if s.max_steps_per_epoch is None else min(steps, s.max_steps_per_epoch)
        for epoch in range(1, s.epochs + 1):
            losses = []
            for step in range(limit):
                opt.zero_grad(set_to_none=True)
                loss = self.mmu_loss(*mmu_batches[step])
                if t2i_batches:
                    codes, caps = t2i_batches[step]
                    lt2i = self.t2i_loss(*self.t2i_batch(codes, caps, s.cond_dropout))
                    loss = s.t2i_weight * lt2i + s.mmu_weight * loss
                loss.backward()
                opt.step()
                with torch.no_grad():
                    for p, k in zip(params, keep, strict=True):
                        p[frozen] = k
                losses.append(float(loss.detach()))
                result.steps += 1
            result.epoch_losses.append(sum(losses) / len(losses))
            if epoch % s.save_every == 0 or epoch == s.epochs:
                snap = rows_weights(self.rows, save_rows)
                result.snapshots[epoch] = snap
                if out_dir is not None:
                    save_epoch(out_dir, epoch, snap)
        for p in params:
            p.requires_grad_(False)
        return result
