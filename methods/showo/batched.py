"""Batched calls on a :class:`ShowoBackbone` whose results do not depend on the batch.

* :func:`answer_batch`: greedy understanding of several (question, image) pairs in one left-padded
  batch, KV-cached. Padding columns are masked and position ids count real tokens only, so each
  answer is the one :meth:`ShowoBackbone.answer` gives alone.
* :func:`generate_codes_seeded`: MaskGIT decoding with the schedule of
  :meth:`ShowoBackbone.generate_codes` (cosine masking, confidence re-masking with the annealed
  temperature, classifier-free guidance against the empty prompt), except that every random
  number of image ``i`` comes from its own seed (:mod:`methods.noise`): an image is the same
  alone, with its siblings, or in a batch with other prompts' images.

``generate_codes`` itself keeps one generator per call (the published sampler draws from one global
stream); ``showo-prompt`` and ``unictokens`` still use it. Moving them onto per-image noise means
moving this loop's noise into ``generate_codes``; see methods/concept_tokens/README.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from methods.noise import gumbel_from_uniform, row_uniforms, sample_inverse_cdf
from methods.showo.attention import mmu_mask, omni_mask, to_additive
from methods.showo.prompting import chat_prompt, mmu_prefix
from methods.showo.schedule import num_masked_after

if TYPE_CHECKING:
    from PIL import Image

    from methods.showo.backbone import ShowoBackbone
    from methods.showo.model import ConceptRows


def _left_pad(seqs: list[list[int]], pad: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-padded ids (B, L) and the mask of real (non-padding) positions."""
    width = max(len(s) for s in seqs)
    ids = torch.tensor([[pad] * (width - len(s)) + s for s in seqs], device=device)
    real = torch.zeros_like(ids, dtype=torch.bool)
    for i, s in enumerate(seqs):
        real[i, width - len(s) :] = True
    return ids, real


def _prefill_mask(ids: torch.Tensor, real: torch.Tensor, eoi: int) -> torch.Tensor:
    """Show-o's understanding mask restricted to real columns; padding rows see themselves."""
    mask = mmu_mask(ids, eoi_id=eoi) & real[:, None, None, :]
    eye = torch.eye(ids.shape[1], dtype=torch.bool, device=ids.device)
    return torch.where(real[:, None, :, None], mask, eye[None, None])


def answer_batch(
    bb: ShowoBackbone,
    questions: Sequence[str],
    images: Sequence[Image.Image | None],
    *,
    rows: ConceptRows | None = None,
    max_new_tokens: int | None = None,
) -> list[str]:
    """Greedy answers, one per (question, image); the Show-o understanding prompt of each."""
    ids = answer_ids(bb, questions, images, rows=rows, max_new_tokens=max_new_tokens)
    return [bb.tokenizer.decode(o, skip_special_tokens=True).strip() for o in ids]


@torch.no_grad()
def answer_ids(
    bb: ShowoBackbone,
    questions: Sequence[str],
    images: Sequence[Image.Image | None],
    *,
    rows: ConceptRows | None = None,
    max_new_tokens: int | None = None,
) -> list[list[int]]:
    """Token ids of the greedy answers (without the end token), as :func:`answer_batch`."""
    if len(questions) != len(images):
        raise ValueError(f"{len(questions)} questions but {len(images)} images")
    if not questions:
        return []
    sp = bb.special
    # One image at a time: the tokenizer's output then never depends on the batch.
    codes = [bb.encode([im or bb.blank_image()])[0] + bb.text_vocab_size for im in images]
    seqs = [
        [*mmu_prefix(c.tolist(), sp), sp.bos, *bb.text_ids(chat_prompt(q))]
        for c, q in zip(codes, questions, strict=True)
    ]
    ids, real = _left_pad(seqs, sp.pad, bb.device)
    pos = (real.long().cumsum(1) - 1).clamp(min=0)
    logits, cache = bb.lm(
        ids, _prefill_mask(ids, real, sp.eoi), rows, use_cache=True, position_ids=pos
    )
    b = len(seqs)
    out: list[list[int]] = [[] for _ in range(b)]
    done = torch.zeros(b, dtype=torch.bool)
    next_pos = real.long().sum(1)
    limit = max_new_tokens or bb.config.max_new_tokens
    for _ in range(limit):
        nxt = logits[:, -1].float().argmax(-1).cpu()
        for i in range(b):
            if not done[i]:
                if int(nxt[i]) == sp.eos:
                    done[i] = True
                else:
                    out[i].append(int(nxt[i]))
        if bool(done.all()):
            break
        real = torch.cat([real, torch.ones(b, 1, dtype=torch.bool, device=bb.device)], 1)
        step_mask = real[:, None, None, :]
        logits, cache = bb.lm(
            nxt[:, None].to(bb.device),
            step_mask,
            rows,
            cache,
            True,
            position_ids=next_pos[:, None].to(bb.device),
        )
        next_pos = next_pos + 1
    return out


