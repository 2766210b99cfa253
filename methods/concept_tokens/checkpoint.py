"""The learned rows of one concept, their file, and their hash.

A checkpoint is one safetensors file ``concept_rows.safetensors`` with the tensors ``embed``
(rows x hidden), and, where the backbone has them, ``head_weight`` (rows x hidden; absent when
the LM head is tied to the embedding) and ``head_bias`` (rows). Row 0 is the concept token, rows
1.. the learnable tokens. The file's metadata says which backbone and token strings the rows
belong to. The hash is sha256 over the tensors' float32 bytes in that order, as UniCTokens'
concept checkpoints are hashed here (``methods.unictokens.checkpoint``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from unifybench.errors import ConfigError

FILE_NAME = "concept_rows.safetensors"
TENSORS = ("embed", "head_weight", "head_bias")


@dataclass
class LearnedRows:
    """Concept rows: embedding rows, and LM-head rows / bias where the backbone has them."""

    embed: torch.Tensor
    head_weight: torch.Tensor | None = None
    head_bias: torch.Tensor | None = None

    @property
    def rows(self) -> int:
        return int(self.embed.shape[0])

    def named(self) -> dict[str, torch.Tensor]:
        """The tensors that exist, by name, in file order."""
        out = {"embed": self.embed}
        if self.head_weight is not None:
            out["head_weight"] = self.head_weight
        if self.head_bias is not None:
            out["head_bias"] = self.head_bias
        return out

    def parameters(self) -> list[torch.Tensor]:
        return list(self.named().values())

    def detached(self) -> LearnedRows:
        """A float32 CPU copy without gradients."""
        t = {k: v.detach().float().cpu().clone() for k, v in self.named().items()}
        return LearnedRows(t["embed"], t.get("head_weight"), t.get("head_bias"))

    def to(self, device) -> LearnedRows:
        """A float32 copy on ``device`` (fresh tensors, ready to be trained)."""
        t = {k: v.detach().float().to(device).clone() for k, v in self.named().items()}
        return LearnedRows(t["embed"], t.get("head_weight"), t.get("head_bias"))

    def digest(self) -> str:
        """sha256 over the present tensors' little-endian float32 bytes, in file order."""
        h = hashlib.sha256()
        for name, t in self.named().items():
            h.update(name.encode())
            h.update(t.detach().to(torch.float32).contiguous().cpu().numpy().tobytes())
        return h.hexdigest()


def save_rows(folder: Path, rows: LearnedRows, metadata: dict[str, Any]) -> Path:
    """Write ``rows`` to ``folder/concept_rows.safetensors`` with JSON-able ``metadata``."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    tensors = {k: v.contiguous() for k, v in rows.detached().named().items()}
    meta = {k: json.dumps(v) for k, v in metadata.items()}
    save_file(tensors, str(path), metadata=meta)
    return path


def load_rows(path: Path) -> tuple[LearnedRows, dict[str, Any]]:
    """Read a checkpoint file; its shapes must agree (a ConfigError names the file if not)."""
    from safetensors import safe_open

    path = Path(path)
    if path.is_dir():
        path = path / FILE_NAME
    if not path.is_file():
        raise ConfigError(f"{path}: no concept checkpoint ({FILE_NAME}) there")
    with safe_open(str(path), framework="pt") as f:
        names = set(f.keys())
        tensors = {k: f.get_tensor(k).float() for k in TENSORS if k in names}
        raw = f.metadata() or {}
    if "embed" not in tensors:
        raise ConfigError(f"{path}: tensor 'embed' missing (found {sorted(names)})")
    rows = LearnedRows(tensors["embed"], tensors.get("head_weight"), tensors.get("head_bias"))
    k = rows.rows
    ok = rows.embed.ndim == 2
    if rows.head_weight is not None:
        ok &= tuple(rows.head_weight.shape) == tuple(rows.embed.shape)
    if rows.head_bias is not None:
        ok &= tuple(rows.head_bias.shape) == (k,)
    if not ok:
        shapes = {n: tuple(t.shape) for n, t in rows.named().items()}
        raise ConfigError(f"{path}: tensor shapes {shapes} do not agree")
    meta = {}
    for key, value in raw.items():
        try:
            meta[key] = json.loads(value)
        except ValueError:
            meta[key] = value
    return rows, meta
