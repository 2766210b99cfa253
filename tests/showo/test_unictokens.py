"""UniCTokens on the tiny backbone: training, frozen weights, checkpoints, prompts, interface."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from methods.unictokens import UniCTokens
from methods.unictokens.checkpoint import load_epoch, saved_epochs
from methods.unictokens.tokens import (
    TokenCounts,
    generation_phrase,
    system_prompt,
    training_system_prompt,
)
from unifybench.errors import ConfigError

FAST = {
    "config": "tiny",
    "epochs_stage1": 3,
    "epochs_stage2": 2,
    "epochs_stage3": 2,
    "save_every": 1,
    "transition_images": 1,
    "lr": 1e-2,
}


@pytest.fixture(scope="module")
def trained(photo_concepts, tmp_path_factory):
    """One three-stage run on the person concept, with the backbone's weights before it."""
    method = UniCTokens(**FAST)
    before = {k: v.clone() for k, v in method.backbone.lm.state_dict().items()}
    vq_before = {k: v.clone() for k, v in method.backbone.vq.state_dict().items()}
    work = tmp_path_factory.mktemp("work")
    state = method.personalize(photo_concepts["person"], work)
    return method, state, work, before, vq_before


def test_training_lowers_the_loss(trained):
    _, state, _, _, _ = trained
    losses = state.losses
    assert losses["stage1_eval_after"] < losses["stage1_eval_before"]
    assert losses["stage1_epochs"][-1] < losses["stage1_epochs"][0]
    assert state.stage == 3 and state.weights.rows == 33


def test_backbone_weights_bit_identical_after_training(trained):
    method, _, _, before, vq_before = trained
    after = method.backbone.lm.state_dict()
    assert after.keys() == before.keys()
    for k, v in before.items():
        assert torch.equal(after[k], v), k
    for k, v in method.backbone.vq.state_dict().items():
        assert torch.equal(v, vq_before[k]), k


def test_stage3_changes_only_concept_and_understanding_rows(trained):
    _, state, work, _, _ = trained
    _, s2 = load_epoch(work / "stage_2")  # stage 3 started from stage 2's last epoch here
    final = state.weights
    for t_final, t_s2 in (
        (final.embed, s2.embed),
        (final.head_weight, s2.head_weight),
        (final.head_bias, s2.head_bias),
    ):
        assert torch.equal(t_final[1:25], t_s2[1:25])  # shared + generation tokens frozen
        assert not torch.equal(t_final[0], t_s2[0])  # <c> trained
        assert not torch.equal(t_final[25:33], t_s2[25:33])  # understanding tokens trained


def test_checkpoints_written_in_published_format(trained):
    _, state, work, _, _ = trained
    assert saved_epochs(work / "stage_1") == [1, 2, 3]
    assert saved_epochs(work / "stage_3") == [1, 2]
    for stage, rows in ((1, 17), (2, 25), (3, 33)):
        for suffix, shape in (
            ("embed", (rows, 64)),
            ("lm_head_weight", (rows, 64)),
            ("lm_head_bias", (rows,)),
        ):
            t = torch.load(work / f"stage_{stage}" / f"epoch_2_{suffix}.pt", weights_only=True)
            assert tuple(t.shape) == shape
    summary = json.loads((work / "unictokens_state.json").read_text())
    assert summary["checkpoint_sha256"] == state.weights.digest()
    assert state.face_init == "dlib-resnet-128"  # offline fallback for people


def test_export_then_import_is_bit_exact(trained, photo_concepts, tmp_path):
    method, state, _, _, _ = trained
    person = photo_concepts["person"]
    method.export_checkpoint(state, tmp_path / person.id / "run", 20)
    loaded = method.import_checkpoint(person, tmp_path)
    for a, b in (
        (loaded.weights.embed, state.weights.embed),
        (loaded.weights.head_weight, state.weights.head_weight),
        (loaded.weights.head_bias, state.weights.head_bias),
    ):
        assert torch.equal(a, b)
    assert method.checkpoint_hash(loaded) == method.checkpoint_hash(state)
    assert loaded.stage == 3
    q = "Is <astro> in this image?"
    assert method.answer(loaded, q, None) == method.answer(state, q, None)


