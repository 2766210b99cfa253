"""Show-o backbone decoding speed: ratios against baselines measured in the same run.

1. Understanding: greedy decoding with the KV cache (ShowoBackbone.answer) vs. recomputing the
   whole sequence for every new token (what the published ``mmu_generate`` does).
2. Generation: 8 images in one batch vs. 8 batches of one image.

Usage: python bench/showo_decoding.py [--config small|tiny] [--repeats 1]
Random weights (no network); the ratios, not the absolute times, are the result.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace


def _config(name: str):
    from methods.showo.config import PhiConfig, tiny

    base = tiny()
    if name == "tiny":
        return base
    # A larger CPU-feasible shape: 64x64 images (256 tokens), 4 layers of width 256.
    return replace(
        base,
        name="bench-small",
        image_size=64,
        phi=PhiConfig(
            hidden_size=256,
            intermediate_size=1024,
            num_hidden_layers=4,
            num_attention_heads=8,
            max_position_embeddings=1024,
        ),
        generation_steps=8,
        max_new_tokens=32,
    )


def _answer_no_cache(bb, question: str, n_tokens: int) -> list[int]:
    """The published ``mmu_generate`` way: the whole sequence again for every new token."""
    import torch

    from methods.showo.attention import mmu_mask

    sp = bb.special
    ids = bb.mmu_ids(question, bb.encode([bb.blank_image()])[0])
    out = []
    with torch.no_grad():
        for _ in range(n_tokens):
            seq = torch.tensor([ids], device=bb.device)
            logits, _ = bb.lm(seq, mmu_mask(seq, eoi_id=sp.eoi))
            nxt = int(logits[0, -1].argmax())
            out.append(nxt)
            ids.append(nxt)
    return out


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="small", choices=("small", "tiny"))
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()

    from methods.showo.backbone import ShowoBackbone

    cfg = _config(args.config)
    bb = ShowoBackbone.create(cfg, device="cpu")
    n = cfg.max_new_tokens
    q = "What is in this picture? Describe it."
    cached = _best(lambda: bb.answer(q, None, max_new_tokens=n), args.repeats)
    recompute = _best(lambda: _answer_no_cache(bb, q, n), args.repeats)
    print(f"config={cfg.name} image_tokens={cfg.num_vq_tokens} new_tokens={n}")
    print(
        f"understanding: recompute {recompute:.3f}s, kv-cache {cached:.3f}s, "
        f"speed-up x{recompute / cached:.2f}"
    )
    prompts = ["a photo of a dog on the beach"]
    one_batch = _best(lambda: bb.generate_images(prompts, 8, [0], batch_size=8), args.repeats)
    singles = _best(lambda: bb.generate_images(prompts, 8, [0], batch_size=1), args.repeats)
    print(
        f"generation of 8 images ({cfg.generation_steps} steps, guidance {cfg.guidance_scale}): "
        f"batch of 1 {singles:.3f}s, batch of 8 {one_batch:.3f}s, "
        f"speed-up x{singles / one_batch:.2f}"
    )


if __name__ == "__main__":
    main()
