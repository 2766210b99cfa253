"""n images per prompt from a Janus backbone, in chunks, each image from its own seed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

    from methods.janus.backbone import JanusBackbone, TokenRows


def generate_images(
    bb: JanusBackbone,
    prompts: Sequence[str],
    n: int,
    seeds: Sequence[int],
    *,
    batch_size: int = 8,
    guidance_scale: float | None = None,
    temperature: float | None = None,
    output_size: int | None = None,
    rows: TokenRows | None = None,
) -> list[list[Image.Image]]:
    """``n`` images for each prompt (already in the model's wording), ``batch_size`` per pass.

    Image k of item i is drawn from ``image_seed(seeds[i], k)``, so neither the chunking nor
    the other items of a batch change it.
    """
    from methods.batching import check_batch, per_item, resize_all
    from methods.noise import image_seeds

    check_batch(prompts, seeds, n)
    texts = [p for p in prompts for _ in range(n)]
    row_seeds = image_seeds(seeds, n)
    step = max(1, int(batch_size))
    images: list[Image.Image] = []
    for start in range(0, len(texts), step):
        codes = bb.generate_codes(
            texts[start : start + step],
            row_seeds[start : start + step],
            guidance_scale=guidance_scale,
            temperature=temperature,
            rows=rows,
        )
        images += bb.decode(codes)
    return per_item(resize_all(images, output_size), n)
