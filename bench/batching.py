"""Per-item vs batched throughput of batched method calls, through the hooks and the runner.

CPU part (always): tiny random configs of janus-prompt, concept-tokens on Janus and on Show-o,
showo-prompt and unictokens.

* hooks: ``items`` questions are answered one call per item and then ``batch`` items per call
  (``answer_batch``), and ``items`` prompts get ``n`` images each the same two ways
  (``generate_batch``); outputs are checked to be identical.
* runner: ``api.predict`` on a one-concept benchmark of ``items`` understanding and ``items``
  generation items, ``--batch-size 1`` against ``--batch-size batch``; the predictions are
  checked to be identical, and items/s counts the predict stage without personalization.

Runs alternate (per item, batched, per item, ...) and the best of ``repeats`` counts, so load
from other processes on a shared machine spreads over both; ratios are against the per-item
figure measured in the same run.

Device part (only when CUDA is available; CI never needs it): full-size random-weight Show-o
(512x512, 50 steps) and Janus-Pro-1B shapes (384x384, 576 tokens), float32 and bfloat16: answer
tokens/s and images/s at batch ``batch``, and peak GPU memory. ``--device-smoke`` runs the same
code on the CPU with small shapes, to check it without a GPU.

Usage:
  python bench/batching.py [--items 16] [--batch 8] [--n 1] [--repeats 3] [--json out.json]
      [--only showo-prompt,janus-prompt] [--parts hooks,runner]
  python bench/batching.py --device-only           # on a machine with a GPU
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

QUESTIONS = (
    "Is <bench> in this photo?",
    "What colour is <bench>?",
    "Describe <bench> in one sentence.",
    "Where does <bench> like to sleep?",
)
PROMPTS = ("a <bench> on the beach", "a <bench> in the snow", "a red <bench>", "a <bench>")


# -- CPU part ----------------------------------------------------------------------------------
def _concept(root: Path):
    """<bench>: a cat from scikit-image photos (three training views, one negative)."""
    import numpy as np
    from PIL import Image
    from skimage import data

    from unifybench.data.records import Concept

    root.mkdir(parents=True, exist_ok=True)
    cat = data.chelsea()
    views = [cat, np.ascontiguousarray(cat[:, ::-1]), cat[40:, 60:]]
    paths = []
    for i, arr in enumerate(views):
        p = root / f"{i}.png"
        Image.fromarray(arr).resize((48, 48)).save(p)
        paths.append(p)
    neg = root / "neg.png"
    Image.fromarray(data.coffee()).resize((48, 48)).save(neg)
    return Concept(
        id="bench",
        category="animal",
        class_noun="cat",
        info="<bench> is a tabby cat.",
        extra_info=("<bench> sleeps all day.",),
        generation_type="live_subject",
        train_images=tuple(paths),
        test_images=(),
        random_negatives=(neg,),
    )


def _methods(batch: int, n: int) -> dict[str, Callable[[], Any]]:
    """name -> factory of the method, with every image of a batch in one forward pass."""
    from methods.concept_tokens import ConceptTokens
    from methods.janus_prompt import JanusPrompt
    from methods.showo_prompt import ShowoPrompt
    from methods.unictokens import UniCTokens

    per_pass = batch * n
    fast = {"epochs": 1, "max_steps_per_epoch": 1, "n_tokens": 4}
    return {
        "janus-prompt": lambda: JanusPrompt(config="tiny", device="cpu", gen_batch_size=per_pass),
        "concept-tokens[janus]": lambda: ConceptTokens(
            backbone="janus", config="tiny", device="cpu", gen_batch_size=per_pass, **fast
        ),
        "concept-tokens[showo]": lambda: ConceptTokens(
            backbone="showo", config="tiny", device="cpu", gen_batch_size=per_pass, **fast
        ),
        "showo-prompt": lambda: ShowoPrompt(config="tiny", device="cpu", gen_batch_size=per_pass),
        "unictokens": lambda: UniCTokens(
            config="tiny",
            device="cpu",
            gen_batch_size=per_pass,
            stages=1,
            epochs_stage1=1,
            max_steps_per_epoch=1,
        ),
    }


def _best_pair(
    single: Callable[[], Any], batched: Callable[[], Any], repeats: int
) -> tuple[float, Any, float, Any]:
    """Smallest wall times of ``repeats`` alternating runs of both (the machine is shared, so
    alternating spreads other load over both), and each one's last result."""
    best = [float("inf"), float("inf")]
    outs: list[Any] = [None, None]
    for _ in range(repeats):
        for k, fn in enumerate((single, batched)):
            start = time.perf_counter()
            outs[k] = fn()
            best[k] = min(best[k], time.perf_counter() - start)
    return best[0], outs[0], best[1], outs[1]


def _pixels(groups) -> list[bytes]:
    return [im.tobytes() for g in groups for im in g]


