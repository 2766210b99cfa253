"""Token sequences Show-o is trained and prompted with (layout facts from Show-o's prompting code).

t2i:  [PAD]* <|t2i|> <bos> text <eos> <|soi|> image-tokens <|eoi|>   (left-padded to a fixed length)
mmu:  <|mmu|> <|soi|> image-tokens <|eoi|> <bos> "USER: ... ASSISTANT:" ...
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpecialIds:
    """Ids of the tokens the sequence layouts use."""

    pad: int
    bos: int
    eos: int
    soi: int
    eoi: int
    t2i: int
    mmu: int


def t2i_text_slots(text_ids: list[int], ids: SpecialIds, max_text_len: int) -> list[int]:
    """The text part of a t2i sequence: exactly ``max_text_len + 1`` ids, left-padded.

    ``<|t2i|> <bos> text <eos>``; too long prompts are cut and end with ``<eos>``.
    """
    if not text_ids or text_ids[0] != ids.bos:
        text_ids = [ids.bos, *text_ids]
    seq = [ids.t2i, *text_ids, ids.eos]
    slots = max_text_len + 1
    if len(seq) > slots:
        seq = [*seq[: slots - 1], ids.eos]
    return [ids.pad] * (slots - len(seq)) + seq


def t2i_sequence(
    text_ids: list[int], image_ids: list[int], ids: SpecialIds, max_text_len: int
) -> list[int]:
    """A full t2i sequence: text slots, ``<|soi|>``, image token ids, ``<|eoi|>``."""
    return [*t2i_text_slots(text_ids, ids, max_text_len), ids.soi, *image_ids, ids.eoi]


def mmu_prefix(image_ids: list[int], ids: SpecialIds) -> list[int]:
    """``<|mmu|> <|soi|> image <|eoi|>``: the image part of an understanding sequence."""
    return [ids.mmu, ids.soi, *image_ids, ids.eoi]


def chat_prompt(question: str) -> str:
    """The published understanding prompt: ``USER: <question> ASSISTANT:``."""
    return f"USER: {question} ASSISTANT:"
