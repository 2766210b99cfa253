"""Hugging Face hub access with one clear error when weights cannot be had."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from unifybench.errors import ConfigError

T = TypeVar("T")


def hub_call(repo: str, fn: Callable[[], T]) -> T:
    """Run ``fn`` (a download from ``repo``); any hub failure becomes a ConfigError naming it."""
    try:
        return fn()
    except ConfigError:
        raise
    except (OSError, ValueError, RuntimeError) as exc:
        raise ConfigError(
            f"cannot load '{repo}' from the Hugging Face hub ({type(exc).__name__}: {exc}). "
            "It needs network access (or a filled HF cache); HF_HUB_OFFLINE=1 forbids downloads."
        ) from exc


def snapshot(repo: str, allow_patterns: list[str] | None = None) -> Path:
    """Download (or find in the cache) a model repo and return its local folder."""
    import os

    from huggingface_hub import snapshot_download

    # Honour HF_HUB_OFFLINE even when huggingface_hub was imported before it was set.
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}
    return Path(
        hub_call(
            repo,
            lambda: snapshot_download(
                repo, allow_patterns=allow_patterns, local_files_only=offline
            ),
        )
    )
