"""Batched method calls: a concept's items, task by task, through the batch hooks.

The predict stage hands a method up to ``batch_size`` consecutive items of one task at once when
the method has the hook for it; otherwise (no hook, batch size 1, or a batch of one item) it asks
item by item with :func:`unifybench.runner.predict.predict_one`. What comes out is the same either
way, item for item, because the hooks promise it (``unifybench/method.py``: greedy answers token
for token, every image from its own item's seed) and the runner gives each item exactly what the
single call gets: its question as the protocol words it, its image (mirrored by the runner, or a
``flips=`` list for methods that flip after their own crop), its seed and ``n``.

A batch that fails in any way (the hook raises, returns the wrong count, or the wrong types) is
retried item by item, so one bad item costs only its own record. Records come out one per item,
in the order of the items, each flushed by the caller as it comes: a kill during a batch loses
only that batch's unwritten items, and resuming asks for them again (in other batches, which
cannot change them).
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from unifybench.errors import ConfigError
from unifybench.runner.seeds import item_seed, seed_globals

if TYPE_CHECKING:
    from pathlib import Path

    from unifybench.data.records import GenerationPrompt, UnderstandingItem
    from unifybench.runner.config import RunConfig
    from unifybench.runner.plan import PlanItem

ANSWER_HOOK = "answer_batch"
GENERATE_HOOK = "generate_batch"


def has_batch_hooks(method: Any) -> bool:
    """Whether ``method`` has ``answer_batch`` or ``generate_batch``."""
    return any(callable(getattr(method, hook, None)) for hook in (ANSWER_HOOK, GENERATE_HOOK))


def effective_batch_size(method: Any, requested: int | None) -> int:
    """``requested`` (``--batch-size``), else the method's ``default_batch_size``, else 1.

    A method without batch hooks is always asked item by item, whatever was requested.
    """
    if requested is not None and (not isinstance(requested, int) or requested < 1):
        raise ConfigError(f"--batch-size must be an integer >= 1, got {requested!r}")
    if not has_batch_hooks(method):
        return 1
    if requested is not None:
        return requested
    default = getattr(method, "default_batch_size", 1)
    if not isinstance(default, int) or default < 1:
        raise ConfigError(
            f"method {type(method).__name__} declares default_batch_size={default!r}; "
            "expected an integer >= 1"
        )
    return default


def item_batches(items: Sequence[PlanItem], size: int) -> list[list[PlanItem]]:
    """Consecutive runs of items of one task (and one image count), at most ``size`` each."""
    batches: list[list[PlanItem]] = []
    for p in items:
        last = batches[-1] if batches else None
        if (
            last is not None
            and len(last) < size
            and last[0].task == p.task
            and last[0].n_images == p.n_images
        ):
            last.append(p)
        else:
            batches.append([p])
    return batches


def accepts_flips(method: Any) -> bool:
    """Whether ``method.answer_batch`` takes ``flips=`` (a keyword, or ``**kwargs``)."""
    try:
        params = inspect.signature(method.answer_batch).parameters
    except (TypeError, ValueError):
        return False
    return "flips" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _batchable(method: Any, batch: Sequence[PlanItem], config: RunConfig) -> bool:
    """Whether ``batch`` goes to a hook (else it is asked item by item)."""
    if len(batch) < 2:
        return False
    if batch[0].is_generation:
        return callable(getattr(method, GENERATE_HOOK, None))
    if not callable(getattr(method, ANSWER_HOOK, None)):
        return False
    flipping = config.protocol_spec().test_image_flip == "published"
    # A method that flips after its own crop needs the flips; without ``flips=`` only
    # answer(..., flip=) can pass them, so such items go one by one.
    return not (
        flipping and getattr(method, "flips_after_crop", False) and not accepts_flips(method)
    )


def predict_items(
    method: Any,
    state: Any,
    items: Sequence[PlanItem],
    index: dict[str, UnderstandingItem | GenerationPrompt],
    run_dir: Path,
    config: RunConfig,
    batch_size: int,
) -> Iterator[dict[str, Any]]:
    """One prediction record per item of ``items``, in that order (see the module docstring)."""
    from unifybench.runner.predict import predict_one

    for batch in item_batches(items, batch_size):
        records = None
        if _batchable(method, batch, config):
            try:
                records = _predict_batch(method, state, batch, index, run_dir, config)
            except Exception as err:
                print(
                    f"warning: {type(method).__name__}: a batch of {len(batch)} {batch[0].task} "
                    f"items failed ({type(err).__name__}: {err}); asking item by item",
                    file=sys.stderr,
                )
        if records is None:
            records = (predict_one(method, state, p, index[p.id], run_dir, config) for p in batch)
        yield from records


def _predict_batch(
    method: Any,
    state: Any,
    batch: Sequence[PlanItem],
    index: dict[str, UnderstandingItem | GenerationPrompt],
    run_dir: Path,
    config: RunConfig,
) -> list[dict[str, Any]]:
    """Records of one batch through the hook; raises when anything about the batch is wrong."""
    from unifybench.runner.predict import make_record, save_images, understanding_input

    seeds = [item_seed(config.seed, p.id) for p in batch]
    if getattr(method, "seed_global_rngs", True):
        seed_globals(seeds[0])  # hooks must not use global generators; this only makes it repeat
    started = time.perf_counter()
    if batch[0].is_generation:
        n = batch[0].n_images
        prompts = [index[p.id].prompt for p in batch]  # type: ignore[union-attr]
        out = method.generate_batch(state, prompts, n, seeds)
        _check_count(out, len(batch), GENERATE_HOOK)
        per_item = [check_images(images, n, GENERATE_HOOK) for images in out]
        paths = [save_images(p, images, run_dir) for p, images in zip(batch, per_item, strict=True)]
        seconds = round((time.perf_counter() - started) / len(batch), 4)
        return [
            make_record(p, config, "ok", seed=s, images=im, seconds=seconds, batch=len(batch))
            for p, s, im in zip(batch, seeds, paths, strict=True)
        ]
    inputs = [
        understanding_input(method, index[p.id], s, config)
        for p, s in zip(batch, seeds, strict=True)
    ]
    kwargs: dict[str, Any] = {}
    flips = [x.flip_arg for x in inputs]
    if any(f is not None for f in flips):
        kwargs["flips"] = [bool(f) for f in flips]
    answers = method.answer_batch(
        state, [x.question for x in inputs], [x.image for x in inputs], **kwargs
    )
    _check_count(answers, len(batch), ANSWER_HOOK)
    bad = sorted({type(a).__name__ for a in answers if not isinstance(a, str)})
    if bad:
        raise TypeError(f"{ANSWER_HOOK}() must return a list of str, got {', '.join(bad)}")
    seconds = round((time.perf_counter() - started) / len(batch), 4)
    return [
        make_record(
            p, config, "ok", seed=s, output=a, flipped=x.flipped, seconds=seconds, batch=len(batch)
        )
        for p, s, a, x in zip(batch, seeds, answers, inputs, strict=True)
    ]


def _check_count(out: Any, expected: int, hook: str) -> None:
    if not isinstance(out, (list, tuple)):
        raise TypeError(f"{hook}() must return a list, got {type(out).__name__}")
    if len(out) != expected:
        raise ValueError(f"{hook}() returned {len(out)} results for {expected} items")


def check_images(images: Any, n: int, what: str) -> list[Any]:
    """``images`` as a list of ``n`` PIL images; TypeError / ValueError naming ``what`` else."""
    from PIL import Image

    if not isinstance(images, (list, tuple)):
        raise TypeError(f"{what}() must return a list of PIL images, got {type(images).__name__}")
    bad = [type(im).__name__ for im in images if not isinstance(im, Image.Image)]
    if bad:
        raise TypeError(f"{what}() must return PIL images, got {', '.join(sorted(set(bad)))}")
    if len(images) != n:
        raise ValueError(f"{what}() returned {len(images)} images, expected n={n}")
    return list(images)
