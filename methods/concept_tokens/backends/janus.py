"""Concept tokens on Janus-Pro (transformers' ``JanusForConditionalGeneration``).

Rows: input-embedding rows of the new tokens and, unless the checkpoint ties them, LM-head rows
(Janus' LM head has no bias). Understanding loss: the reply's tokens after the chat-formatted
question (and the test photo through the SigLIP encoder). Image loss: the photo's VQ image tokens
predicted by the generation head after the chat-formatted caption and ``<begin_of_image>``,
teacher-forced through the generation embeddings, as Janus generates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch.nn import functional as F

from methods.concept_tokens.backends.base import noisy_copies
from methods.concept_tokens.checkpoint import LearnedRows

if TYPE_CHECKING:
    from PIL import Image

    from methods.common.training_data import MMUExample
    from methods.concept_tokens.params import ConceptTokensParams
    from methods.janus.backbone import JanusBackbone, TokenRows

IGNORE = -100


class JanusConceptBackend:
    """Janus-Pro with a block of new tokens whose rows come from the concept's checkpoint."""

    name = "janus"

    def __init__(self, p: ConceptTokensParams) -> None:
        from methods.janus.backbone import JanusBackbone

        self.p = p
        self.bb: JanusBackbone = JanusBackbone.create(
            p.config, repo=p.repo, device=p.device, dtype=p.dtype, init_seed=p.init_seed
        )
        self.device = self.bb.device
        self.start: int | None = None

    @property
    def width(self) -> int:
        return int(self.bb.model.get_input_embeddings().weight.shape[1])

    def record(self) -> dict[str, Any]:
        """The backbone as provenance records it."""
        return {"backbone": "janus", **self.bb.spec.to_dict()}

    # -- vocabulary ---------------------------------------------------------------------------
    def add_tokens(self, tokens: Sequence[str]) -> None:
        ids = self.bb.add_tokens(tokens)
        if ids != list(range(ids[0], ids[0] + len(ids))):
            raise AssertionError(f"new token ids are not contiguous: {ids[:4]}...")
        self.start = ids[0]

    def token_rows(self, rows: LearnedRows) -> TokenRows:
        from methods.janus.backbone import TokenRows

        if self.start is None:
            raise RuntimeError("add_tokens() must come before rows are used")
        return TokenRows(self.start, rows.embed, rows.head_weight)

    def initial_rows(self, class_noun: str, count: int, noise: float, generator) -> LearnedRows:
        """Embedding rows from the class noun; LM-head rows: the class noun's for the concept
        token, the text vocabulary's mean row for the learnable ones (rarely the argmax)."""
        emb, head = self.bb.word_rows(class_noun or "thing")
        embed = torch.cat([emb[None], noisy_copies(emb, count - 1, noise, generator)])
        if self.bb.tied_head:
            return LearnedRows(embed)
        table = self.bb.model.get_output_embeddings().weight
        mean = table[: self.start].float().mean(0).detach().cpu()
        return LearnedRows(embed, torch.cat([head[None], mean[None].expand(count - 1, -1)]))

    def frozen_state(self) -> dict[str, torch.Tensor]:
        return self.bb.model.state_dict()

    def losses(self, rows: LearnedRows, seed: int) -> JanusLosses:
        return JanusLosses(self, rows)

    # -- inference ----------------------------------------------------------------------------
    def answer_batch(
        self,
        rows: LearnedRows,
        questions: Sequence[str],
        images: Sequence[Image.Image | None],
        *,
        max_new_tokens: int | None,
    ) -> list[str]:
        convs = [
            [im, q] if im is not None else [q] for q, im in zip(questions, images, strict=True)
        ]
        return self.bb.answer_batch(
            convs, max_new_tokens=max_new_tokens, rows=self.token_rows(rows.to(self.device))
        )

    def generate_batch(
        self, rows: LearnedRows, prompts: Sequence[str], n: int, seeds: Sequence[int]
    ) -> list[list[Image.Image]]:
        from methods.janus.generation import generate_images

        return generate_images(
            self.bb,
            prompts,
            n,
            seeds,
            batch_size=self.p.gen_batch_size,
            guidance_scale=self.p.guidance_scale,
            temperature=self.p.temperature,
            output_size=self.p.output_size,
            rows=self.token_rows(rows.to(self.device)),
        )


