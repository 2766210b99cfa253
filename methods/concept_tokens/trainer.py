"""Training of a concept's rows on any backend: AdamW on the new rows, nothing else.

The backbone is frozen and never given to the optimiser; the rows are separate tensors that
stand in for the new ids (hooks on Janus, ``ConceptRows`` on Show-o), so every weight of the
checkpoint stays bit-identical. Each epoch visits every understanding example once (shuffled,
``mmu_batch`` per step); when the image loss is on, every step adds ``image_batch`` training
photos (cycled, shuffled per epoch) weighted by ``image_loss_weight``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from methods.common.training_data import MMUExample
    from methods.concept_tokens.backends.base import ConceptBackend, Losses
    from methods.concept_tokens.checkpoint import LearnedRows
    from methods.concept_tokens.params import ConceptTokensParams


@dataclass
class TrainingLog:
    """Mean loss per epoch (understanding, image) and understanding loss before and after."""

    mmu_before: float = float("nan")
    mmu_after: float = float("nan")
    epochs: list[dict[str, float]] = field(default_factory=list)
    steps: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "mmu_before": self.mmu_before,
            "mmu_after": self.mmu_after,
            "epochs": self.epochs,
            "steps": self.steps,
        }


@torch.no_grad()
def mean_mmu_loss(losses: Losses, examples: list[MMUExample], batch: int) -> float:
    """Understanding loss over ``examples`` in fixed order (no augmentation)."""
    total, count = 0.0, 0
    for start in range(0, len(examples), batch):
        chunk = examples[start : start + batch]
        total += float(losses.mmu(chunk)) * len(chunk)
        count += len(chunk)
    return total / max(1, count)


def train_rows(
    backend: ConceptBackend,
    rows: LearnedRows,
    mmu: list[MMUExample],
    images: list[Path],
    caption: str,
    p: ConceptTokensParams,
) -> TrainingLog:
    """Train ``rows`` (on the backend's device, updated in place) for ``p.epochs`` epochs."""
    if not mmu:
        from unifybench.errors import DataError

        raise DataError("concept", "training examples", "at least one understanding example")
    losses = backend.losses(rows, p.seed)
    params = rows.parameters()
    for t in params:
        t.requires_grad_(True)
    opt = torch.optim.AdamW(params, lr=p.lr, weight_decay=p.weight_decay)
    rng = random.Random(p.seed)
    log = TrainingLog(mmu_before=mean_mmu_loss(losses, mmu, p.mmu_batch))
    use_images = bool(images) and p.image_loss_weight > 0
    steps = math.ceil(len(mmu) / p.mmu_batch)
    if p.max_steps_per_epoch is not None:
        steps = min(steps, p.max_steps_per_epoch)
    for _ in range(p.epochs):
        order = list(mmu)
        rng.shuffle(order)
        photos = list(images)
        rng.shuffle(photos)
        sums = {"mmu": 0.0, "image": 0.0}
        for step in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = losses.mmu(order[step * p.mmu_batch : (step + 1) * p.mmu_batch])
            sums["mmu"] += float(loss.detach())
            if use_images:
                pick = [
                    photos[(step * p.image_batch + j) % len(photos)] for j in range(p.image_batch)
                ]
                image_loss = losses.image(pick, [caption] * len(pick))
                sums["image"] += float(image_loss.detach())
                loss = loss + p.image_loss_weight * image_loss
            loss.backward()
            opt.step()
            log.steps += 1
        log.epochs.append({k: v / steps for k, v in sums.items() if use_images or k == "mmu"})
    for t in params:
        t.requires_grad_(False)
    log.mmu_after = mean_mmu_loss(losses, mmu, p.mmu_batch)
    return log
