"""concept-tokens: ``methods.concept_tokens:ConceptTokens``; see README.md in this folder."""

from methods.concept_tokens.method import ConceptTokens, ConceptTokensState

__all__ = ["ConceptTokens", "ConceptTokensState"]
