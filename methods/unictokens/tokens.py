"""UniCTokens' concept tokens and the prompt strings built from them (facts from the scripts).

Tokens: ``<c>`` (the concept, e.g. ``<bo>``) followed by ``<token_0>`` .. ``<token_{N-1}>``:
16 shared (stage 1), then 8 for generation (stage 2), then 8 for understanding (stage 3).
Checkpoint rows are in that order: row 0 is ``<c>``, row 1 + i is ``<token_i>``.

In this project the concept token occupies a fixed slot (:data:`CONCEPT_SLOT`) so one backbone
serves many concepts; ``<bo>`` in questions and prompts is rewritten to the slot before
tokenisation and back in answers. Only the token's id matters to the model, not its string.
"""

from __future__ import annotations

from dataclasses import dataclass

CONCEPT_SLOT = "<|concept|>"


@dataclass(frozen=True)
class TokenCounts:
    """How many learnable tokens each stage adds (published: 16, 8, 8)."""

    shared: int = 16
    generation: int = 8
    understanding: int = 8

    @property
    def total(self) -> int:
        """Rows of a full (stage 3) checkpoint: ``<c>`` + all tokens."""
        return 1 + self.shared + self.generation + self.understanding

    def rows_after(self, stage: int) -> int:
        """Rows that exist after ``stage`` (1: 17, 2: 25, 3: 33 with published counts)."""
        return (
            1
            + self.shared
            + (self.generation if stage >= 2 else 0)
            + (self.understanding if stage >= 3 else 0)
        )

    def stage_of_rows(self, rows: int) -> int:
        """The stage a checkpoint with ``rows`` rows comes from."""
        for stage in (1, 2, 3):
            if rows == self.rows_after(stage):
                return stage
        raise ValueError(
            f"{rows} rows fit no stage (expected {[self.rows_after(s) for s in (1, 2, 3)]})"
        )

    def shared_tokens(self) -> list[str]:
        return [f"<token_{i}>" for i in range(self.shared)]

    def generation_tokens(self) -> list[str]:
        return [f"<token_{i}>" for i in range(self.shared, self.shared + self.generation)]

    def understanding_tokens(self) -> list[str]:
        first = self.shared + self.generation
        return [f"<token_{i}>" for i in range(first, first + self.understanding)]

    def all_tokens(self) -> list[str]:
        return self.shared_tokens() + self.generation_tokens() + self.understanding_tokens()


def system_prompt(concept_token: str, counts: TokenCounts, stage: int) -> str:
    """The personal system prompt put before every question at inference (``eval_p_mmu.py``).

    ``"<c> is <token_0>...<token_15>"`` then the understanding tokens ``<token_24>...<token_31>``
    and ``".\n"`` where they exist (stage 3). A checkpoint without them (stage 1 or 2, such as the
    published 25-row example) gets neither the dot nor the newline: the question follows the
    last shared token directly, as in the published evaluation.
    """
    und = counts.understanding_tokens() if stage >= 3 else []
    suffix = ".\n" if und else ""
    return f"{concept_token} is {''.join(counts.shared_tokens() + und)}{suffix}"


def training_system_prompt(concept_token: str, counts: TokenCounts, stage: int) -> str:
    """The system prompt of the understanding training data (``pdata.PersonalizedMMUDataset``).

    Stages 1 and 2: ``"<c> is <token_0>...<token_15>."``; stage 3 adds the understanding tokens
    before the dot. The dot follows the last token of the stage's list (none if it is empty).
    """
    toks = counts.shared_tokens() + (counts.understanding_tokens() if stage >= 3 else [])
    last = counts.understanding_tokens() if stage >= 3 else counts.shared_tokens()
    return f"{concept_token} is {''.join(toks)}{'.' if last else ''}"


IMAGE_MARKER = "<image>"


def training_question(system: str, raw_question: str) -> str:
    """The question text of one training turn, as the published preprocessing leaves it.

    The system prompt is prepended to the raw (LLaVA-style) question; when the result holds the
    ``<image>`` marker, the marker is removed and the text stripped. A question that starts
    with ``"<image>\n"`` therefore follows the system prompt after a newline.
    """
    value = system + raw_question
    if IMAGE_MARKER in value:
        value = value.replace(IMAGE_MARKER, "").strip()
    return value


def generation_phrase(concept_token: str, counts: TokenCounts, stage: int) -> str:
    """What replaces the concept in a generation prompt: ``"<token_0>...<token_23> <c>"``."""
    toks = counts.shared_tokens() + (counts.generation_tokens() if stage >= 2 else [])
    return f"{''.join(toks)} {concept_token}"


def t2i_caption(concept_token: str, counts: TokenCounts) -> str:
    """Training caption of the concept's images in stages 2 and 3: ``A photo of <tokens> <c>.``."""
    return f"A photo of {generation_phrase(concept_token, counts, 2)}."


def transition_prompt(concept_token: str, counts: TokenCounts, human: bool) -> str:
    """Prompt of the stage 2 -> 3 generations (face close-up for people)."""
    phrase = generation_phrase(concept_token, counts, 2)
    if human:
        return f"A photo of {phrase}'s face in detail."
    return f"A photo of {phrase} in the middle of the photo."