def _understanding(method, state, items: int, batch: int, repeats: int, images) -> dict:
    qs = [QUESTIONS[i % len(QUESTIONS)] for i in range(items)]
    ims = [images[i % len(images)] if i % 3 else None for i in range(items)]
    method.answer_batch(state, qs[:batch], ims[:batch])  # warm-up
    t1, single, tb, many = _best_pair(
        lambda: [method.answer(state, q, im) for q, im in zip(qs, ims, strict=True)],
        lambda: [
            a
            for s in range(0, items, batch)
            for a in method.answer_batch(state, qs[s : s + batch], ims[s : s + batch])
        ],
        repeats,
    )
    return {
        "per_item": items / t1,
        "batched": items / tb,
        "speedup": t1 / tb,
        "same": single == many,
    }


def _generation(method, state, items: int, batch: int, n: int, repeats: int) -> dict:
    ps = [PROMPTS[i % len(PROMPTS)] for i in range(items)]
    seeds = list(range(1000, 1000 + items))
    method.generate_batch(state, ps[:batch], n, seeds[:batch])  # warm-up
    t1, single, tb, many = _best_pair(
        lambda: [method.generate(state, p, n, s) for p, s in zip(ps, seeds, strict=True)],
        lambda: [
            g
            for s in range(0, items, batch)
            for g in method.generate_batch(state, ps[s : s + batch], n, seeds[s : s + batch])
        ],
        repeats,
    )
    same = _pixels(single) == _pixels(many)
    return {"per_item": items / t1, "batched": items / tb, "speedup": t1 / tb, "same": same}


def _bench_images():
    from PIL import Image
    from skimage import data

    return [
        Image.fromarray(data.astronaut()).resize((48, 48)),
        Image.fromarray(data.rocket()).resize((64, 40)),
    ]


def cpu_part(
    items: int, batch: int, n: int, repeats: int, only: list[str] | None, parts: list[str]
) -> list[dict]:
    """Items/s per item and batched, for every method with the hooks (tiny configs)."""
    import torch

    images = _bench_images()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        concept = _concept(Path(tmp) / "bench")
        bench_data = (
            _benchmark(Path(tmp) / "data", concept, items, n) if "runner" in parts else None
        )
        for name, make in _methods(batch, n).items():
            if only and name not in only:
                continue
            method = make()
            state = method.personalize(concept, Path(tmp) / name)
            row: dict[str, Any] = {"method": name, "threads": torch.get_num_threads()}
            if "hooks" in parts:
                row["understanding"] = _understanding(method, state, items, batch, repeats, images)
                row["generation"] = _generation(method, state, items, batch, n, repeats)
                _print_row(row, batch, n, "hooks")
            if bench_data is not None:
                row["runner"] = _runner(method, bench_data, Path(tmp) / "runs", batch, repeats)
                _print_row(row["runner"], batch, n, "runner")
            rows.append(row)
    return rows


