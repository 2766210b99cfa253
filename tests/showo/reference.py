"""Shared by the reference recorder and the reference-output tests of Show-o / UniCTokens.

Random weights that are the same bits on every machine (a counter-based generator: splitmix64 of
(seed, tensor index, element index) in numpy uint64, 24 random bits per value, so no float
rounding before the final scale), the fixture configurations, and fixture file loading.

The recorder (``tests/fixtures/reference/showo/record.py``) runs the published code with these
weights; the tests load the same weights into this project's modules. Weights of the small config
are also saved as safetensors; the Phi-1.5-width ones (about 150 MB) are regenerated and checked
against the sha256 the recorder wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import torch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "showo"

_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB


def counter_uniform(seed: int, index: int, numel: int) -> np.ndarray:
    """``numel`` float32 values in [-1, 1), a pure function of (seed, index, position)."""
    import numpy as np

    u64 = np.uint64
    base = (seed * 1_000_003 + index) * _GOLDEN % 2**64
    z = np.arange(numel, dtype=np.uint64) * u64(_GOLDEN) + u64(base)
    z = (z ^ (z >> u64(30))) * u64(_MIX1)
    z = (z ^ (z >> u64(27))) * u64(_MIX2)
    z = z ^ (z >> u64(31))
    top = (z >> u64(40)).astype(np.int64)  # 24 bits
    return ((top * 2 - 2**24).astype(np.float32)) / np.float32(2**24)


def _scale(name: str, shape: tuple[int, ...]) -> tuple[float, float]:
    """(multiplier, offset) of the uniform values for parameter ``name``."""
    fan_in = 1
    for d in shape[1:]:
        fan_in *= d
    if re.search(r"(norm|layernorm|norm\d|norm_out)\.weight$", name):
        return 0.2, 1.0
    if re.search(r"(norm|layernorm|norm\d|norm_out)\.bias$", name):
        return 0.2, 0.0
    if name.endswith("embed_tokens.weight"):
        return 1.0, 0.0
    if name.endswith("lm_head.weight"):
        return 4.0 * (3.0 / fan_in) ** 0.5, 0.0
    if name.endswith(".bias"):
        return 0.1, 0.0
    return (3.0 / fan_in) ** 0.5, 0.0


def reference_state(shapes: dict[str, tuple[int, ...]], seed: int) -> dict[str, torch.Tensor]:
    """A float32 state dict with the given names and shapes, from :func:`counter_uniform`.

    Tensor ``i`` in sorted name order uses counter index ``i``; values are
    ``offset + multiplier * u`` with the multiplier/offset of :func:`_scale`.
    """
    import numpy as np
    import torch

    out: dict[str, torch.Tensor] = {}
    for i, name in enumerate(sorted(shapes)):
        shape = tuple(shapes[name])
        numel = int(np.prod(shape)) if shape else 1
        mult, off = _scale(name, shape)
        vals = counter_uniform(seed, i, numel) * np.float32(mult) + np.float32(off)
        out[name] = torch.from_numpy(vals.reshape(shape))
    return out


def state_sha256(state: dict[str, torch.Tensor]) -> str:
    """sha256 over names, shapes and float32 little-endian bytes, in sorted name order."""
    h = hashlib.sha256()
    for name in sorted(state):
        t = state[name].detach().to("cpu").contiguous()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


# -- fixture configurations -------------------------------------------------------------------
# Plain dicts so that the recorder (which runs the published code under transformers 4.41) and
# the tests (this project's ShowoConfig) build the same shapes.
SMALL = {
    "name": "small",
    "llm_vocab_size": 257,  # the byte-level tokenizer of methods/showo/tokenizer.py
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "max_position_embeddings": 512,
    "image_size": 32,
    "max_text_len": 40,
    "magvit": {
        "ch": 32,
        "encoder_ch_mult": [1, 2, 1],
        "encoder_num_res_blocks": [1, 1, 1],
        "decoder_ch_mult": [1, 2, 1],
        "decoder_num_res_blocks": [1, 1, 1],
        "resolution": 32,
        "z_channels": 6,
    },
    "weights_seed": 11,
}
PHI15 = {
    **SMALL,
    "name": "phi15",
    "hidden_size": 2048,
    "intermediate_size": 256,
    "num_hidden_layers": 2,
    "num_attention_heads": 32,
    "weights_seed": 15,
}
CONFIGS = {"small": SMALL, "phi15": PHI15}


def showo_config(spec: dict[str, Any]):
    """This project's :class:`ShowoConfig` for a fixture configuration."""
    from dataclasses import replace

    from methods.showo.config import MagvitConfig, PhiConfig, tiny

    m = spec["magvit"]
    return replace(
        tiny(),
        name=f"reference-{spec['name']}",
        llm_vocab_size=spec["llm_vocab_size"],
        image_size=spec["image_size"],
        max_text_len=spec["max_text_len"],
        phi=PhiConfig(
            hidden_size=spec["hidden_size"],
            intermediate_size=spec["intermediate_size"],
            num_hidden_layers=spec["num_hidden_layers"],
            num_attention_heads=spec["num_attention_heads"],
            max_position_embeddings=spec["max_position_embeddings"],
        ),
        magvit=MagvitConfig(
            ch=m["ch"],
            encoder_ch_mult=tuple(m["encoder_ch_mult"]),
            encoder_num_res_blocks=tuple(m["encoder_num_res_blocks"]),
            decoder_ch_mult=tuple(m["decoder_ch_mult"]),
            decoder_num_res_blocks=tuple(m["decoder_num_res_blocks"]),
            resolution=m["resolution"],
            z_channels=m["z_channels"],
        ),
    )


