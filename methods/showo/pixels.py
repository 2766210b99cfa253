"""Images -> pixel tensors as the published Show-o / UniCTokens code prepares them.

Facts from the published transforms (Show-o ``training/utils.py``, UniCTokens ``pdata.py``):
torchvision ``Resize(size, BICUBIC)`` on the PIL image (short side to ``size``, long side
truncated), ``CenterCrop(size)`` (offsets rounded), ``ToTensor``, then, where the script flips, a
horizontal flip of the *cropped* tensor, then ``Normalize(0.5, 0.5)`` to [-1, 1]. Training crops
from a ``Resize(int(1.1 * size))`` at a random position instead, and flips with probability 0.25
(a coin, then ``RandomHorizontalFlip`` at p=0.5).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from PIL import Image


def _to_normalised(img: Image.Image, flip: bool) -> torch.Tensor:
    from torchvision.transforms import functional as tvf

    t = tvf.to_tensor(img)
    if flip:
        t = tvf.hflip(t)
    return tvf.normalize(t, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])


def reference_pixels(image: Image.Image, size: int, *, flip: bool = False) -> torch.Tensor:
    """(3, size, size) float32 in [-1, 1]: resize, centre crop, [flip], normalise."""
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms import functional as tvf

    img = image.convert("RGB")
    img = tvf.resize(img, size, interpolation=InterpolationMode.BICUBIC)
    img = tvf.center_crop(img, [size, size])
    return _to_normalised(img, flip)


def training_flip(rng: random.Random) -> bool:
    """The published training flip: a coin at 0.5, then ``RandomHorizontalFlip`` at 0.5."""
    return rng.random() < 0.5 and rng.random() < 0.5


def augmented_pixels(
    image: Image.Image, size: int, rng: random.Random, *, random_crop: bool
) -> torch.Tensor:
    """A training view: ``random_crop`` from a 1.1x resize (else the centre crop), maybe flipped.

    Positions and flips are drawn from ``rng`` (the published scripts draw them from torch's
    global generator; the distribution is the same, the draws are not).
    """
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms import functional as tvf

    if not random_crop:
        return reference_pixels(image, size, flip=training_flip(rng))
    img = tvf.resize(image.convert("RGB"), int(size * 1.1), interpolation=InterpolationMode.BICUBIC)
    w, h = img.size
    top = rng.randint(0, h - size)
    left = rng.randint(0, w - size)
    img = tvf.crop(img, top, left, size, size)
    return _to_normalised(img, training_flip(rng))
