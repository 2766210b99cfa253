"""Show-o + prompt baseline on the tiny backbone."""

from __future__ import annotations

import json

import numpy as np

from methods.showo_prompt import ShowoPrompt


def test_profile_prompts_answer_and_generate(photo_concepts, tmp_path):
    from unifybench.method import create_method

    method = create_method(
        "showo-prompt", config="tiny", output_size="48", include_extra_info="true"
    )
    assert isinstance(method, ShowoPrompt)
    pet = photo_concepts["pet"]
    state = method.personalize(pet, tmp_path)
    assert state.profile == "<mimi> is a tabby cat. <mimi> sleeps all day."
    q = method.question_text(state, "What does <mimi> do?")
    assert q.startswith("<mimi> is a tabby cat.") and q.endswith("\nWhat does <mimi> do?")
    g = method.generation_prompt(state, "a <mimi> on the beach")
    assert g.startswith("a cat on the beach. ") and "<mimi>" not in g
    assert isinstance(method.answer(state, "What does <mimi> do?", None), str)
    a = method.generate(state, "a <mimi> on the beach", 2, seed=1)
    b = method.generate(state, "a <mimi> on the beach", 2, seed=1)
    assert [im.size for im in a] == [(48, 48), (48, 48)]
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b, strict=True))
    assert method.checkpoint_hash(state) is None
    params = method.params()
    assert params["random_weights"] is True and params["output_size"] == 48
    json.dumps(params)
    assert not list(tmp_path.iterdir())  # nothing trained, nothing written
