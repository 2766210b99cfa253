"""UniCTokens parameters with the published defaults, settable from the CLI as strings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from methods.common.params import build_params


@dataclass(frozen=True)
class UniCTokensParams:
    """Every knob of the method. Defaults are the published scripts' values.

    Stage 1 optimiser: AdamW lr 1e-3, weight decay 1e-4, eps 1e-6 (train_p_stage_1.py);
    stages 2 and 3: weight decay 1e-3, eps 1e-8 (train_p_stage_2/3.py). 20 epochs per stage,
    checkpoints every 5; stage 2 starts from stage 1's epoch 15, stage 3 from stage 2's epoch 20.
    Batch sizes: understanding 4 in stage 1, 1 in stages 2-3; generation 1.
    """

    config: str = "published"  # "published", "tiny" (CPU tests, offline), "phi15-width"
    device: str = "auto"
    dtype: str = "float32"  # the published precision; "bfloat16" is a recorded, explicit choice
    init_seed: int = 0  # random init of tiny configs
    seed: int = 0  # data order, augmentation, masking
    checkpoint_dir: Path | None = None  # import released concept rows instead of training
    checkpoint_epoch: int | None = None  # default: highest saved epoch
    reuse_workdir: bool = True  # a finished training in the work folder is loaded, not redone
    stages: int = 3
    n_shared: int = 16
    n_generation: int = 8
    n_understanding: int = 8
    epochs_stage1: int = 20
    epochs_stage2: int = 20
    epochs_stage3: int = 20
    stage2_from_epoch: int = 15
    stage3_from_epoch: int = 20
    save_every: int = 5
    lr: float = 1e-3
    stage1_weight_decay: float = 1e-4
    stage1_eps: float = 1e-6
    stage23_weight_decay: float = 1e-3
    stage23_eps: float = 1e-8
    stage1_mmu_batch: int = 4
    mmu_batch: int = 1
    t2i_batch: int = 1
    max_steps_per_epoch: int | None = None
    transition_images: int = 20
    transition_end_step: int = 35
    generation_steps: int | None = None  # default: the config's (50)
    guidance_scale: float | None = None  # default: the config's (5)
    gen_batch_size: int = 8
    output_size: int | None = None  # resize generated images (default: native resolution)
    max_new_tokens: int | None = None  # default: the config's (100)
    face_backend: str = "auto"  # auto | arcface | dlib | none
    face_model_dir: Path | None = None  # folder holding models/antelopev2 for ArcFace

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> UniCTokensParams:
        """Build from keyword values that may be strings (``--param key=value``)."""
        return build_params(cls, kwargs)

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable dict of every parameter."""
        return {
            k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(self).items()
        }
