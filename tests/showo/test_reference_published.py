"""Published parameter names and shapes, taken from the published modules built on the meta device.

``published_shapes.json`` was written by the recorder from github showlab/Show-o's ``Showo`` at the
512x512 configuration (``configs/showo_demo_512x512.yaml``, microsoft/phi-1_5's configuration)
and ``MAGVITv2()``: every tensor their ``state_dict`` holds (what ``save_pretrained`` writes).
A full state dict of those names and shapes must load strictly into this project's modules.
"""

from __future__ import annotations

import pytest
import torch

from methods.showo.config import published
from tests.showo.reference import load_json

SHAPES = load_json("published_shapes.json")


def _table(module: torch.nn.Module) -> dict[str, dict]:
    return {
        k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in module.state_dict().items()
    }


def _meta_state(table: dict[str, dict]) -> dict[str, torch.Tensor]:
    return {
        k: torch.empty(v["shape"], dtype=getattr(torch, v["dtype"].split(".")[-1]), device="meta")
        for k, v in table.items()
    }


def test_reference_model_has_qk_layernorm():
    assert SHAPES["qk_layernorm_in_built_model"] is True
    q = [k for k in SHAPES["show-o-512x512"] if ".q_layernorm." in k or ".k_layernorm." in k]
    assert len(q) == 24 * 4


def test_showo_names_shapes_dtypes_equal_published_and_load_strictly():
    from methods.showo.model import ShowoLM, load_strict

    with torch.device("meta"):
        lm = ShowoLM(published())
    assert _table(lm) == SHAPES["show-o-512x512"]
    assert published().vocab_size == 58498
    load_strict(lm, _meta_state(SHAPES["show-o-512x512"]), "published shapes", "Show-o", True)


def test_magvit_names_shapes_dtypes_equal_published_and_load_strictly():
    from methods.showo.magvit import MAGVITv2
    from methods.showo.model import load_strict

    with torch.device("meta"):
        vq = MAGVITv2(published().magvit)
    assert _table(vq) == SHAPES["magvitv2"]
    assert published().num_vq_tokens == 1024 and published().codebook_size == 8192
    load_strict(vq, _meta_state(SHAPES["magvitv2"]), "published shapes", "MAGVIT-v2", True)


def test_strict_load_names_what_is_missing_or_extra():
    from methods.showo.model import ShowoLM, load_strict
    from unifybench.errors import ConfigError

    state = _meta_state(SHAPES["show-o-512x512"])
    state.pop("showo.model.layers.3.self_attn.k_layernorm.bias")
    state["showo.extra.weight"] = torch.empty(2, device="meta")
    with torch.device("meta"):
        lm = ShowoLM(published())
    with pytest.raises(ConfigError, match=r"layers\.3\.self_attn\.k_layernorm\.bias.*showo\.extra"):
        load_strict(lm, state, "published shapes", "Show-o", True)
