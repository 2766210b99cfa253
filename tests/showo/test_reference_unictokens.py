"""The UniCTokens path against the published evaluation scripts (github arctanxarc/UniCTokens).

The recorder ran ``eval/eval_p_mmu.py`` and ``eval/gen_p_images_for_gen_eval.py --inverse_prompt``
end to end on the fixture weights, importing concept rows in the published file format: 33 rows
(stage 3), 17 rows (stage 1) and 25 rows at Phi-1.5 width (the layout of the published example
``saves/bo/example``, evaluated with no third-stage tokens). Here the same files are imported with
``UniCTokens.import_checkpoint`` (default token counts 16/8/8) and every step is compared: system
prompt and question strings, pixels (with the published random flip), token ids, greedy answers,
generation codes and saved images, and the stage 2 -> 3 sampler's intermediate predictions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tests.showo.reference import (
    CONFIGS,
    concept_rows,
    fixture_backbone,
    from_u8,
    input_image,
    load_json,
    load_tensors,
    state_sha256,
)

RUNS = ("run0", "run1", pytest.param("run2", marks=pytest.mark.slow))


def imported_run(key: str, root: Path):
    """(recorded facts, recorded tensors, method, imported state) for one recorded eval run:
    the recorder's concept rows written under ``root`` and imported with default counts."""
    from methods.unictokens import UniCTokens
    from unifybench.data.records import Concept

    info = load_json("meta.json")[f"unictokens_{key}"]
    spec = CONFIGS[info["config"]]
    seed = spec["weights_seed"] + 100 + info["rows"]
    rows = concept_rows(spec["hidden_size"], info["rows"], seed)
    assert state_sha256(rows) == info["rows_sha256"]
    folder = root / "bo" / "example"
    folder.mkdir(parents=True)
    for suffix, t in rows.items():
        torch.save(t, folder / f"epoch_15_{suffix}.pt")
    method = UniCTokens(config="tiny", device="cpu", checkpoint_dir=root, max_new_tokens=100)
    method.use_backbone(fixture_backbone(info["config"]))
    concept = Concept(
        id="bo",
        category="animal",
        class_noun="dog",
        info="<bo> is a dog.",
        extra_info=(),
        generation_type="object",
        train_images=(),
        test_images=(),
    )
    state = method.personalize(concept, root / "work")
    return info, load_tensors(f"unictokens_{key}.safetensors"), method, state