def logit_positions(length: int) -> list[int]:
    """Sequence positions whose logits the fixtures keep (every third, and the last)."""
    return sorted({*range(0, length, 3), length - 1})


def load_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def load_tensors(name: str) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(FIXTURES / name))


def fixture_weights(config: str) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """(lm state, vq state) the recorder used for ``config``, checked against its sha256.

    Both configurations share the small MAGVIT-v2 (stored); the small LM is stored too, the
    Phi-1.5-width LM is regenerated with :func:`reference_state`.
    """
    meta = load_json("meta.json")["weights"]
    stored = load_tensors(meta["file"])
    vq = {k[3:]: v for k, v in stored.items() if k.startswith("vq.")}
    spec = meta[config]
    if spec["stored"]:
        prefix = f"lm_{config}."
        lm = {k[len(prefix) :]: v for k, v in stored.items() if k.startswith(prefix)}
    else:
        shapes = {k: tuple(s) for k, s in spec["lm_shapes"].items()}
        lm = reference_state(shapes, CONFIGS[config]["weights_seed"])
    for what, state, want in (("lm", lm, spec["lm_sha256"]), ("vq", vq, meta["vq_sha256"])):
        got = state_sha256(state)
        if got != want:
            raise AssertionError(
                f"{config} {what} weights differ from the recorder's (sha256 {got} != {want}); "
                "re-run tests/fixtures/reference/showo/record.py"
            )
    return lm, vq


def concept_rows(hidden: int, rows: int, seed: int) -> dict[str, torch.Tensor]:
    """Random concept rows in the published checkpoint layout (embed, lm_head weight and bias)."""
    state = reference_state(
        {
            "embed_tokens.weight": (rows, hidden),
            "lm_head.weight": (rows, hidden),
            "lm_head.bias": (rows,),
        },
        seed,
    )
    return {
        "embed": state["embed_tokens.weight"],
        "lm_head_weight": state["lm_head.weight"],
        "lm_head_bias": state["lm_head.bias"],
    }


_WEIGHTS: dict[str, tuple[dict, dict]] = {}


def fixture_backbone(config: str, image_size: int | None = None):
    """This project's backbone at a fixture configuration, with the recorder's weights (strict)."""
    from dataclasses import replace

    from methods.showo.backbone import ShowoBackbone
    from methods.showo.model import load_strict

    cfg = showo_config(CONFIGS[config])
    if image_size is not None:
        cfg = replace(cfg, image_size=image_size)
    bb = ShowoBackbone.create(cfg, device="cpu")
    if config not in _WEIGHTS:
        _WEIGHTS[config] = fixture_weights(config)
    lm, vq = _WEIGHTS[config]
    load_strict(bb.lm, lm, f"{config} fixture weights", "the Show-o module")
    load_strict(bb.vq, vq, f"{config} fixture weights", "MAGVIT-v2")
    return bb


def input_image(name: str):
    """An input image of the fixtures, as RGB (what both sides were given)."""
    from PIL import Image

    with Image.open(FIXTURES / "inputs" / name) as im:
        return im.convert("RGB")


def from_u8(u8: torch.Tensor) -> torch.Tensor:
    """The normalised pixel tensor a recorded uint8 image stands for (bit-exact, see record.py)."""
    return (u8.float() / 255 - 0.5) / 0.5


def worst(a: torch.Tensor, b: torch.Tensor) -> float:
    """Largest absolute difference (float64)."""
    return float((a.double() - b.double()).abs().max())