def image_code_logits(
    bb: ShowoBackbone,
    ids: torch.Tensor,
    additive_mask: torch.Tensor,
    rows: ConceptRows | None,
    positions: slice,
) -> torch.Tensor:
    """Logits of the image-code columns at ``positions`` only (B, P, codebook_size).

    The same numbers as ``bb.lm`` gives for those entries, without computing the LM head over
    the whole vocabulary at every position (the text columns are never sampled in t2i). Concept
    rows change only text columns and input embeddings, so only the embedding needs ``rows``.
    """
    from torch.nn import functional as F

    lm = bb.lm
    hidden = lm.showo.model(inputs_embeds=lm.embed(ids, rows), attention_mask=additive_mask)[0]
    head = lm.showo.lm_head
    cols = slice(bb.text_vocab_size, bb.text_vocab_size + bb.config.codebook_size)
    return F.linear(hidden[:, positions], head.weight[cols], head.bias[cols])


@torch.no_grad()
def generate_codes_seeded(
    bb: ShowoBackbone,
    prompts: Sequence[str],
    seeds: Sequence[int],
    *,
    steps: int | None = None,
    guidance_scale: float | None = None,
    temperature: float = 1.0,
    rows: ConceptRows | None = None,
) -> torch.Tensor:
    """Image codes (len(prompts), num_vq_tokens); image i uses only ``seeds[i]``'s noise."""
    if len(prompts) != len(seeds):
        raise ValueError(f"{len(prompts)} prompts but {len(seeds)} seeds")
    steps = steps or bb.config.generation_steps
    g = bb.config.guidance_scale if guidance_scale is None else guidance_scale
    sp = bb.special
    n_tok = bb.config.num_vq_tokens
    b = len(prompts)
    off = bb.text_vocab_size
    # Per image and step: one uniform per token for the draw, one for the re-masking noise.
    noise = row_uniforms(seeds, (steps, 2, n_tok)).to(bb.device)
    masked = torch.full((b, n_tok), bb.mask_id, device=bb.device)
    cond = bb.t2i_batch(list(prompts), masked)
    batch = torch.cat([cond, bb.t2i_batch([""] * b, masked)]) if g > 0 else cond
    attn = omni_mask(batch, pad_id=sp.pad, soi_id=sp.soi, eoi_id=sp.eoi)
    additive = to_additive(attn, bb.lm.showo.model.embed_tokens.weight.dtype)
    img = slice(batch.shape[1] - n_tok - 1, batch.shape[1] - 1)
    current = torch.full((b, n_tok), -1, device=bb.device)  # -1 = still masked
    sampled = current
    for step in range(steps):
        logits = image_code_logits(bb, batch, additive, rows, img).float()
        if g > 0:
            c, u = logits.chunk(2)
            logits = (1 + g) * c - g * u
        probs = logits.softmax(-1)
        sampled = sample_inverse_cdf(probs, noise[:, step, 0])
        unknown = current < 0
        sampled = torch.where(unknown, sampled, current)
        keep = num_masked_after(step, steps, n_tok, unknown.sum(-1))
        chosen = torch.gather(probs, -1, sampled[..., None])[..., 0]
        chosen = torch.where(unknown, chosen, torch.finfo(chosen.dtype).max)
        temperature = temperature * (1.0 - (step + 1) / steps)  # compounds, as generate_codes
        confidence = torch.log(chosen.clamp(min=1e-20)) + temperature * gumbel_from_uniform(
            noise[:, step, 1]
        )
        cut = torch.gather(torch.sort(confidence, dim=-1).values, 1, keep[:, None])
        remask = confidence < cut
        current = torch.where(remask, -1, sampled)
        new_img = torch.where(remask, bb.mask_id, sampled + off)
        batch[:, img] = torch.cat([new_img, new_img]) if g > 0 else new_img
    return sampled


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
    """``n`` images per prompt, ``batch_size`` images per pass; image k of item i from
    ``image_seed(seeds[i], k)``, so chunking and batch neighbours never change it."""
    from methods.batching import check_batch, per_item, resize_all
    from methods.noise import image_seeds

    check_batch(prompts, seeds, n)
    texts = [p for p in prompts for _ in range(n)]
    row_seeds = image_seeds(seeds, n)
    step = max(1, int(batch_size))
    images: list[Image.Image] = []
    for start in range(0, len(texts), step):
        codes = generate_codes_seeded(
            bb,
            texts[start : start + step],
            row_seeds[start : start + step],
            steps=steps,
            guidance_scale=guidance_scale,
            rows=rows,
        )
        # One image per decoder call: an image must not depend on its batch (see JanusBackbone).
        images += [im for c in codes for im in bb.decode(c[None])]
    return per_item(resize_all(images, output_size), n)
