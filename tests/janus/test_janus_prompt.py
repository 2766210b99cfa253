"""janus-prompt (mode=text and mode=image) on the tiny Janus: prompts, batch hooks, interface."""

from __future__ import annotations

import numpy as np
import pytest

from methods.janus_prompt import JanusPrompt
from methods.janus_prompt.method import DESCRIBE, QUERY_INTRO, REFERENCE_INTRO
from unifybench.errors import ConfigError


@pytest.fixture(scope="module")
def text_mode(cat, tmp_path_factory):
    method = JanusPrompt(config="tiny", device="cpu")
    return method, method.personalize(cat, tmp_path_factory.mktemp("w"))


@pytest.fixture(scope="module")
def image_mode(cat, tmp_path_factory):
    method = JanusPrompt(config="tiny", device="cpu", mode="image", reference_images=2)
    return method, method.personalize(cat, tmp_path_factory.mktemp("w"))


def _pixels(images):
    return [np.asarray(im) for im in images]


def test_unknown_mode_and_parameters_are_refused():
    with pytest.raises(ConfigError, match="mode"):
        JanusPrompt(config="tiny", mode="video")
    with pytest.raises(ConfigError, match="unknown parameter"):
        JanusPrompt(config="tiny", steps=3)


def test_text_mode_puts_the_profile_in_the_prompt(text_mode, pictures):
    method, state = text_mode
    assert state.profile == "<mimi> is a tabby cat. <mimi> sleeps all day."
    assert method.system_prompt(state) == state.profile + "\n"
    parts = method.conversation(state, "Is <mimi> here?", pictures[0])
    assert parts == [pictures[0], state.profile + "\nIs <mimi> here?"]
    assert method.conversation(state, "Q?", None) == [state.profile + "\nQ?"]
    assert method.generation_prompt(state, "a <mimi> on the beach") == (
        "a cat on the beach. the cat is a tabby cat. the cat sleeps all day."
    )


def test_image_mode_shows_the_photos_and_describes_them_for_generation(image_mode, pictures):
    method, state = image_mode
    assert len(state.references) == 2 and state.profile == ""
    assert isinstance(state.description, str)
    parts = method.conversation(state, "Is <mimi> here?", pictures[0])
    assert parts == [
        REFERENCE_INTRO.format(token="<mimi>"),
        *state.references,
        QUERY_INTRO,
        pictures[0],
        "Is <mimi> here?",
    ]
    assert method.conversation(state, "Q?", None)[-1] == "Q?"
    text = method.generation_prompt(state, "a <mimi> on the beach")
    assert text.startswith("a cat on the beach")
    # The description is the model's greedy reply to the photos and the describe request.
    (again,) = method.backbone.answer_batch(
        [[*state.references, DESCRIBE.format(noun="cat")]],
        max_new_tokens=method.p.description_max_new_tokens,
    )
    assert again == state.description


@pytest.mark.parametrize("mode", ["text_mode", "image_mode"])
def test_answer_batch_equals_answer_item_by_item(mode, request, pictures):
    method, state = request.getfixturevalue(mode)
    questions = ["Is <mimi> in this photo?", "What does <mimi> like?", "Describe <mimi>."]
    images = [pictures[0], None, pictures[2]]
    single = [method.answer(state, q, im) for q, im in zip(questions, images, strict=True)]
    assert method.answer_batch(state, questions, images) == single
    assert all(isinstance(a, str) for a in single)


@pytest.mark.parametrize("mode", ["text_mode", "image_mode"])
def test_generate_batch_equals_generate_item_by_item(mode, request):
    method, state = request.getfixturevalue(mode)
    prompts, seeds = ["a <mimi> on the beach", "a <mimi> in the snow", "a red <mimi>"], [4, 5, 6]
    single = [method.generate(state, p, 2, s) for p, s in zip(prompts, seeds, strict=True)]
    batched = method.generate_batch(state, prompts, 2, seeds)
    assert [len(x) for x in batched] == [2, 2, 2]
    for one, many in zip(single, batched, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(_pixels(one), _pixels(many), strict=True))
    assert not np.array_equal(np.asarray(single[0][0]), np.asarray(single[0][1]))


def test_chunking_and_output_size(cat, tmp_path):
    small = JanusPrompt(config="tiny", device="cpu", gen_batch_size=1, output_size=48)
    big = JanusPrompt(config="tiny", device="cpu", gen_batch_size=8, output_size=48)
    state = small.personalize(cat, tmp_path)
    a = small.generate_batch(state, ["a <mimi>", "a <mimi> asleep"], 2, [1, 2])
    b = big.generate_batch(state, ["a <mimi>", "a <mimi> asleep"], 2, [1, 2])
    assert all(im.size == (48, 48) for x in a for im in x)
    assert all(
        np.array_equal(x, y)
        for i, j in zip(a, b, strict=True)
        for x, y in zip(_pixels(i), _pixels(j), strict=True)
    )


def test_interface_params_caveat_and_resources():
    from unifybench.method import list_methods, method_class
    from unifybench.runner.executors.ray_executor import method_resources

    tiny = JanusPrompt(config="tiny")
    assert tiny.params()["random_weights"] is True and tiny.params()["mode"] == "text"
    assert "meaningless" in tiny.caveat()
    assert JanusPrompt().caveat() is None and JanusPrompt().random_weights is False
    assert method_resources(JanusPrompt())["num_gpus"] == 1
    assert method_resources(JanusPrompt(device="cpu"))["num_gpus"] == 0
    assert method_resources(tiny)["num_gpus"] == 0
    assert {"janus-prompt", "concept-tokens"} <= set(list_methods())
    assert method_class("janus-prompt") is JanusPrompt
    assert tiny.checkpoint_hash(None) is None
