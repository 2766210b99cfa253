"""Small helpers for the data-layer tests: copies of the sample and JSON edits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any


def copy_sample(sample_root: Path, dest: Path) -> Path:
    """A private copy of the sample benchmark that a test may break."""
    shutil.copytree(sample_root, dest, symlinks=True)
    return dest


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
