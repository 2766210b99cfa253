"""The one Show-o understanding loop and the one sampler: batched calls equal single calls.

The reference tests (``test_reference_*.py``) pin the single calls to the published code; these
pin batches to the single calls, so a batch gives the published answer and image of every item.
"""

from __future__ import annotations

import pytest
import torch

from methods.noise import image_seeds

QUESTIONS = [
    "What is this?",
    "Tell me a long story about dogs and cats",
    "x?",
    "Is <bo> in the photo here?",
    "Describe it.",
]


@pytest.fixture(scope="module")
def showo(tiny_backbone):
    return tiny_backbone


@pytest.fixture(scope="module")
def pictures():
    from tests.janus.photos import sample_pictures

    return sample_pictures()


def test_batched_answers_equal_single_answers_token_for_token(showo, pictures):
    from methods.showo.understanding import greedy_answer_ids

    images = [pictures[0], None, pictures[1], pictures[2], pictures[0]]
    flips = [False, False, True, False, True]
    single = [
        showo.answer_ids(q, im, flip=f) for q, im, f in zip(QUESTIONS, images, flips, strict=True)
    ]
    together = greedy_answer_ids(showo, QUESTIONS, images, flips=flips)
    assert together == single
    texts = [showo.answer(q, im, flip=f) for q, im, f in zip(QUESTIONS, images, flips, strict=True)]
    assert showo.answer_batch(QUESTIONS, images, flips=flips) == texts
    assert all(len(ids) > 0 for ids in single)


def test_answer_batch_checks_its_lengths(showo, pictures):
    with pytest.raises(ValueError, match="2 questions but 1 images"):
        showo.answer_batch(["a", "b"], [None])
    with pytest.raises(ValueError, match="1 flips for 2 images"):
        showo.answer_batch(["a", "b"], [None, None], flips=[True])
    assert showo.answer_batch([], []) == []


def test_an_image_does_not_depend_on_its_batch(showo):
    prompts = ["a dog", "a big red cat in the snow", "x", "a photo of a dog on a beach"] * 2
    seeds = image_seeds([1, 2, 3, 4], 2)
    alone = torch.cat(
        [showo.generate_codes([p], [s], steps=3)[0] for p, s in zip(prompts, seeds, strict=True)]
    )
    together, _ = showo.generate_codes(prompts, seeds, steps=3)
    assert torch.equal(alone, together)
    assert alone.shape == (8, showo.config.num_vq_tokens)
    assert not torch.equal(alone[0], alone[4])  # same prompt, different image seeds


def test_per_image_noise_is_the_published_batch_noise_for_one_image(showo):
    one, snaps = showo.generate_codes(["a cup"], [5], steps=4, return_steps=(1,))
    same, same_snaps = showo.generate_codes(
        ["a cup"], [5], noise="published-batch", steps=4, return_steps=(1,)
    )
    assert torch.equal(one, same) and torch.equal(snaps[1], same_snaps[1])
    # For two images the modes differ: one generator for both is not two generators.
    two, _ = showo.generate_codes(["a cup", "a cup"], [5, 5], steps=4)
    shared, _ = showo.generate_codes(["a cup", "a cup"], [5], noise="published-batch", steps=4)
    assert torch.equal(two[0], two[1]) and torch.equal(two[0], one[0])
    assert not torch.equal(shared[0], shared[1])


def test_noise_modes_check_their_seeds(showo):
    with pytest.raises(ValueError, match="needs 2 seed"):
        showo.generate_codes(["a", "b"], [1], steps=2)
    with pytest.raises(ValueError, match="needs 1 seed"):
        showo.generate_codes(["a", "b"], [1, 2], noise="published-batch", steps=2)
    with pytest.raises(ValueError, match="expected one of"):
        showo.generate_codes(["a"], [1], noise="global", steps=2)


def test_generated_images_do_not_depend_on_chunking(showo):
    prompts = ["a dog", "a big red cat in the snow"]
    images = showo.generate_images(prompts, 2, [1, 2], batch_size=3, steps=3)
    assert [len(x) for x in images] == [2, 2] and images[0][0].size == (32, 32)
    alone = [
        showo.generate_images([p], 2, [s], steps=3, batch_size=1)[0]
        for p, s in zip(prompts, [1, 2], strict=True)
    ]
    assert [im.tobytes() for x in alone for im in x] == [im.tobytes() for x in images for im in x]
