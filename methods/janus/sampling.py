"""Per-image seeded sampling inside transformers' Janus image generation.

``JanusForConditionalGeneration.generate(generation_mode="image")`` runs the conditional and
unconditional rows together and samples every image token with ``torch.multinomial`` from the
global generator, so one batch's composition changes every image in it. This logits processor
applies transformers' own ``ClassifierFreeGuidanceLogitsProcessor`` and then draws the token of
each image from that image's own uniforms (:mod:`methods.noise`), returning a one-hot score row;
``generate`` then runs greedily (``do_sample=False``) and picks exactly that token.

It is passed with ``guidance_scale=1`` in the call so that ``generate`` does not append a second
guidance processor after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from methods.noise import sample_inverse_cdf

if TYPE_CHECKING:
    import torch


class SeededGuidedSampler:
    """CFG (transformers' processor) then inverse-CDF sampling from per-image uniforms.

    ``uniforms`` is ``(images, image_tokens)``: row ``r`` holds the noise of output image ``r``.
    """

    def __init__(self, guidance_scale: float, temperature: float, uniforms: torch.Tensor) -> None:
        from transformers.generation.logits_process import ClassifierFreeGuidanceLogitsProcessor

        self.cfg = (
            ClassifierFreeGuidanceLogitsProcessor(guidance_scale) if guidance_scale > 1 else None
        )
        self.temperature = float(temperature)
        self.uniforms = uniforms
        self.step = 0

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        import torch

        rows = self.uniforms.shape[0]
        # Without guidance only the conditional half counts.
        scores = self.cfg(input_ids, scores) if self.cfg is not None else scores[:rows]
        if scores.shape[0] != rows:
            raise RuntimeError(f"sampler expects {rows} image rows, got {tuple(scores.shape)}")
        if self.step >= self.uniforms.shape[1]:
            raise RuntimeError(f"sampler called for token {self.step + 1}, noise has no more steps")
        scores = scores.float()
        if self.temperature > 0:
            probs = torch.softmax(scores / self.temperature, dim=-1)
            token = sample_inverse_cdf(probs, self.uniforms[:, self.step])
        else:
            token = scores.argmax(-1)
        self.step += 1
        out = torch.full_like(scores, float("-inf"))
        out.scatter_(1, token[:, None].to(out.device), 0.0)
        return out
