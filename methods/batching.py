"""Small helpers shared by methods that answer and draw in batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from PIL import Image

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size`` (at least 1)."""
    step = max(1, int(size))
    return [items[i : i + step] for i in range(0, len(items), step)]


def resize_all(images: list[Image.Image], size: int | None) -> list[Image.Image]:
    """Images resized (bicubic) to ``size`` x ``size``, or unchanged when ``size`` is None."""
    if not size:
        return images
    from PIL import Image as PILImage

    return [im.resize((size, size), PILImage.BICUBIC) for im in images]


def per_item(images: list[Image.Image], n: int) -> list[list[Image.Image]]:
    """A flat list of images, item after item, cut into lists of ``n``."""
    return [images[i : i + n] for i in range(0, len(images), n)]


def check_batch(prompts: Sequence[object], seeds: Sequence[int], n: int) -> None:
    """A generation batch must give one seed per prompt and ask for at least one image."""
    if len(prompts) != len(seeds):
        raise ValueError(f"{len(prompts)} prompts but {len(seeds)} seeds")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
