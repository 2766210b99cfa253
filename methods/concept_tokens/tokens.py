"""The concept's tokens and the prompt strings built from them.

Row 0 is the concept token; one backbone serves every concept through a fixed slot
(:data:`SLOT`, as UniCTokens does here): the placeholder (``<bo>``) is rewritten to the slot
before tokenisation and back in answers. Rows 1.. are the learnable tokens ``<|ctok_i|>``.
"""

from __future__ import annotations

SLOT = "<|concept|>"


def learnable_tokens(n: int) -> list[str]:
    """The ``n`` learnable tokens after the concept token."""
    return [f"<|ctok_{i}|>" for i in range(n)]


def all_tokens(n: int) -> list[str]:
    """Every new token in row order: the slot, then the learnable ones."""
    return [SLOT, *learnable_tokens(n)]


def system_prompt(concept_token: str, n: int) -> str:
    """Put before every question: ``"<bo> is <|ctok_0|>...<|ctok_{n-1}|>.\\n"``."""
    return f"{concept_token} is {''.join(learnable_tokens(n))}.\n"


def generation_phrase(concept_token: str, n: int) -> str:
    """What replaces the concept in an image prompt: ``"<|ctok_0|>... <bo>"``."""
    return f"{''.join(learnable_tokens(n))} {concept_token}"


def caption(concept_token: str, n: int) -> str:
    """The caption the training photos are learned under."""
    return f"A photo of {generation_phrase(concept_token, n)}."