def _benchmark(root: Path, concept, items: int, n: int):
    """One concept (the bench cat): ``items`` questions (recognition with a photo, open questions
    without) and ``items`` generation prompts of ``n`` images."""
    from unifybench.data.records import Benchmark, GenerationPrompt, UnderstandingItem

    root.mkdir(parents=True, exist_ok=True)
    photos = []
    for i, im in enumerate(_bench_images()):
        path = root / f"test{i}.png"
        im.save(path)
        photos.append(path)
    questions = [
        UnderstandingItem(
            f"bench/rec/{i}",
            "bench",
            "rec",
            i,
            f"Is <bench> in this photo? ({i})",
            "Yes." if i % 2 == 0 else "No.",
            photos[i % len(photos)],
        )
        for i in range(items // 2)
    ]
    questions += [
        UnderstandingItem(
            f"bench/vqa/{i}", "bench", "vqa", i, QUESTIONS[i % len(QUESTIONS)], "A cat.", None
        )
        for i in range(items - items // 2)
    ]
    prompts = [
        GenerationPrompt(
            f"bench/t2i/{i}",
            "bench",
            "t2i",
            i,
            PROMPTS[i % len(PROMPTS)] + f" ({i})",
            PROMPTS[i % len(PROMPTS)].replace("<bench>", "cat"),
            n_images=n,
        )
        for i in range(items)
    ]
    return Benchmark(
        root=root,
        concepts={"bench": concept},
        understanding={"bench": tuple(questions)},
        generation={"bench": tuple(prompts)},
        name="batching-bench",
        revision="1",
    )


def _runner(method, benchmark, root: Path, batch: int, repeats: int) -> dict:
    """Items/s of the predict stage (personalization excluded) at batch sizes 1 and ``batch``,
    for understanding and generation; the predictions of both are compared."""
    from unifybench import api

    def predict(size: int, tasks: str, k: int) -> tuple[float, Path]:
        out = root / f"{tasks}-{size}-{k}"
        start = time.perf_counter()
        (outcome,) = api.predict(
            method, data=benchmark, out=out, tasks=tasks, batch_size=size, progress=False
        )
        wall = time.perf_counter() - start
        log = (outcome.run_dir / "personalization.jsonl").read_text().splitlines()
        personalize = sum(json.loads(line).get("seconds") or 0.0 for line in log)
        return wall - personalize, outcome.run_dir

    figures: dict[str, Any] = {}
    for task, tasks in (("understanding", "rec,vqa"), ("generation", "t2i")):
        best = {1: float("inf"), batch: float("inf")}
        dirs: dict[int, Path] = {}
        for k in range(repeats):
            for size in (1, batch):
                seconds, dirs[size] = predict(size, tasks, k)
                best[size] = min(best[size], seconds)
        count = sum(1 for _ in (dirs[1] / "predictions.jsonl").open())
        figures[task] = {
            "per_item": count / best[1],
            "batched": count / best[batch],
            "speedup": best[1] / best[batch],
            "same": _predictions(dirs[1]) == _predictions(dirs[batch]),
        }
    figures["method"] = method.name
    return figures


def _predictions(run_dir: Path) -> dict[str, Any]:
    """Outputs and image bytes by item id (what must not depend on the batch size)."""
    import hashlib

    out = {}
    for line in (run_dir / "predictions.jsonl").read_text().splitlines():
        r = json.loads(line)
        pixels = [hashlib.sha256((run_dir / p).read_bytes()).hexdigest() for p in r["images"] or []]
        out[r["id"]] = (r["status"], r["output"], pixels)
    return out


def _print_row(row: dict, batch: int, n: int, how: str) -> None:
    for task in ("understanding", "generation"):
        r = row.get(task)
        if r is None:
            continue
        print(
            f"{row['method']:<24} {how:<7}{task:<14} per item {r['per_item']:7.2f} items/s   "
            f"batch {batch}{f' (n={n})' if task == 'generation' else ''}: "
            f"{r['batched']:7.2f} items/s   x{r['speedup']:.2f}   identical: {r['same']}"
        )
    sys.stdout.flush()


# -- device part -------------------------------------------------------------------------------
def _showo_random(device: str, dtype: str, smoke: bool):
    """Show-o 512x512 shapes (Phi-1.5, MAGVIT-v2) with random weights, no download."""
    import dataclasses

    import torch

    from methods.showo.backbone import ShowoBackbone, pick_device, pick_dtype
    from methods.showo.config import published, tiny
    from methods.showo.magvit import MAGVITv2
    from methods.showo.model import ShowoLM
    from methods.showo.tokenizer import add_showo_tokens, build_byte_tokenizer

    base = tiny() if smoke else published()
    config = dataclasses.replace(base, showo_repo=None, vq_repo=None, tokenizer_repo=None)
    tok = build_byte_tokenizer()
    # Filler entries give the text vocabulary its published size (image codes start after it).
    tok.add_tokens([f"<|filler_{i}|>" for i in range(config.llm_vocab_size - len(tok))])
    add_showo_tokens(tok)
    dev, dt = pick_device(device), pick_dtype(dtype)
    torch.manual_seed(0)
    with torch.device(dev):
        lm, vq = ShowoLM(config), MAGVITv2(config.magvit)
    lm.to(dtype=dt).eval().requires_grad_(False)
    vq.eval().requires_grad_(False)
    return ShowoBackbone(config, tok, lm, vq, dev, dt)


def _janus_random(device: str, dtype: str, smoke: bool):
    """Janus-Pro-1B shapes (Llama 2048 x 24 layers, SigLIP-L/16 at 384, 16384-code VQ)."""
    import torch
    from transformers import JanusConfig, JanusForConditionalGeneration, JanusProcessor

    from methods.janus import tiny as jt
    from methods.janus.backbone import JanusBackbone, pick_device, pick_dtype
    from methods.janus.config import JanusSpec

    if smoke:
        spec = JanusSpec(name="smoke", repo=None, image_size=32)
        processor = jt.build_processor(spec)
        config = jt.model_config(spec, processor.tokenizer)
    else:
        spec = JanusSpec(name="janus-pro-1b-shapes", repo=None)
        tokenizer = jt.build_tokenizer()
        from transformers import JanusImageProcessorPil

        images = JanusImageProcessorPil(
            size={"height": 384, "width": 384}, image_mean=[0.5] * 3, image_std=[0.5] * 3
        )
        processor = JanusProcessor(
            image_processor=images,
            tokenizer=tokenizer,
            chat_template=jt.CHAT_TEMPLATE,
            num_image_tokens=576,
            use_default_system_prompt=False,
        )
        config = JanusConfig(
            text_config={
                "model_type": "llama",
                "vocab_size": 102400,
                "hidden_size": 2048,
                "intermediate_size": 5632,
                "num_hidden_layers": 24,
                "num_attention_heads": 16,
                "num_key_value_heads": 16,
                "max_position_embeddings": 16384,
                "pad_token_id": tokenizer.pad_token_id,
                "bos_token_id": tokenizer.bos_token_id,
                "eos_token_id": tokenizer.eos_token_id,
            },
            vision_config={"image_size": 384, "patch_size": 16, "num_image_tokens": 576},
            vq_config={"image_token_embed_dim": 2048},
            image_token_id=tokenizer.convert_tokens_to_ids(jt.IMAGE_TOKEN),
        )
    dev, dt = pick_device(device), pick_dtype(dtype, torch.device(device))
    torch.manual_seed(0)
    with torch.device(dev):
        model = JanusForConditionalGeneration(config)
    model.generation_config = jt.generation_config(spec, processor.tokenizer)
    model.to(dtype=dt).eval().requires_grad_(False)
    return JanusBackbone(spec, processor, model, dev, dt)


def _device_row(name: str, bb, dtype: str, batch: int, new_tokens: int, device: str) -> dict:
    import torch
    from PIL import Image

    from methods.noise import image_seeds

    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    img = Image.new("RGB", (400, 300), (120, 80, 40))
    qs = [QUESTIONS[i % len(QUESTIONS)].replace("<bench>", "the cat") for i in range(batch)]
    seeds = image_seeds(list(range(batch)), 1)
    prompts = [p.replace("<bench>", "cat") for p in PROMPTS] * batch
    if name == "showo":
        from methods.showo.understanding import greedy_answer_ids

        def answer():
            ids = greedy_answer_ids(bb, qs, [img] * batch, max_new_tokens=new_tokens)
            return sum(len(i) for i in ids)

        def draw():
            return bb.generate_codes(prompts[:batch], seeds)[0]
    else:

        def answer():
            ids = bb.reply_ids([[img, q] for q in qs], max_new_tokens=new_tokens)
            return sum(len(i) for i in ids)

        def draw():
            return bb.generate_codes(prompts[:batch], seeds)

    def timed(fn):
        fn()  # warm-up
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        out = fn()
        if cuda:
            torch.cuda.synchronize()
        return time.perf_counter() - start, out

    t_answer, tokens = timed(answer)
    t_draw, codes = timed(draw)
    images = bb.decode(codes)
    row = {
        "backbone": name,
        "dtype": dtype,
        "batch": batch,
        "answer_tokens_per_s": tokens / t_answer,
        "images_per_s": batch / t_draw,
        "image_size": list(images[0].size),
        "peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else None,
    }
    print(
        f"{name:<6} {dtype:<9} batch {batch}: {row['answer_tokens_per_s']:8.1f} answer tokens/s  "
        f"{row['images_per_s']:6.3f} images/s at {images[0].size}  "
        f"peak {row['peak_memory_gib'] if cuda else float('nan'):.2f} GiB"
    )
    sys.stdout.flush()
    return row


def device_part(batch: int, new_tokens: int, smoke: bool = False) -> list[dict]:
    """Full-size random-weight throughput on CUDA (or the small smoke shapes on the CPU)."""
    import gc

    import torch

    device = "cpu" if smoke else "cuda"
    rows = []
    for dtype in ("float32", "bfloat16"):
        for name, build in (("showo", _showo_random), ("janus", _janus_random)):
            bb = build(device, dtype, smoke)
            rows.append(_device_row(name, bb, dtype, batch, new_tokens, device))
            del bb
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--n", type=int, default=1, help="images per prompt")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--new-tokens", type=int, default=32, help="device part: answer length")
    parser.add_argument("--device-only", action="store_true")
    parser.add_argument("--device-smoke", action="store_true", help="device code, CPU, small")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--only", help="comma-separated methods of the CPU part (default: all)")
    parser.add_argument(
        "--parts", default="hooks,runner", help="CPU parts: hooks, runner (default: both)"
    )
    args = parser.parse_args(argv)

    import torch

    out: dict[str, Any] = {"torch_threads": torch.get_num_threads()}
    if not args.device_only:
        print(f"CPU, tiny configs, {torch.get_num_threads()} torch threads, {args.items} items")
        only = [m.strip() for m in args.only.split(",")] if args.only else None
        parts = [p.strip() for p in args.parts.split(",") if p.strip()]
        out["cpu"] = cpu_part(args.items, args.batch, args.n, args.repeats, only, parts)
    if args.device_smoke:
        out["device_smoke"] = device_part(args.batch, 4, smoke=True)
    elif torch.cuda.is_available():
        print(f"device: {torch.cuda.get_device_name()}")
        out["device"] = device_part(args.batch, args.new_tokens)
    else:
        print("device part skipped: CUDA is not available")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
