"""answer_batch of the Show-o methods equals their answer, item by item (tiny backbone)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def questions(photo_concepts):
    from unifybench.data.records import load_image

    pet = photo_concepts["pet"]
    img = load_image(pet.train_images[0])
    return (
        ["Is <mimi> in this photo?", "What does <mimi> like?", "Describe <mimi> in detail."],
        [img, None, img.rotate(90)],
    )


def test_showo_prompt_answer_batch_equals_answer(photo_concepts, questions, tmp_path):
    from methods.showo_prompt import ShowoPrompt

    method = ShowoPrompt(config="tiny", device="cpu")
    state = method.personalize(photo_concepts["pet"], tmp_path)
    qs, ims = questions
    single = [method.answer(state, q, im) for q, im in zip(qs, ims, strict=True)]
    assert method.answer_batch(state, qs, ims) == single


def test_unictokens_answer_batch_equals_answer(photo_concepts, questions, tmp_path):
    from methods.unictokens import UniCTokens

    method = UniCTokens(config="tiny", device="cpu", stages=1, epochs_stage1=1, lr=1e-2)
    state = method.personalize(photo_concepts["pet"], tmp_path)
    qs, ims = questions
    single = [method.answer(state, q, im) for q, im in zip(qs, ims, strict=True)]
    assert method.answer_batch(state, qs, ims) == single