@pytest.fixture(scope="module", params=RUNS)
def run(request, tmp_path_factory):
    return imported_run(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture(scope="module")
def run0(tmp_path_factory):
    """The 33-row run, where generation and the stage 2 -> 3 script were recorded too."""
    return imported_run("run0", tmp_path_factory.mktemp("run0-generation"))


def _to_ours(ids: torch.Tensor, reference_rows: int, ours: int, text_vocab: int) -> list[int]:
    """Reference ids in this backbone's numbering: it always holds all 33 concept rows, the
    published scripts only the checkpoint's, so image-code ids shift by the difference."""
    shift = ours - reference_rows
    first_image = text_vocab - ours
    return [int(i) + shift if int(i) >= first_image + reference_rows else int(i) for i in ids]


def test_imported_checkpoint_stage_and_prompts_equal_reference(run):
    info, _, method, state = run
    assert state.weights.rows == info["rows"]
    for item in info["items"]:
        assert method.system_prompt(state) == item["system_prompt"]
        question = item["raw_question"].replace("<image>", "").strip()  # the data loader's view
        assert method.question_text(state, question) == item["question"]


def test_eval_pixels_ids_and_greedy_answers_equal_reference(run):
    from methods.unictokens.tokens import CONCEPT_SLOT

    info, rec, method, state = run
    bb = method.backbone
    rows = method.rows_for(state.weights)
    ours = method.counts.total
    # 100-token answers are slow on CPU: all four items once (run0), else the plain and the
    # flipped one (the runs differ in their prompts and widths, not in the images).
    count = len(info["items"]) if info["rows"] == 33 else 2
    for k, item in enumerate(info["items"][:count]):
        image = input_image(item["image"])
        px = bb.pixels([image], flips=[item["flipped"]])
        assert torch.equal(px[0], from_u8(rec[f"item{k}/pixels"])), item["image"]
        text = method.model_text(state, method.question_text(state, item["raw_question"][8:]))
        ids = bb.mmu_ids(text, bb.encode(px)[0])
        expected = _to_ours(rec[f"item{k}/input_ids"][0], info["rows"], ours, bb.text_vocab_size)
        assert ids == expected, item["image"]
        out = bb.answer_ids(text, image, rows=rows, max_new_tokens=100, flip=item["flipped"])
        greedy = _to_ours(rec[f"item{k}/output_ids"], info["rows"], ours, bb.text_vocab_size)
        if greedy and greedy[-1] == bb.special.eos:
            greedy = greedy[:-1]
        assert out == greedy, item["image"]
        text_out = bb.tokenizer.decode(out, skip_special_tokens=True).strip()
        assert text_out.replace(CONCEPT_SLOT, "<bo>") == item["answer"]
    if info["config"] == "small":  # once through the method's own answer(), flipped image
        item = info["items"][1]
        image = input_image(item["image"])
        answer = method.answer(state, item["raw_question"][8:], image, flip=True)
        assert item["flipped"] and answer == item["answer"]


def test_generation_codes_and_images_equal_reference(run0):
    info, rec, method, state = run0
    bb = method.backbone
    rows = method.rows_for(state.weights)
    for i, gen in enumerate(info["generation"]):
        prompt = method.generation_prompt(state, gen["condition"].replace("<sks>", "<bo>"))
        text = method.model_text(state, prompt)
        masked = torch.full((2, bb.config.num_vq_tokens), bb.mask_id)
        assert torch.equal(bb.t2i_batch([text] * 2, masked), rec[f"gen{i}/input_ids"])
        # The published script draws a batch of two from one generator seeded per batch.
        codes, _ = bb.generate_codes(
            [text] * 2,
            [gen["seed"]],
            noise="published-batch",
            steps=gen["timesteps"],
            guidance_scale=gen["guidance"],
            rows=rows,
        )
        assert torch.equal(codes, rec[f"gen{i}/codes"]), gen["condition"]
        images = np.stack([np.asarray(im) for im in bb.decode(codes)])
        assert np.array_equal(images, rec[f"gen{i}/images"].numpy())


def test_stage_2_to_3_intermediate_predictions_equal_reference(run0):
    from methods.unictokens.tokens import transition_prompt

    info, rec, method, state = run0
    t = info["transition"]
    prompt = transition_prompt("<bo>", method.counts, human=False)
    assert prompt == t["prompt"]
    bb = method.backbone
    final, snaps = bb.generate_codes(
        [method.model_text(state, prompt)],
        [t["seed"]],
        steps=t["steps"],
        guidance_scale=t["guidance"],
        rows=method.rows_for(state.weights),
        return_steps=tuple(t["returned"][:-1]),
    )
    for step in t["returned"][:-1]:
        assert torch.equal(snaps[step], rec[f"transition/step{step}"]), step
    assert torch.equal(final, rec[f"transition/step{t['returned'][-1]}"])


def test_stage_2_to_3_difference_pictures_equal_the_published_script(run0):
    """``stage_2_to_3_v1.py`` run end to end on the stage 2 rows (the first 25 of run0's)."""
    from methods.unictokens.checkpoint import ConceptWeights
    from methods.unictokens.tokens import transition_prompt
    from methods.unictokens.transition import difference_images

    info, rec, method, state = run0
    t = info["transition_script"]
    w = state.weights
    stage2 = ConceptWeights(w.embed[:25], w.head_weight[:25], w.head_bias[:25])
    prompt = transition_prompt("<bo>", method.counts, human=False)
    assert prompt == t["prompt"]
    bb = method.backbone
    text = method.model_text(state, prompt)
    masked = torch.full((1, bb.config.num_vq_tokens), bb.mask_id)
    ours = bb.t2i_batch([text], masked)[0].tolist()
    for i in range(t["count"]):
        ids = rec[f"transition_script/input_ids{i}"][0]
        assert ours == _to_ours(ids, t["rows"], method.counts.total, bb.text_vocab_size)
    pictures = difference_images(
        bb,
        text,
        method.rows_for(stage2),
        count=t["count"],
        steps=t["steps"],
        guidance_scale=t["guidance"],
        end_step=t["end_step"],
        seed=t["seed"],
    )
    got = np.stack([np.asarray(p) for p in pictures])
    assert np.array_equal(got, rec["transition_script/images"].numpy())
