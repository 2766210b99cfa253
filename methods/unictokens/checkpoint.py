"""Concept checkpoints in the published file format.

Three files per saved epoch, each a plain tensor saved with ``torch.save``:
``epoch_<N>_embed.pt`` (rows x hidden), ``epoch_<N>_lm_head_weight.pt`` (rows x hidden),
``epoch_<N>_lm_head_bias.pt`` (rows). Rows are ``<c>`` then ``<token_0>``, ``<token_1>`` ...
(17 after stage 1, 25 after stage 2, 33 after stage 3 with the published counts).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import torch

from unifybench.errors import ConfigError

_EMBED = re.compile(r"^epoch_(\d+)_embed\.pt$")


@dataclass
class ConceptWeights:
    """The learned rows of one concept (float32, CPU)."""

    embed: torch.Tensor
    head_weight: torch.Tensor
    head_bias: torch.Tensor

    @property
    def rows(self) -> int:
        return int(self.embed.shape[0])

    def digest(self) -> str:
        """sha256 over the three tensors' bytes (little-endian float32)."""
        h = hashlib.sha256()
        for t in (self.embed, self.head_weight, self.head_bias):
            h.update(t.detach().to(torch.float32).contiguous().cpu().numpy().tobytes())
        return h.hexdigest()


def save_epoch(folder: Path, epoch: int, weights: ConceptWeights) -> list[Path]:
    """Write the three files of ``epoch`` into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, t in (
        ("embed", weights.embed),
        ("lm_head_weight", weights.head_weight),
        ("lm_head_bias", weights.head_bias),
    ):
        p = folder / f"epoch_{epoch}_{suffix}.pt"
        torch.save(t.detach().to("cpu").clone(), p)
        paths.append(p)
    return paths


def saved_epochs(folder: Path) -> list[int]:
    """Epoch numbers that have an ``epoch_<N>_embed.pt`` in ``folder``, ascending."""
    if not folder.is_dir():
        return []
    found = (_EMBED.match(p.name) for p in folder.iterdir())
    return sorted(int(m.group(1)) for m in found if m)


def find_checkpoint_folder(root: Path, concept_id: str) -> Path:
    """Where a concept's files are: ``root`` itself, ``root/<concept>``, or one folder below that.

    The authors' layout is ``saves/<concept>/<run name>/epoch_<N>_*.pt``.
    """
    root = Path(root)
    for cand in (root / concept_id, root):
        if saved_epochs(cand):
            return cand
    base = root / concept_id
    subs = (
        sorted(d for d in base.iterdir() if d.is_dir() and saved_epochs(d)) if base.is_dir() else []
    )
    if len(subs) == 1:
        return subs[0]
    if len(subs) > 1:
        raise ConfigError(
            f"{base}: several checkpoint folders {[s.name for s in subs]}; "
            "point checkpoint_dir at one of them"
        )
    raise ConfigError(
        f"{root}: no epoch_<N>_embed.pt for concept '{concept_id}' "
        f"(looked in {root / concept_id}, {root} and one folder below {root / concept_id})"
    )


LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/"


def read_tensor_file(path: Path) -> object:
    """``torch.load`` of one checkpoint file, with errors that name the file and say what it is.

    A Git LFS pointer (the small text file a clone without ``git lfs`` leaves in place of the
    tensor) and a truncated or corrupt download are told apart from a wrong tensor.
    """
    import pickle
    import zipfile

    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(len(LFS_POINTER_PREFIX))
    if head == LFS_POINTER_PREFIX:
        raise ConfigError(
            f"{path}: a Git LFS pointer file ({size} bytes), not the tensor it stands for; fetch "
            "the real file (`git lfs install && git lfs pull` in the repository it came from)"
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
        pickle.UnpicklingError,
        zipfile.BadZipFile,
    ) as exc:
        raise ConfigError(
            f"{path}: not a readable torch checkpoint ({size} bytes; {type(exc).__name__}: "
            f"{str(exc).split('. ')[0]}); the file is truncated or corrupt: "
            "download it again"
        ) from exc


def load_epoch(folder: Path, epoch: int | None = None) -> tuple[int, ConceptWeights]:
    """Read the files of ``epoch`` (default: the highest saved) and check their shapes agree."""
    folder = Path(folder)
    epochs = saved_epochs(folder)
    if not epochs:
        raise ConfigError(f"{folder}: no epoch_<N>_embed.pt files")
    epoch = epochs[-1] if epoch is None else int(epoch)
    tensors = {}
    for suffix in ("embed", "lm_head_weight", "lm_head_bias"):
        p = folder / f"epoch_{epoch}_{suffix}.pt"
        if not p.is_file():
            raise ConfigError(f"{p}: missing (saved epochs: {epochs})")
        t = read_tensor_file(p)
        if not isinstance(t, torch.Tensor):
            raise ConfigError(f"{p}: expected a tensor, found {type(t).__name__}")
        tensors[suffix] = t.to(torch.float32)
    w = ConceptWeights(tensors["embed"], tensors["lm_head_weight"], tensors["lm_head_bias"])
    if w.embed.ndim != 2 or w.head_weight.shape != w.embed.shape or w.head_bias.shape != (w.rows,):
        raise ConfigError(
            f"{folder}/epoch_{epoch}_*.pt: shapes embed {tuple(w.embed.shape)}, lm_head_weight "
            f"{tuple(w.head_weight.shape)}, lm_head_bias {tuple(w.head_bias.shape)} do not agree"
        )
    return epoch, w
