"""Batched Show-o calls (methods.showo.batched) give what single calls give, item for item."""

from __future__ import annotations

import pytest
import torch

from methods.noise import image_seeds
from methods.showo import batched


@pytest.fixture(scope="module")
def showo():
    from methods.showo.backbone import ShowoBackbone

    return ShowoBackbone.create("tiny", device="cpu")


QUESTIONS = [
    "What is this?",
    "Tell me a long story about dogs and cats",
    "x?",
    "Is <bo> in the photo here?",
    "Describe it.",
]


def test_batched_answers_equal_the_backbones_single_answers(showo, pictures):
    images = [pictures[0], None, pictures[1], pictures[2], None]
    reference = [showo.answer(q, im) for q, im in zip(QUESTIONS, images, strict=True)]
    single = [
        batched.answer_ids(showo, [q], [im])[0] for q, im in zip(QUESTIONS, images, strict=True)
    ]
    together = batched.answer_ids(showo, QUESTIONS, images)
    assert together == single  # token for token
    assert batched.answer_batch(showo, QUESTIONS, images) == reference
    assert all(len(ids) > 0 for ids in single)


def test_an_image_does_not_depend_on_its_batch(showo):
    prompts = ["a dog", "a big red cat in the snow", "x", "a photo of a dog on a beach"] * 2
    seeds = image_seeds([1, 2, 3, 4], 2)
    alone = torch.cat(
        [
            batched.generate_codes_seeded(showo, [p], [s], steps=3)
            for p, s in zip(prompts, seeds, strict=True)
        ]
    )
    together = batched.generate_codes_seeded(showo, prompts, seeds, steps=3)
    assert torch.equal(alone, together)
    assert alone.shape == (8, showo.config.num_vq_tokens)
    assert not torch.equal(alone[0], alone[1])  # same prompt, different image seeds
    images = batched.generate_images(showo, prompts[:2], 2, [1, 2], batch_size=3, steps=3)
    assert [len(x) for x in images] == [2, 2] and images[0][0].size == (32, 32)
    alone = [
        batched.generate_images(showo, [p], 2, [s], steps=3)
        for p, s in zip(prompts[:2], [1, 2], strict=True)
    ]
    assert [im.tobytes() for x in alone for im in x[0]] == [
        im.tobytes() for x in images for im in x
    ]
