"""Parameters of concept-tokens, settable from the CLI as strings (``--param key=value``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from methods.common.params import build_params
from unifybench.errors import ConfigError

BACKBONES = ("janus", "showo")

# Parameters that only change inference: a finished training is reused when the others match.
INFERENCE_ONLY = frozenset(
    {
        "device",
        "checkpoint_dir",
        "reuse_workdir",
        "max_new_tokens",
        "answer_batch_size",
        "gen_batch_size",
        "output_size",
        "guidance_scale",
        "temperature",
        "generation_steps",
    }
)


@dataclass(frozen=True)
class ConceptTokensParams:
    """Every knob; the recipe and its defaults are explained in README.md next to this file."""

    backbone: str = "janus"  # janus | showo
    config: str = "published"  # janus: published (=1b), 1b, 7b, tiny; showo: published, tiny
    repo: str | None = None  # janus only: hub id or local folder replacing the config's
    device: str = "auto"
    # auto: the backbone's reference precision (Show-o: float32, as published; Janus-Pro:
    # bfloat16 on CUDA, float32 on CPU, as its model card runs it); recorded in the params.
    dtype: str = "auto"
    init_seed: int = 0  # random init of tiny configs
    seed: int = 0  # row initialisation noise, data order, augmentation
    n_tokens: int = 16  # learnable tokens after the concept token
    init_noise: float = 0.02  # relative noise added to the learnable tokens' initial rows
    epochs: int = 15
    lr: float = 1e-3
    weight_decay: float = 0.0
    mmu_batch: int = 4  # understanding examples per step
    image_batch: int = 1  # training photos per step (image-token loss)
    image_loss_weight: float = 1.0  # 0 trains on understanding only
    max_steps_per_epoch: int | None = None
    checkpoint_dir: Path | None = None  # import rows saved by an earlier run instead of training
    reuse_workdir: bool = True  # a finished training in the work folder is loaded, not redone
    max_new_tokens: int | None = None  # default: the backbone's (100)
    guidance_scale: float | None = None  # default: the backbone's (5)
    temperature: float | None = None  # janus only; default 1.0
    generation_steps: int | None = None  # showo only; default 50
    answer_batch_size: int = 8  # questions per forward pass
    gen_batch_size: int = 8  # images per forward pass
    output_size: int | None = None  # resize generated images (default: native resolution)

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> ConceptTokensParams:
        """Build from keyword values that may be strings; checks the backbone and counts."""
        p = build_params(cls, kwargs)
        if p.backbone not in BACKBONES:
            raise ConfigError(
                f"parameter 'backbone': expected one of {BACKBONES}, got {p.backbone!r}"
            )
        if p.n_tokens < 1:
            raise ConfigError("parameter 'n_tokens' must be at least 1")
        if p.repo and p.backbone != "janus":
            raise ConfigError("parameter 'repo' applies to backbone=janus only")
        return p

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable dict of every parameter."""
        out = dataclasses.asdict(self)
        if self.checkpoint_dir is not None:
            out["checkpoint_dir"] = str(self.checkpoint_dir)
        return out

    def training_key(self) -> dict[str, Any]:
        """Parameters that change what training produces."""
        return {k: v for k, v in self.to_json().items() if k not in INFERENCE_ONLY}
