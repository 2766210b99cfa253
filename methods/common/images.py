"""Image helpers shared by methods."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image


def square_resize(image: Image.Image, size: int) -> Image.Image:
    """Centre-crop to a square, then resize (bicubic) to ``size`` x ``size``; RGB out.

    A square image of exactly ``size`` pixels comes back with its pixels unchanged.
    """
    from PIL import Image

    image = image.convert("RGB")
    width, height = image.size
    side = min(width, height)
    if (width, height) != (side, side):
        left, top = (width - side) // 2, (height - side) // 2
        image = image.crop((left, top, left + side, top + side))
    if side != size:
        image = image.resize((size, size), Image.Resampling.BICUBIC)
    return image
