"""Random streams per generated image, so that batching can never change an image.

A method asked for ``n`` images of a prompt with the item's ``seed`` gives image ``k`` its own
generator, seeded from ``(seed, k)``. A sampler that draws every random number of image ``k``
from that generator (and nothing else from it) produces the same image whether the image is
made alone, with its siblings, or in a batch with other items' images. The noise is drawn on
the CPU, so it is also the same on every device.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def image_seed(seed: int, index: int) -> int:
    """The seed of image ``index`` of an item seeded ``seed`` (63 bits of sha256)."""
    digest = hashlib.sha256(f"{int(seed)}:{int(index)}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


def image_seeds(seeds: Sequence[int], n: int) -> list[int]:
    """Seeds of ``n`` images for each item seed, item after item (the order of the outputs)."""
    return [image_seed(s, k) for s in seeds for k in range(n)]


def row_uniforms(seeds: Sequence[int], shape: tuple[int, ...]) -> torch.Tensor:
    """Uniform [0, 1) noise of ``shape`` per image seed, stacked: ``(len(seeds), *shape)``.

    Each row comes from its own CPU generator, so a row depends on its seed only.
    """
    import torch

    rows = [
        torch.rand(shape, generator=torch.Generator(device="cpu").manual_seed(int(s)))
        for s in seeds
    ]
    return torch.stack(rows) if rows else torch.empty((0, *shape))


def sample_inverse_cdf(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Categorical draws from ``probs`` (..., K) with uniforms ``u`` (...): inverse CDF.

    The uniform is scaled by the row's total mass, so rounding in the cumulative sum can never
    push a draw past the last category.
    """
    import torch

    cdf = probs.float().cumsum(-1)
    target = u.to(cdf.device, cdf.dtype)[..., None] * cdf[..., -1:]
    idx = torch.searchsorted(cdf, target, right=True)[..., 0]
    return idx.clamp(max=probs.shape[-1] - 1)
