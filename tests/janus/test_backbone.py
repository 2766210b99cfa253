"""Janus-Pro through transformers, on a tiny random config: hub ids, prompts, shapes, batching."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from methods.janus.backbone import JanusBackbone, TokenRows
from methods.janus.config import JANUS_PRO_1B, JANUS_PRO_7B, resolve_spec
from methods.noise import image_seeds
from unifybench.errors import ConfigError


def test_published_names_resolve_to_the_transformers_hub_ids():
    assert resolve_spec("published").repo == JANUS_PRO_1B == "deepseek-community/Janus-Pro-1B"
    assert resolve_spec("1b").repo == JANUS_PRO_1B
    assert resolve_spec("7b").repo == JANUS_PRO_7B == "deepseek-community/Janus-Pro-7B"
    assert resolve_spec("7b", repo="me/janus-ft").repo == "me/janus-ft"
    assert resolve_spec("published").image_size == 384
    assert not resolve_spec("tiny").is_published
    with pytest.raises(ConfigError, match="repo"):
        resolve_spec("tiny", repo="me/janus-ft")
    with pytest.raises(ConfigError, match="unknown Janus config"):
        resolve_spec("13b")


@pytest.mark.parametrize("config", ["1b", "7b"])
def test_offline_load_fails_naming_the_repo_and_hf_hub_offline(config, monkeypatch, tmp_path):
    import huggingface_hub.constants as hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path))  # nothing cached, whatever the host
    with pytest.raises(ConfigError) as err:
        JanusBackbone.create(config, device="cpu")
    message = str(err.value)
    assert resolve_spec(config).repo in message
    assert "HF_HUB_OFFLINE" in message


def test_chat_template_has_janus_pro_layout(janus_tiny, pictures):
    text, images = janus_tiny.user_turn(["What is shown in this image?", pictures[0]])
    assert text == "<|User|>: What is shown in this image?\n<image_placeholder>\n\n<|Assistant|>:"
    assert images == [pictures[0]]
    text, images = janus_tiny.user_turn(
        ["Compare this image", pictures[0], "with this image", pictures[1]]
    )
    assert text == (
        "<|User|>: Compare this image\n<image_placeholder>\nwith this image\n"
        "<image_placeholder>\n\n<|Assistant|>:"
    )
    assert len(images) == 2
    assert janus_tiny.user_turn(["a", "b"])[0] == "<|User|>: a b\n\n<|Assistant|>:"
    ids = janus_tiny.tokenizer("x")["input_ids"]
    assert ids[0] == janus_tiny.tokenizer.bos_token_id


def test_shapes_of_codes_images_and_answers(janus_tiny, pictures):
    codes = janus_tiny.generate_codes(["a cat", "a red bus on a bridge", "x"], [1, 2, 3])
    assert codes.shape == (3, janus_tiny.num_image_tokens) == (3, 16)
    assert codes.dtype == torch.long and int(codes.min()) >= 0 and int(codes.max()) < 64
    images = janus_tiny.decode(codes)
    assert [im.size for im in images] == [(32, 32)] * 3
    assert all(im.mode == "RGB" for im in images)
    assert janus_tiny.encode_images(pictures).shape == (3, 16)
    answers = janus_tiny.answer_batch([[pictures[0], "What is this?"], ["Hello?"]])
    assert len(answers) == 2 and all(isinstance(a, str) for a in answers)


def test_generation_is_deterministic_per_seed(janus_tiny):
    a = janus_tiny.generate_codes(["a cat", "a cat"], [5, 6])
    b = janus_tiny.generate_codes(["a cat", "a cat"], [5, 6])
    assert torch.equal(a, b)
    assert not torch.equal(a[0], a[1])  # different seeds, different images


def test_batched_replies_equal_single_replies_token_for_token(janus_tiny, pictures):
    convs = [
        [pictures[0], "What is this?"],
        ["Tell me a long story about a dog and a cat who live together."],
        [pictures[1], pictures[2], "Which of these two is bigger?"],
        [pictures[2], "x"],
    ]
    single = [janus_tiny.reply_ids([c])[0] for c in convs]
    batched = janus_tiny.reply_ids(convs)
    assert batched == single
    assert all(len(r) > 0 for r in single)
    assert janus_tiny.reply_ids(list(reversed(convs))) == list(reversed(single))


def test_an_image_does_not_depend_on_its_batch(janus_tiny):
    prompts = ["a dog", "a big red cat in the snow", "x", "a photo of a dog on a beach"] * 2
    seeds = image_seeds([11, 12, 13, 14], 2)
    alone = torch.cat(
        [janus_tiny.generate_codes([p], [s]) for p, s in zip(prompts, seeds, strict=True)]
    )
    together = janus_tiny.generate_codes(prompts, seeds)
    assert torch.equal(alone, together)
    mixed = janus_tiny.generate_codes(["something else entirely", prompts[3]], [99, seeds[3]])
    assert torch.equal(mixed[1], alone[3])


def test_decoded_pixels_follow_the_image_processor(janus_tiny):
    codes = janus_tiny.generate_codes(["a cat"], [3])
    raw = janus_tiny.model.decode_image_tokens(codes).float()[0].numpy()
    expected = np.clip((raw * 0.5 + 0.5) * 255.0, 0, 255).astype(np.uint8)
    assert np.array_equal(np.asarray(janus_tiny.decode(codes)[0]), expected)


def test_concept_rows_stand_in_for_their_ids_only_while_installed(janus_tiny):
    model = janus_tiny.model
    emb_module = model.get_input_embeddings()
    start, k, h = 200, 3, emb_module.weight.shape[1]
    rows = TokenRows(start, torch.randn(k, h), torch.randn(k, h))
    ids = torch.tensor([[5, start, start + 2, 7]])
    hidden = torch.randn(1, 2, h)
    plain_emb = emb_module(ids)
    plain_logits = model.get_output_embeddings()(hidden)
    with janus_tiny.concept_rows(rows):
        emb = emb_module(ids)
        logits = model.get_output_embeddings()(hidden)
    assert torch.equal(emb[0, 1], rows.embed[0]) and torch.equal(emb[0, 2], rows.embed[2])
    assert torch.equal(emb[0, 0], plain_emb[0, 0]) and torch.equal(emb[0, 3], plain_emb[0, 3])
    assert torch.allclose(logits[..., start : start + k], hidden @ rows.head.T, atol=1e-6)
    assert torch.equal(logits[..., :start], plain_logits[..., :start])
    assert torch.equal(logits[..., start + k :], plain_logits[..., start + k :])
    assert torch.equal(emb_module(ids), plain_emb)  # hooks gone
    assert not emb_module._forward_hooks and not model.get_output_embeddings()._forward_hooks


def test_decoded_images_do_not_depend_on_the_batch(janus_tiny):
    # Decoding 8 images in one VQ-decoder call rounds some pixels differently than one by one
    # (found with these prompts and seeds), so every image is decoded on its own.
    from methods.janus.generation import generate_images

    extra = ". the cat is a tabby cat. the cat sleeps all day."
    prompts = [p + extra for p in ("a cat on the beach", "a cat in the snow", "a red cat", "a cat")]
    prompts, seeds = prompts * 2, list(range(1008, 1016))
    alone = [
        generate_images(janus_tiny, [p], 1, [s])[0][0] for p, s in zip(prompts, seeds, strict=True)
    ]
    together = generate_images(janus_tiny, prompts, 1, seeds, batch_size=8)
    assert [np.asarray(a).tobytes() for a in alone] == [
        np.asarray(t[0]).tobytes() for t in together
    ]
