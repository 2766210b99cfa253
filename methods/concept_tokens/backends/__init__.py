"""Backbone adapters of concept-tokens; :func:`make_backend` picks one by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from methods.concept_tokens.backends.base import ConceptBackend
    from methods.concept_tokens.params import ConceptTokensParams


def make_backend(p: ConceptTokensParams) -> ConceptBackend:
    """The adapter of ``p.backbone`` with its backbone loaded (``janus`` or ``showo``)."""
    if p.backbone == "janus":
        from methods.concept_tokens.backends.janus import JanusConceptBackend

        return JanusConceptBackend(p)
    if p.backbone == "showo":
        from methods.concept_tokens.backends.showo import ShowoConceptBackend

        return ShowoConceptBackend(p)
    from unifybench.errors import ConfigError

    raise ConfigError(f"parameter 'backbone': unknown backbone {p.backbone!r}")
