"""concept-tokens on tiny Janus-Pro and Show-o: frozen backbone, checkpoints, batch hooks."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from methods.concept_tokens import ConceptTokens
from methods.concept_tokens.checkpoint import FILE_NAME, load_rows
from methods.concept_tokens.data import conversation_examples, understanding_examples
from methods.concept_tokens.method import STATE_FILE
from methods.concept_tokens.tokens import SLOT, generation_phrase, system_prompt
from unifybench.errors import ConfigError

FAST = {"config": "tiny", "device": "cpu", "epochs": 3, "lr": 1e-2, "n_tokens": 4}
BACKBONES = ["janus", "showo"]


@pytest.fixture(scope="module", params=BACKBONES)
def trained(request, cat, tmp_path_factory):
    """One training per backbone, with the backbone's weights (tokens added) before it."""
    method = ConceptTokens(backbone=request.param, generation_steps=2, **FAST)
    before = {k: v.clone() for k, v in method.backend.frozen_state().items()}
    work = tmp_path_factory.mktemp(f"work-{request.param}")
    state = method.personalize(cat, work)
    return method, state, work, before


def test_training_data_includes_conversations_inside_the_concept_folder(cat):
    convs = conversation_examples(cat)
    assert [(e.image.name, e.question, e.answer) for e in convs] == [
        ("0.png", "What is <mimi> doing?", "<mimi> is sitting.")
    ]  # "../escape.png" points outside the folder and is skipped
    assert convs[0] in understanding_examples(cat)


def test_every_backbone_weight_is_bit_identical_after_training(trained):
    method, _, _, before = trained
    after = method.backend.frozen_state()
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert torch.equal(after[key], value), key


def test_only_the_new_rows_moved_and_the_loss_went_down(trained, cat):
    method, state, _, _ = trained
    gen = torch.Generator().manual_seed(method.p.seed)
    start = method.backend.initial_rows(cat.class_noun, 1 + method.p.n_tokens, 0.02, gen)
    for name, value in state.rows.named().items():
        assert value.shape == start.named()[name].shape
        assert not torch.equal(value, start.named()[name]), name
    assert state.losses["mmu_after"] < state.losses["mmu_before"]
    assert len(state.losses["epochs"]) == 3 and "image" in state.losses["epochs"][0]


def test_rows_have_the_backbones_shape(trained):
    method, state, _, _ = trained
    rows = state.rows
    assert rows.embed.shape == (5, 64)
    assert rows.head_weight is not None and rows.head_weight.shape == (5, 64)
    if method.p.backbone == "showo":
        assert rows.head_bias is not None and rows.head_bias.shape == (5,)
    else:
        assert rows.head_bias is None  # Janus' LM head has no bias


def test_checkpoint_round_trips_and_is_recorded(trained, cat):
    method, state, work, _ = trained
    rows, meta = load_rows(work / FILE_NAME)
    for name, value in state.rows.named().items():
        assert torch.equal(rows.named()[name], value)
    assert rows.digest() == state.rows.digest() == method.checkpoint_hash(state)
    assert meta["backbone"] == method.p.backbone and meta["concept"] == "mimi"
    record = json.loads((work / STATE_FILE).read_text())
    assert record["checkpoint_sha256"] == state.rows.digest()
    assert record["training_params"] == method.p.training_key()
    assert record["backbone"] == method.p.backbone
    # The same parameters reuse the training; a different one does not.
    assert method.reuse_trained(cat, work).rows.digest() == state.rows.digest()
    other = ConceptTokens(backbone=method.p.backbone, **{**FAST, "epochs": 4})
    assert other.reuse_trained(cat, work) is None


def test_imported_checkpoint_answers_as_the_trained_one(trained, cat, pictures):
    method, state, work, _ = trained
    again = ConceptTokens(backbone=method.p.backbone, checkpoint_dir=str(work), **FAST)
    imported = again.personalize(cat, work / "unused")
    assert imported.source.startswith("imported:")
    assert again.checkpoint_hash(imported) == method.checkpoint_hash(state)
    q = "Is <mimi> in this photo?"
    assert again.answer(imported, q, pictures[0]) == method.answer(state, q, pictures[0])


def test_a_checkpoint_of_another_backbone_is_refused(trained, cat):
    method, _, work, _ = trained
    other = "showo" if method.p.backbone == "janus" else "janus"
    with pytest.raises(ConfigError, match="backbone"):
        ConceptTokens(backbone=other, checkpoint_dir=str(work), **FAST).personalize(cat, work)


def test_answer_batch_equals_answer_item_by_item(trained, pictures):
    method, state, _, _ = trained
    questions = ["Is <mimi> in this photo?", "What does <mimi> like?", "Describe <mimi>.", "Hi"]
    images = [pictures[0], None, pictures[1], pictures[2]]
    single = [method.answer(state, q, im) for q, im in zip(questions, images, strict=True)]
    assert method.answer_batch(state, questions, images) == single
    assert not any(SLOT in a for a in single)  # the slot is written back as <mimi>


def test_generate_batch_equals_generate_item_by_item(trained):
    method, state, _, _ = trained
    prompts, seeds = ["a <mimi> on the beach", "a <mimi>", "a red <mimi> in the snow"], [7, 8, 9]
    single = [method.generate(state, p, 2, s) for p, s in zip(prompts, seeds, strict=True)]
    batched = method.generate_batch(state, prompts, 2, seeds)
    for one, many in zip(single, batched, strict=True):
        assert len(many) == 2
        assert all(
            np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(one, many, strict=True)
        )


def test_prompts_carry_the_concept_tokens(trained):
    method, state, _, _ = trained
    assert method.system_prompt(state) == "<mimi> is <|ctok_0|><|ctok_1|><|ctok_2|><|ctok_3|>.\n"
    assert system_prompt("<mimi>", 4) == method.system_prompt(state)
    text = method.generation_prompt(state, "a <mimi> on the beach")
    assert text == "a " + generation_phrase("<mimi>", 4).replace("<mimi>", SLOT) + " on the beach"


def test_parameters_are_checked_and_recorded():
    with pytest.raises(ConfigError, match="backbone"):
        ConceptTokens(backbone="bagel")
    with pytest.raises(ConfigError, match="repo"):
        ConceptTokens(backbone="showo", repo="x/y")
    with pytest.raises(ConfigError, match="unknown parameter"):
        ConceptTokens(stages=3)
    with pytest.raises(ConfigError, match="unknown Show-o config '7b'"):
        ConceptTokens(backbone="showo", config="7b")
    tiny = ConceptTokens(backbone="showo", config="tiny")
    assert tiny.params()["random_weights"] is True and "Show-o" in tiny.caveat()
    assert "Janus" in ConceptTokens(config="tiny").caveat()
    assert ConceptTokens().caveat() is None
    from unifybench.runner.executors.ray_executor import method_resources

    assert method_resources(ConceptTokens())["num_gpus"] == 1
    assert method_resources(ConceptTokens(backbone="showo"))["num_gpus"] == 1
    assert method_resources(tiny)["num_gpus"] == 0