def test_answer_and_generate(trained, photo_concepts):
    from unifybench.data.records import load_image

    method, state, _, _, _ = trained
    img = load_image(photo_concepts["person"].train_images[0])
    assert isinstance(method.answer(state, "Is <astro> in this image?", img), str)
    a = method.generate(state, "a photo of <astro> on the beach", 3, seed=5)
    b = method.generate(state, "a photo of <astro> on the beach", 3, seed=5)
    assert len(a) == 3 and all(im.size == (32, 32) for im in a)
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b, strict=True))


def test_published_shape_checkpoint_imports_at_phi15_width(photo_concepts, tmp_path):
    """A 25 x 2048 stage-2 checkpoint (the shape the authors release) loads and is used."""
    g = torch.Generator().manual_seed(0)
    folder = tmp_path / "mimi" / "example"
    folder.mkdir(parents=True)
    embed = torch.randn(25, 2048, generator=g)
    weight = torch.randn(25, 2048, generator=g)
    bias = torch.randn(25, generator=g)
    torch.save(embed, folder / "epoch_15_embed.pt")
    torch.save(weight, folder / "epoch_15_lm_head_weight.pt")
    torch.save(bias, folder / "epoch_15_lm_head_bias.pt")
    method = UniCTokens(config="phi15-width", checkpoint_dir=str(tmp_path))
    state = method.personalize(photo_concepts["pet"], tmp_path / "unused")
    assert state.stage == 2 and state.weights.rows == 25
    assert torch.equal(state.weights.embed, embed) and torch.equal(state.weights.head_bias, bias)
    rows = method.rows_for(state.weights)
    assert rows.active == 25 and torch.equal(rows.head_weight[:25], weight)
    assert isinstance(method.answer(state, "What is <mimi>?", None), str)
    prompt = method.generation_prompt(state, "a <mimi> on the beach")
    assert "<token_23> <mimi> on the beach" in prompt and "<token_24>" not in prompt


def test_checkpoint_of_wrong_shape_is_a_clear_error(photo_concepts, tmp_path):
    folder = tmp_path / "mimi"
    folder.mkdir()
    for suffix, shape in (
        ("embed", (20, 64)),
        ("lm_head_weight", (20, 64)),
        ("lm_head_bias", (20,)),
    ):
        torch.save(torch.zeros(shape), folder / f"epoch_5_{suffix}.pt")
    method = UniCTokens(config="tiny", checkpoint_dir=tmp_path)
    with pytest.raises(ConfigError, match=re.escape("epoch_5_embed.pt")):
        method.personalize(photo_concepts["pet"], tmp_path / "w")
    with pytest.raises(ConfigError, match=re.escape("no epoch_<N>_embed.pt")):
        UniCTokens(config="tiny", checkpoint_dir=tmp_path / "empty").personalize(
            photo_concepts["pet"], tmp_path / "w"
        )


def test_published_inference_prompts():
    """Recorded from the published scripts in test_reference_unictokens / test_reference_inputs;
    here the shapes at a glance (stage 1 and 2 checkpoints get neither dot nor newline)."""
    c = TokenCounts()
    shared = "".join(f"<token_{i}>" for i in range(16))
    und = "".join(f"<token_{i}>" for i in range(24, 32))
    assert system_prompt("<bo>", c, 3) == f"<bo> is {shared}{und}.\n"
    assert system_prompt("<bo>", c, 2) == system_prompt("<bo>", c, 1) == f"<bo> is {shared}"
    assert training_system_prompt("<bo>", c, 1) == f"<bo> is {shared}."
    assert training_system_prompt("<bo>", c, 3) == f"<bo> is {shared}{und}."
    gen = "".join(f"<token_{i}>" for i in range(24))
    assert generation_phrase("<bo>", c, 3) == f"{gen} <bo>"
    assert c.rows_after(1) == 17 and c.rows_after(2) == 25 and c.total == 33


def test_params_from_cli_strings_and_registry():
    from unifybench.method import create_method

    m = create_method(
        "unictokens", config="tiny", epochs_stage1="2", checkpoint_dir="none", lr="0.01"
    )
    assert isinstance(m, UniCTokens)
    p = m.params()
    assert p["epochs_stage1"] == 2 and p["lr"] == 0.01 and p["checkpoint_dir"] is None
    assert p["random_weights"] is True
    json.dumps(p)
    defaults = UniCTokens().params()
    assert defaults["epochs_stage1"] == 20 and defaults["stage2_from_epoch"] == 15
    assert defaults["stage1_weight_decay"] == 1e-4 and defaults["stage23_eps"] == 1e-8
    with pytest.raises(ConfigError, match="unknown parameter"):
        UniCTokens(epochz=3)
    with pytest.raises(ConfigError, match="epochs_stage1"):
        UniCTokens(epochs_stage1="many")


