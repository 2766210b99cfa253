"""Show-o's MaskGIT sampler: the one generation loop of every Show-o method.

Each step predicts every still-masked image token (classifier-free guidance against the empty
prompt: ``(1 + g) * cond - g * uncond``), draws a code for each from the softmax, and re-masks the
least confident ones (cosine schedule; log-probability plus Gumbel noise scaled by a temperature
annealed as published). The random numbers are drawn with the published sampler's calls, shapes
and order (one ``multinomial`` over the positions, then one ``uniform_`` for the Gumbel noise, per
step); where they come from is the ``noise`` mode:

* ``"per-image"`` (what methods use): image ``i`` has its own ``torch.Generator`` seeded with
  ``seeds[i]``, and every random number of image ``i`` comes from it, so an image is the same
  alone, beside its siblings, or in a batch with other items' images. For one image this *is*
  the published sampler driven by a generator seeded with that image's seed.
* ``"published-batch"``: one generator seeded with ``seeds[0]`` drives the whole batch, as the
  published generation script draws a batch from one (global) generator. Used only to compare
  batches of more than one image with outputs recorded from the published code. For a batch of
  one image the two modes are the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import torch

from methods.showo.attention import omni_mask
from methods.showo.schedule import gumbel_noise, mask_lowest_confidence, num_masked_after

if TYPE_CHECKING:
    from PIL import Image

    from methods.showo.backbone import ShowoBackbone
    from methods.showo.model import ConceptRows

NoiseMode = Literal["per-image", "published-batch"]
NOISE_MODES: tuple[str, ...] = ("per-image", "published-batch")


class NoiseStreams:
    """Where one MaskGIT call's random numbers come from (see the module docstring)."""

    def __init__(self, seeds: Sequence[int], batch: int, device, mode: str) -> None:
        if mode not in NOISE_MODES:
            raise ValueError(f"noise={mode!r}: expected one of {list(NOISE_MODES)}")
        wanted = batch if mode == "per-image" else 1
        if len(seeds) != wanted:
            raise ValueError(
                f"noise={mode!r} needs {wanted} seed(s) for {batch} image(s), got {len(seeds)}"
            )
        self.per_image = mode == "per-image"
        self.generators = [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]

    def categorical(self, probs: torch.Tensor) -> torch.Tensor:
        """One draw per position from ``probs`` (B, N, K) -> (B, N)."""
        b, n, k = probs.shape
        if not self.per_image:
            (gen,) = self.generators
            return torch.multinomial(probs.reshape(-1, k), 1, generator=gen)[:, 0].view(b, n)
        rows = [
            torch.multinomial(probs[i], 1, generator=g)[:, 0] for i, g in enumerate(self.generators)
        ]
        return torch.stack(rows)

    def gumbel(self, like: torch.Tensor) -> torch.Tensor:
        """Standard Gumbel noise of ``like``'s shape (B, N), as the published sampler draws it."""
        if not self.per_image:
            return gumbel_noise(like, self.generators[0])
        return torch.cat([gumbel_noise(like[i : i + 1], g) for i, g in enumerate(self.generators)])


@torch.no_grad()
def maskgit_codes(
    bb: ShowoBackbone,
    prompts: Sequence[str],
    seeds: Sequence[int],
    *,
    noise: str = "per-image",
    steps: int | None = None,
    guidance_scale: float | None = None,
    temperature: float = 1.0,
    rows: ConceptRows | None = None,
    return_steps: tuple[int, ...] = (),
) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """Image codes (len(prompts), num_vq_tokens) and the full predictions at ``return_steps``.

    ``seeds``: one per prompt (``noise="per-image"``) or one for the batch
    (``"published-batch"``). ``return_steps`` lists 0-based steps whose predictions are kept.
    """
    steps = steps or bb.config.generation_steps
    g = bb.config.guidance_scale if guidance_scale is None else guidance_scale
    sp = bb.special
    n_tok = bb.config.num_vq_tokens
    b = len(prompts)
    off = bb.text_vocab_size
    codebook = bb.config.codebook_size
    streams = NoiseStreams(seeds, b, bb.device, noise)
    masked = torch.full((b, n_tok), bb.mask_id, device=bb.device)
    cond = bb.t2i_batch(list(prompts), masked)
    batch = torch.cat([cond, bb.t2i_batch([""] * b, masked)]) if g > 0 else cond
    attn = omni_mask(batch, pad_id=sp.pad, soi_id=sp.soi, eoi_id=sp.eoi)
    img = slice(batch.shape[1] - n_tok - 1, batch.shape[1] - 1)
    current = torch.full((b, n_tok), -1, device=bb.device)  # -1 = still masked
    snapshots: dict[int, torch.Tensor] = {}
    sampled = current
    for step in range(steps):
        logits, _ = bb.lm(batch, attn, rows)
        # Guidance is elementwise: taking the image-code columns first gives the same values as
        # the published order (guide the whole vocabulary, then slice) with less memory.
        logits = logits[:, img, off : off + codebook].float()
        if g > 0:
            c, u = logits.chunk(2)
            logits = (1 + g) * c - g * u
        probs = logits.softmax(-1)
        unknown = current < 0
        sampled = torch.where(unknown, streams.categorical(probs), current)
        if step in return_steps:
            snapshots[step] = sampled.clone()
        keep = num_masked_after(step, steps, n_tok, unknown.sum(-1))
        chosen = torch.gather(probs, -1, sampled[..., None].long())[..., 0]
        chosen = torch.where(unknown, chosen, torch.finfo(chosen.dtype).max)
        temperature = temperature * (1.0 - (step + 1) / steps)  # compounds over steps, as published
        remask = mask_lowest_confidence(chosen, keep, temperature, streams.gumbel(chosen))
        current = torch.where(remask, -1, sampled)
        new_img = torch.where(remask, bb.mask_id, sampled + off)
        batch[:, img] = torch.cat([new_img, new_img]) if g > 0 else new_img
    return sampled, snapshots


def generate_images(
    bb: ShowoBackbone,
    prompts: Sequence[str],
    n: int,
    seeds: Sequence[int],
    *,
    batch_size: int = 8,
    steps: int | None = None,
    guidance_scale: float | None = None,
    rows: ConceptRows | None = None,
    output_size: int | None = None,
) -> list[list[Image.Image]]:
    """``n`` images per prompt, ``batch_size`` images per sampler call.

    Image ``k`` of item ``i`` is drawn with the per-image noise of ``image_seed(seeds[i], k)``,
    so neither the chunking nor the batch neighbours change it.
    """
    from methods.batching import check_batch, per_item, resize_all
    from methods.noise import image_seeds

    check_batch(prompts, seeds, n)
    texts = [p for p in prompts for _ in range(n)]
    row_seeds = image_seeds(seeds, n)
    step = max(1, int(batch_size))
    images: list[Image.Image] = []
    for start in range(0, len(texts), step):
        codes, _ = maskgit_codes(
            bb,
            texts[start : start + step],
            row_seeds[start : start + step],
            steps=steps,
            guidance_scale=guidance_scale,
            rows=rows,
        )
        # One image per decoder call: a decoded image must not depend on its batch.
        images += [im for c in codes for im in bb.decode(c[None])]
    return per_item(resize_all(images, output_size), n)