class JanusLosses:
    """Losses of one concept's rows on Janus; prompts, pixels and image tokens are cached."""

    def __init__(self, backend: JanusConceptBackend, rows: LearnedRows) -> None:
        self.be = backend
        self.bb = backend.bb
        self.rows = backend.token_rows(rows)
        self._prompts: dict[tuple[Path | None, str], tuple[list[int], torch.Tensor | None]] = {}
        self._codes: dict[Path, torch.Tensor] = {}

    def _prompt(self, image: Path | None, question: str) -> tuple[list[int], torch.Tensor | None]:
        key = (image, question)
        if key not in self._prompts:
            from unifybench.data.records import load_image

            parts = [load_image(image), question] if image is not None else [question]
            text, imgs = self.bb.user_turn(parts)
            enc = self.bb.processor(text=[text], images=imgs or None, return_tensors="pt")
            pixels = enc.get("pixel_values")
            self._prompts[key] = (enc["input_ids"][0].tolist(), pixels)
        return self._prompts[key]

    def mmu(self, examples: Sequence[MMUExample]) -> torch.Tensor:
        bb = self.bb
        seqs, labels, pixels = [], [], []
        for e in examples:
            prompt, px = self._prompt(e.image, e.question)
            answer = [*bb.text_ids(" " + e.answer), bb.eos_id]
            seqs.append(prompt + answer)
            labels.append([IGNORE] * len(prompt) + answer)
            if px is not None:
                pixels.append(px)
        width = max(len(s) for s in seqs)
        pad = int(bb.tokenizer.pad_token_id)
        ids = torch.tensor([s + [pad] * (width - len(s)) for s in seqs], device=bb.device)
        lab = torch.tensor([s + [IGNORE] * (width - len(s)) for s in labels], device=bb.device)
        mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs], device=bb.device)
        kwargs: dict[str, Any] = {}
        if pixels:
            kwargs["pixel_values"] = torch.cat(pixels).to(bb.device, bb.dtype)
        with bb.concept_rows(self.rows):
            logits = bb.model(input_ids=ids, attention_mask=mask, **kwargs).logits
        return F.cross_entropy(
            logits[:, :-1].float().reshape(-1, logits.shape[-1]),
            lab[:, 1:].reshape(-1),
            ignore_index=IGNORE,
        )

    def _image_codes(self, images: Sequence[Path]) -> torch.Tensor:
        from unifybench.data.records import load_image

        missing = [p for p in dict.fromkeys(images) if p not in self._codes]
        if missing:
            codes = self.bb.encode_images([load_image(p) for p in missing])
            self._codes.update(zip(missing, codes, strict=True))
        return torch.stack([self._codes[p] for p in images])

    def image(self, images: Sequence[Path], captions: Sequence[str]) -> torch.Tensor:
        bb = self.bb
        model = bb.model
        codes = self._image_codes(images).to(bb.device)
        texts = [bb.generation_text(c) for c in captions]
        enc = bb.processor(text=texts, generation_mode="image", padding=True, return_tensors="pt")
        ids = enc["input_ids"].to(bb.device)
        text_mask = enc["attention_mask"].to(bb.device)
        with bb.concept_rows(self.rows):
            text_emb = model.get_input_embeddings()(ids)
        img_emb = model.prepare_embeddings_for_image_generation(codes).to(text_emb.dtype)
        n_tok = codes.shape[1]
        emb = torch.cat([text_emb, img_emb[:, :-1]], dim=1)
        mask = torch.cat([text_mask, text_mask.new_ones(len(texts), n_tok - 1)], dim=1)
        pos = (mask.long().cumsum(1) - 1).clamp(min=0)
        hidden = model.model.language_model(
            inputs_embeds=emb, attention_mask=mask, position_ids=pos
        ).last_hidden_state
        start = ids.shape[1] - 1  # the <begin_of_image> position predicts the first token
        logits = model.model.generation_head(hidden[:, start : start + n_tok]).float()
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), codes.reshape(-1))
