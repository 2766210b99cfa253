"""Pixels and prompt strings against the published UniCTokens code (``pdata.py``, eval scripts).

Pixels: ``pdata.image_transform`` on varied sizes and aspect ratios (long sides that truncate
where rounding would not, odd crop margins, upscaling, grey and RGBA files, one 601x515 image at
the published 512 resolution), with and without its random flip; bit-exact.
Prompts: the system prompts and token ids / labels ``PersonalizedMMUDataset`` builds for stages
1-3 and varied token counts and question layouts, and the T2I captions of stages 2 and 3.
"""

from __future__ import annotations

import pytest
import torch

from tests.showo.reference import (
    FIXTURES,
    fixture_backbone,
    from_u8,
    input_image,
    load_json,
    load_tensors,
)

CASES = load_json("meta.json")["pixels"]["cases"]


def _expected(kind: str, case: dict) -> torch.Tensor:
    if case["size"] == 512:
        import numpy as np
        from PIL import Image

        prefix = "expected_flip_" if kind == "flip" else "expected_"
        with Image.open(FIXTURES / f"{prefix}{case['key']}") as im:
            return from_u8(torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1))
    return from_u8(load_tensors("pixels.safetensors")[f"{kind}/{case['key']}"])


@pytest.mark.parametrize("case", CASES, ids=[c["key"] for c in CASES])
def test_eval_pixels_equal_reference_with_and_without_flip(case):
    from methods.showo.pixels import reference_pixels

    img = input_image(case["name"])
    assert torch.equal(reference_pixels(img, case["size"]), _expected("plain", case))
    assert torch.equal(reference_pixels(img, case["size"], flip=True), _expected("flip", case))


class _FixedDraws:
    """A stand-in for ``random.Random`` that returns chosen crop offsets and never flips."""

    def __init__(self, top: int, left: int) -> None:
        self.values = [top, left]

    def randint(self, a: int, b: int) -> int:
        v = self.values.pop(0)
        assert a <= v <= b
        return v

    def random(self) -> float:
        return 0.9


@pytest.mark.parametrize("case", [c for c in CASES if c["size"] == 32], ids=lambda c: c["key"])
def test_training_crop_views_are_crops_of_the_published_resize(case):
    """The published random crop (from a Resize(int(1.1 * size))) is one of our crop windows."""
    from methods.showo.pixels import augmented_pixels

    img = input_image(case["name"])
    want = _expected("crop_aug", case)
    short = int(case["size"] * 1.1)
    w, h = img.size
    long = int(short * max(w, h) / min(w, h))
    width, height = (long, short) if w >= h else (short, long)
    found = [
        (top, left)
        for top in range(height - case["size"] + 1)
        for left in range(width - case["size"] + 1)
        if torch.equal(
            augmented_pixels(img, case["size"], _FixedDraws(top, left), random_crop=True), want
        )
    ]
    assert found


def _training_backbones():
    from methods.unictokens import UniCTokens

    cache: dict[tuple[int, int, int], UniCTokens] = {}

    def get(counts: tuple[int, int, int]) -> UniCTokens:
        if counts not in cache:
            method = UniCTokens(
                config="tiny",
                device="cpu",
                n_shared=counts[0],
                n_generation=counts[1],
                n_understanding=counts[2],
            )
            method.use_backbone(fixture_backbone("small"))
            cache[counts] = method
        return cache[counts]

    return get


def test_training_system_prompts_ids_and_labels_equal_reference():
    from methods.unictokens.tokens import CONCEPT_SLOT, TokenCounts, training_system_prompt
    from methods.unictokens.trainer import ConceptTrainer

    entries = load_json("meta.json")["prompt_strings"]["mmu_training"]
    rec = load_tensors("prompts.safetensors")
    methods = _training_backbones()
    for e in entries:
        counts = TokenCounts(*e["counts"])
        token = f"<{e['concept']}>"
        system = training_system_prompt(token, counts, e["stage"])
        assert system == e["system"], e["key"]
        method = methods(tuple(e["counts"]))
        bb = method.backbone
        trainer = ConceptTrainer(bb, None, lambda t, tok=token: t.replace(tok, CONCEPT_SLOT), 0)
        for row, (raw, answer) in enumerate(zip(e["raw_questions"], e["answers"], strict=True)):
            prompt, answer_ids = trainer.mmu_text(system, raw, answer)
            ids = rec[f"{e['key']}/input_ids"][row]
            labels = rec[f"{e['key']}/labels"][row]
            width = len(prompt) + len(answer_ids)
            assert prompt + answer_ids == ids[:width].tolist(), (e["key"], raw)
            assert set(ids[width:].tolist()) <= {bb.special.pad}
            assert labels[:width].tolist() == [-100] * len(prompt) + answer_ids
            assert set(labels[width:].tolist()) <= {-100}


def test_generation_training_captions_equal_reference():
    from methods.unictokens.tokens import TokenCounts, t2i_caption

    for e in load_json("meta.json")["prompt_strings"]["t2i_captions"]:
        if not e["inited"]:
            continue  # the stage-1 caption with the class noun; stage 1 trains no generation
        counts = TokenCounts(shared=e["nums_new_token_i"], generation=0, understanding=0)
        caption = t2i_caption(f"<{e['concept']}>", counts)
        assert all(c == caption for c in e["conditions"]), e
