"""Show-o backbone: masks, schedule, decoding, hub errors, strict loading from hub-style folders.

Parameter names and shapes of the published checkpoints: test_reference_published.py.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from methods.showo.attention import mmu_mask, omni_mask
from methods.showo.config import tiny
from methods.showo.schedule import cosine_schedule, num_masked_after
from unifybench.errors import ConfigError


def test_omni_mask_text_causal_image_bidirectional_padding_hidden():
    pad, soi, eoi = 0, 1, 2
    ids = torch.tensor([[pad, pad, 5, 6, soi, 9, 9, 9, eoi]])
    m = omni_mask(ids, pad_id=pad, soi_id=soi, eoi_id=eoi)[0, 0]
    # text: causal, and blind to the left padding
    assert m[3, 2] and not m[2, 3]
    assert not m[2, 0] and not m[3, 1]
    # image positions see each other in both directions, the text, but not padding
    assert m[5, 7] and m[7, 5] and m[4, 8] and m[8, 4]
    assert m[6, 2] and m[6, 3] and not m[6, 0]
    # text never sees the later image
    assert not m[3, 5]
    # padding rows still attend to something (no empty rows)
    assert m.any(dim=-1).all()


def test_mmu_mask_prefix_full_then_causal():
    eoi = 2
    ids = torch.tensor([[7, 1, 9, 9, eoi, 5, 6, 8]])
    m = mmu_mask(ids, eoi_id=eoi)[0, 0]
    assert m[1, 3] and m[0, 4]  # everything sees the whole image prefix
    assert m[6, 5] and not m[5, 6] and not m[4, 7]  # causal after it


def test_cosine_schedule_values_and_remask_counts():
    assert float(cosine_schedule(0.0)) == pytest.approx(1.0)
    assert float(cosine_schedule(0.5)) == pytest.approx(np.cos(np.pi / 4))
    assert float(cosine_schedule(1.0)) == pytest.approx(0.0, abs=1e-7)
    n, steps = 1024, 50
    unknown = torch.tensor([n])
    counts = []
    for s in range(steps):
        k = int(num_masked_after(s, steps, n, unknown)[0])
        counts.append(k)
        unknown = torch.tensor([k])
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == int(np.floor(n * np.cos(np.pi / 2 / steps)))
    assert counts[-1] == 1  # at least one token stays masked until the final sample


def test_answer_returns_text(tiny_backbone):
    from PIL import Image

    img = Image.new("RGB", (50, 40), (200, 10, 10))
    out = tiny_backbone.answer("Is there a cat?", img)
    assert isinstance(out, str)
    assert tiny_backbone.answer("Is there a cat?", img) == out  # greedy


def test_generate_images_size_count_and_seed(tiny_backbone):
    kw = {"batch_size": 2, "steps": 4}
    (a,) = tiny_backbone.generate_images(["a red cup"], 3, [7], **kw)
    (b,) = tiny_backbone.generate_images(["a red cup"], 3, [7], **kw)
    (c,) = tiny_backbone.generate_images(["a red cup"], 3, [8], **kw)
    assert len(a) == 3 and all(im.size == (32, 32) for im in a)
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, c, strict=True))


def test_generation_fills_every_token(tiny_backbone):
    codes, snaps = tiny_backbone.generate_codes(["x"], [0], steps=4, return_steps=(1,))
    assert codes.shape == (1, tiny().num_vq_tokens)
    assert int(codes.min()) >= 0 and int(codes.max()) < tiny().codebook_size
    assert set(snaps) == {1}


def test_encode_decode_roundtrip_shapes(tiny_backbone):
    from PIL import Image

    imgs = [Image.new("RGB", (80, 60), (0, 128, 255)), Image.new("RGB", (30, 90))]
    codes = tiny_backbone.encode(imgs)
    assert codes.shape == (2, 64)
    out = tiny_backbone.decode(codes)
    assert [im.size for im in out] == [(32, 32), (32, 32)]


def test_published_backbone_fails_fast_offline(monkeypatch):
    from methods.showo.backbone import ShowoBackbone

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ConfigError, match="showlab/show-o-512x512"):
        ShowoBackbone.create("published", device="cpu")
    assert time.monotonic() - start < 20


def test_tiny_tokenizer_layout():
    from methods.showo.tokenizer import build_byte_tokenizer, load_text_tokenizer

    assert len(build_byte_tokenizer()) == tiny().llm_vocab_size
    tok = load_text_tokenizer(tiny())
    assert len(tok) == tiny().llm_vocab_size + 10
    assert tok.convert_tokens_to_ids("[PAD]") == tiny().llm_vocab_size
    text = "Héllo <|soi|> wörld"
    assert tok.decode(tok(text, add_special_tokens=False)["input_ids"]) == text


def test_published_weights_load_strictly_from_a_hub_style_folder(tmp_path):
    """The loaders accept a folder of published-style files and reject a renamed key.

    Strict: the published MAGVIT-v2 checkpoint holds the quantiser tables too (they are
    persistent buffers of the published module), so nothing may be missing.
    """
    from safetensors.torch import save_file

    from methods.showo.magvit import MAGVITv2

    cfg = tiny().magvit
    src = MAGVITv2(cfg)
    state = dict(src.state_dict())
    save_file(state, str(tmp_path / "model.safetensors"))
    dst = MAGVITv2(cfg)
    dst.load_published(tmp_path)
    for k, v in src.state_dict().items():
        assert torch.equal(dst.state_dict()[k], v), k
    state["encoder.conv_in.renamed"] = state.pop("encoder.conv_in.weight")
    save_file(state, str(tmp_path / "model.safetensors"))
    with pytest.raises(ConfigError, match=r"encoder\.conv_in"):
        MAGVITv2(cfg).load_published(tmp_path)
    del state["encoder.conv_in.renamed"]
    state["encoder.conv_in.weight"] = src.state_dict()["encoder.conv_in.weight"]
    del state["quantize.power_vals"]
    save_file(state, str(tmp_path / "model.safetensors"))
    with pytest.raises(ConfigError, match=r"missing \['quantize\.power_vals'\]"):
        MAGVITv2(cfg).load_published(tmp_path)


def test_showo_lm_loads_published_style_state_dict(tmp_path):
    from safetensors.torch import save_file

    from methods.showo.model import ShowoLM

    src = ShowoLM(tiny())
    save_file(
        {k: v.contiguous() for k, v in src.state_dict().items()}, str(tmp_path / "m.safetensors")
    )
    dst = ShowoLM(tiny())
    dst.load_published(tmp_path)
    assert all(torch.equal(v, dst.state_dict()[k]) for k, v in src.state_dict().items())
    with pytest.raises(ConfigError, match=r"no \*\.safetensors"):
        dst.load_published(tmp_path / "missing")
