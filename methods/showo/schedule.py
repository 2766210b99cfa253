"""MaskGIT mask schedule and confidence-based re-masking (facts from MaskGIT / Show-o)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def cosine_schedule(t: torch.Tensor | float) -> torch.Tensor:
    """Fraction of image tokens still masked at progress ``t`` in [0, 1]: cos(pi/2 * t)."""
    import torch

    t = torch.as_tensor(t, dtype=torch.float32)
    return torch.cos(t * math.pi * 0.5)


def num_masked_after(step: int, steps: int, seq_len: int, unknown: torch.Tensor) -> torch.Tensor:
    """How many tokens stay masked after ``step`` (0-based) of ``steps``, per batch row.

    floor(seq_len * cos(pi/2 * (step+1)/steps)), at least 1 and at most (still unknown - 1), so
    every step fixes at least one token and keeps at least one for the next step.
    """
    import torch

    ratio = (step + 1) / steps
    target = torch.floor(seq_len * cosine_schedule(ratio)).to(unknown.device)
    upper = unknown - 1
    return torch.clamp(torch.minimum(upper.to(target.dtype), target), min=1).long()


def gumbel_noise(like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Standard Gumbel noise of ``like``'s shape: -log(-log(u)), u uniform in [0, 1).

    Drawn as Show-o draws it (one ``uniform_`` over a tensor of ``like``'s shape and dtype, then
    both logarithms clamped at 1e-20), so the same generator gives the same noise.
    """
    import torch

    u = torch.zeros_like(like).uniform_(0, 1, generator=generator)
    inner = -torch.log(u.clamp(min=1e-20))
    return -torch.log(inner.clamp(min=1e-20))


def mask_lowest_confidence(
    probs: torch.Tensor,
    keep_masked: torch.Tensor,
    temperature: float,
    gumbel: torch.Tensor,
) -> torch.Tensor:
    """True where a token should be re-masked: the ``keep_masked`` least confident per row.

    Confidence is log(p) plus ``temperature`` times the Gumbel noise ``gumbel`` (MaskGIT's random
    top-k; :func:`gumbel_noise` draws it as Show-o does); a token is re-masked when its
    confidence is below the ``keep_masked``-th smallest one.
    """
    import torch

    confidence = torch.log(probs.clamp(min=1e-20)) + temperature * gumbel
    ordered = torch.sort(confidence, dim=-1).values
    cut = torch.gather(ordered, 1, keep_masked.reshape(-1, 1).long())
    return confidence < cut
