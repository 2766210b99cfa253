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


def gumbel_noise(shape: tuple[int, ...], generator: torch.Generator, device) -> torch.Tensor:
    """Standard Gumbel noise drawn from ``generator`` (on the generator's device)."""
    import torch

    u = torch.rand(shape, generator=generator, device=generator.device).to(device)
    return -torch.log(-torch.log(u.clamp(min=1e-20)).clamp(min=1e-20))


def mask_lowest_confidence(
    probs: torch.Tensor,
    keep_masked: torch.Tensor,
    temperature: float,
    generator: torch.Generator,
) -> torch.Tensor:
    """True where a token should be re-masked: the ``keep_masked`` least confident per row.

    Confidence is log(p) plus temperature-scaled Gumbel noise (MaskGIT's random top-k).
    """
    import torch

    noise = gumbel_noise(tuple(probs.shape), generator, probs.device)
    confidence = torch.log(probs.clamp(min=1e-20)) + temperature * noise
    ordered = torch.sort(confidence, dim=-1).values
    cut = torch.gather(ordered, 1, keep_masked[:, None])
    return confidence < cut
