"""Show-o's greedy understanding: the one decoding loop of every Show-o method.

Sequences are the published ones (:meth:`ShowoBackbone.mmu_ids`: ``<|mmu|> <|soi|> image
<|eoi|> <bos> USER: ... ASSISTANT:``), decoded greedily with a KV cache. Several questions go in
one left-padded batch: padding columns are masked and position ids count real tokens only, so
each answer is the one the question gets alone. A batch without padding (one question, or
questions of equal length) runs exactly the published single-sequence calls: the understanding
mask for the prompt, no mask and default positions afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from methods.showo.attention import mmu_mask

if TYPE_CHECKING:
    from PIL import Image

    from methods.showo.backbone import ShowoBackbone
    from methods.showo.model import ConceptRows


def left_pad(seqs: list[list[int]], pad: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-padded ids (B, L) and the mask of real (non-padding) positions."""
    width = max(len(s) for s in seqs)
    ids = torch.tensor([[pad] * (width - len(s)) + s for s in seqs], device=device)
    real = torch.zeros_like(ids, dtype=torch.bool)
    for i, s in enumerate(seqs):
        real[i, width - len(s) :] = True
    return ids, real


def padded_prefill_mask(ids: torch.Tensor, real: torch.Tensor, eoi: int) -> torch.Tensor:
    """Show-o's understanding mask restricted to real columns; padding rows see themselves."""
    mask = mmu_mask(ids, eoi_id=eoi) & real[:, None, None, :]
    eye = torch.eye(ids.shape[1], dtype=torch.bool, device=ids.device)
    return torch.where(real[:, None, :, None], mask, eye[None, None])


@torch.no_grad()
def greedy_answer_ids(
    bb: ShowoBackbone,
    questions: Sequence[str],
    images: Sequence[Image.Image | None],
    *,
    flips: Sequence[bool] | None = None,
    rows: ConceptRows | None = None,
    max_new_tokens: int | None = None,
) -> list[list[int]]:
    """Greedy answer token ids (without the final EOS), one list per (question, image).

    ``flips[i]`` flips image ``i`` after the crop (the published evaluation's random flip); a
    missing image is the black placeholder.
    """
    if len(questions) != len(images):
        raise ValueError(f"{len(questions)} questions but {len(images)} images")
    flips = [False] * len(images) if flips is None else [bool(f) for f in flips]
    if len(flips) != len(images):
        raise ValueError(f"{len(flips)} flips for {len(images)} images")
    if not questions:
        return []
    sp = bb.special
    # One image at a time through the transform and the image tokenizer: a question's codes then
    # never depend on its batch.
    seqs = [
        bb.mmu_ids(q, bb.encode(bb.pixels([im or bb.blank_image()], flips=[f]))[0])
        for q, im, f in zip(questions, images, flips, strict=True)
    ]
    ids, real = left_pad(seqs, sp.pad, bb.device)
    padded = not bool(real.all())
    if padded:
        prefill = padded_prefill_mask(ids, real, sp.eoi)
        positions = (real.long().cumsum(1) - 1).clamp(min=0)
    else:
        prefill, positions = mmu_mask(ids, eoi_id=sp.eoi), None
    logits, cache = bb.lm(ids, prefill, rows, use_cache=True, position_ids=positions)
    b = len(seqs)
    out: list[list[int]] = [[] for _ in range(b)]
    done = [False] * b
    next_pos = real.long().sum(1)
    for _ in range(max_new_tokens or bb.config.max_new_tokens):
        nxt = logits[:, -1].float().argmax(-1).cpu()
        for i in range(b):
            if not done[i]:
                if int(nxt[i]) == sp.eos:
                    done[i] = True
                else:
                    out[i].append(int(nxt[i]))
        if all(done):
            break
        step_mask, step_pos = None, None
        if padded:
            real = torch.cat([real, torch.ones(b, 1, dtype=torch.bool, device=bb.device)], 1)
            step_mask, step_pos = real[:, None, None, :], next_pos[:, None].to(bb.device)
            next_pos = next_pos + 1
        logits, cache = bb.lm(
            nxt[:, None].to(bb.device), step_mask, rows, cache, True, position_ids=step_pos
        )
    return out
