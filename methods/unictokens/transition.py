"""Stage 2 -> 3: images that show where the model is still unsure about the concept.

Facts from the published script (``stage_2_to_3_v1.py``): generate ``count`` images of the concept
(50 steps, guidance 5) with the stage 2 tokens; for each, take the full prediction at step
``end_step`` (1-based, published 35) and paint white every image token that still differs from the
final image. Stage 3 initialises its understanding tokens by k-means over the image codes of these
pictures. (The script also compares with step ``start_step`` = 10 but does not use the result.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from PIL import Image

    from methods.showo.backbone import ShowoBackbone
    from methods.showo.model import ConceptRows


@torch.no_grad()
def difference_images(
    backbone: ShowoBackbone,
    prompt: str,
    rows: ConceptRows,
    *,
    count: int,
    steps: int,
    guidance_scale: float,
    end_step: int,
    seed: int,
) -> list[Image.Image]:
    """``count`` pictures: the step-``end_step`` prediction, white where it differs from the end."""
    from PIL import Image as PILImage

    from methods.showo.backbone import to_uint8

    end = min(end_step, steps) - 1
    out = []
    for i in range(count):
        final, snaps = backbone.generate_codes(
            [prompt],
            [seed * 1_000_003 + i],
            steps=steps,
            guidance_scale=guidance_scale,
            rows=rows,
            return_steps=(end,),
        )
        mid = snaps[end]
        differs = (mid != final).float()
        side = round(differs.shape[-1] ** 0.5)
        pixels = backbone.vq.decode_code(mid.to(backbone.device)).float()
        up = torch.nn.functional.interpolate(
            differs.view(1, 1, side, side), size=pixels.shape[-2:], mode="nearest"
        ).to(pixels.device)
        pixels = torch.where(up.expand_as(pixels) > 0, torch.ones_like(pixels), pixels)
        out.append(PILImage.fromarray(to_uint8(pixels)[0]))
    return out
