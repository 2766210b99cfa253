"""Show-o's omni-attention masks.

Text attends causally; every position inside an image span (``<|soi|>`` .. ``<|eoi|>``) attends to
the whole span and to the non-padding text before it; nobody attends to padding (except padding
itself, causally, so that no row is empty).
Masks are boolean ``(batch, 1, L, L)``: True = may attend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def omni_mask(ids: torch.Tensor, *, pad_id: int, soi_id: int, eoi_id: int) -> torch.Tensor:
    """Mask for sequences with image spans (t2i: text prompt, then an image to fill in).

    Matches Show-o's ``create_attention_mask_predict_next(..., rm_pad_in_image=True)``: text is
    causal, tokens after the left padding do not see it, image spans are bidirectional and see
    all non-padding text before them.
    """
    import torch

    n, length = ids.shape
    starts = torch.cumsum(ids == soi_id, dim=1)
    ends = torch.cumsum(ids == eoi_id, dim=1)
    in_image = (starts > ends) | (ids == soi_id) | (ids == eoi_id)
    is_pad = ids == pad_id
    causal = torch.tril(torch.ones(length, length, dtype=torch.bool, device=ids.device))
    mask = causal.expand(n, length, length).clone()
    # Image rows: all columns that are not padding (text before, the whole image span, text after).
    img_rows = in_image[:, :, None] & ~is_pad[:, None, :]
    mask = torch.where(in_image[:, :, None], img_rows, mask)
    # Non-padding rows never see padding columns.
    mask &= ~(is_pad[:, None, :] & ~is_pad[:, :, None])
    return mask[:, None]


def mmu_mask(ids: torch.Tensor, *, eoi_id: int) -> torch.Tensor:
    """Mask for understanding sequences ``<|mmu|> <|soi|> image <|eoi|> text``.

    Causal, except that every position sees every position up to and including the first
    ``<|eoi|>`` (Show-o's ``create_attention_mask_for_mmu``).
    """
    import torch

    n, length = ids.shape
    mask = torch.tril(torch.ones(n, length, length, dtype=torch.bool, device=ids.device))
    has_eoi = (ids == eoi_id).any(dim=1)
    first_eoi = torch.where(has_eoi, (ids == eoi_id).int().argmax(dim=1), -1)
    cols = torch.arange(length, device=ids.device)
    prefix = cols[None, :] <= first_eoi[:, None]  # (n, L)
    mask |= prefix[:, None, :]
    return mask[:, None]


def to_additive(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Boolean mask -> additive float mask (0 where allowed, the dtype's minimum elsewhere)."""
    import torch

    zero = torch.zeros((), dtype=dtype, device=mask.device)
    neg = torch.full((), torch.finfo(dtype).min, dtype=dtype, device=mask.device)
    return torch.where(mask, zero, neg)