def test_training_examples_from_concept(photo_concepts):
    from methods.common.training_data import mmu_examples, t2i_examples

    person = photo_concepts["person"]
    ex = mmu_examples(person)
    assert sum(e.answer.startswith("Yes") for e in ex) == len(person.train_images)
    assert sum(e.answer.startswith("No") for e in ex) == len(person.random_negatives)
    assert any(e.image is None and "flags" in e.answer for e in ex)
    assert all("<astro>" in e.question for e in ex)
    t2i = t2i_examples(person, "A photo of <astro>.", use_cropped=True)
    assert [e.image for e in t2i] == sorted(person.cropped_images) and all(e.cropped for e in t2i)


def test_face_rows_interpolate_to_hidden():
    from methods.unictokens.init import face_rows

    emb = torch.arange(512, dtype=torch.float32)
    rows = face_rows(emb, 8, 2048)
    assert rows.shape == (8, 2048)
    assert rows[0, 0] == pytest.approx(0.0) and rows[7, -1] == pytest.approx(511.0)
    assert torch.all(rows[:, 1:] >= rows[:, :-1])


def test_sample_benchmark_concept_stage1_lowers_loss(sample_benchmark, tmp_path):
    """A concept of the project's sample benchmark: a few stage 1 epochs lower the loss."""
    concept = sample_benchmark.concepts["cup"]
    method = UniCTokens(config="tiny", stages=1, epochs_stage1=3, lr=1e-2, save_every=3)
    state = method.personalize(concept, tmp_path)
    assert state.stage == 1 and state.weights.rows == 17
    assert state.losses["stage1_eval_after"] < state.losses["stage1_eval_before"]
    assert saved_epochs(tmp_path / "stage_1") == [3]
    assert state.weights.digest() == method.checkpoint_hash(state)


def test_arcface_requested_without_models_is_a_clear_error(photo_concepts, tmp_path):
    from methods.unictokens.init import mean_face_embedding

    with pytest.raises(ConfigError, match="ArcFace"):
        mean_face_embedding(list(photo_concepts["person"].train_images[:1]), "arcface", tmp_path)


def test_finished_training_is_reused_from_the_work_folder(trained, photo_concepts):
    method, state, work, _, _ = trained
    again = method.personalize(photo_concepts["person"], work)
    assert again.weights.digest() == state.weights.digest() and again.stage == state.stage
    assert again.source.startswith("trained (reused")
    other = UniCTokens(**{**FAST, "lr": 5e-3})
    assert other.reuse_trained(photo_concepts["person"], work) is None  # different parameters


def test_lfs_pointer_and_truncated_checkpoint_files_are_named(photo_concepts, tmp_path):
    """A clone without git-lfs leaves pointer files; an interrupted download leaves a stub."""
    folder = tmp_path / "mimi" / "example"
    folder.mkdir(parents=True)
    torch.save(torch.zeros(17, 64), folder / "epoch_15_lm_head_weight.pt")
    torch.save(torch.zeros(17), folder / "epoch_15_lm_head_bias.pt")
    embed = folder / "epoch_15_embed.pt"
    embed.write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 206015\n"
    )
    method = UniCTokens(config="tiny", checkpoint_dir=tmp_path)
    with pytest.raises(ConfigError, match=re.escape(f"{embed}: a Git LFS pointer file")) as err:
        method.personalize(photo_concepts["pet"], tmp_path / "w")
    assert "git lfs pull" in str(err.value)
    torch.save(torch.zeros(17, 64), embed)
    embed.write_bytes(embed.read_bytes()[:300])
    with pytest.raises(
        ConfigError, match=re.escape(f"{embed}: not a readable torch checkpoint")
    ) as err:
        method.personalize(photo_concepts["pet"], tmp_path / "w")
    assert "truncated or corrupt" in str(err.value) and "download it again" in str(err.value)
