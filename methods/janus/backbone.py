"""Janus-Pro as one object, on transformers' own implementation.

``JanusBackbone.create(spec)`` loads ``JanusProcessor`` and ``JanusForConditionalGeneration``
(published: from the hub; tiny: built offline, see :mod:`methods.janus.tiny`). Understanding is
``generate(generation_mode="text")`` with greedy decoding over a left-padded batch; generation is
``generate(generation_mode="image")`` with classifier-free guidance, every image drawn from its
own seeded noise (:mod:`methods.janus.sampling`), then ``decode_image_tokens``.

Concept tokens (used by ``concept-tokens``): :meth:`add_tokens` extends the tokenizer (and the
embedding / LM head when the vocabulary is full); :meth:`concept_rows` installs trainable rows
over those ids with forward hooks, so the checkpoint's own weights are never written.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from methods.janus.config import JanusSpec, resolve_spec

if TYPE_CHECKING:
    from PIL import Image


def pick_device(device: str = "auto") -> torch.device:
    """``auto`` -> CUDA when present, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def pick_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """``auto`` -> bfloat16 on CUDA (the published checkpoints' dtype), float32 elsewhere."""
    if dtype == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    table = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if dtype not in table:
        from unifybench.errors import ConfigError

        raise ConfigError(
            f"parameter 'dtype': expected auto or one of {sorted(table)}, got {dtype!r}"
        )
    return table[dtype]


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' warnings for one call.

    Janus' text mode itself passes ``guidance_scale=None`` next to a generation config, which
    transformers 5 reports as deprecated on every call.
    """
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)


@dataclass
class TokenRows:
    """Rows for vocabulary ids ``start .. start+k-1`` that override the model's own rows.

    ``head`` is None when the model ties its LM head to the embedding (then the head rows are
    ``embed``). Janus' LM head has no bias.
    """

    start: int
    embed: torch.Tensor  # (k, hidden)
    head: torch.Tensor | None = None  # (k, hidden)

    @property
    def k(self) -> int:
        return int(self.embed.shape[0])

    def parameters(self) -> list[torch.Tensor]:
        return [self.embed] if self.head is None else [self.embed, self.head]


def load_published(spec: JanusSpec, dtype: torch.dtype):
    """Processor and model of ``spec.repo`` (a hub id, or a local folder with the same files).

    Hub access goes through :func:`methods.showo.hub.snapshot`: offline, a ConfigError names
    the repo and ``HF_HUB_OFFLINE`` before anything large is allocated.
    """
    from transformers import JanusForConditionalGeneration, JanusProcessor

    from methods.showo.hub import hub_call, snapshot

    repo = str(spec.repo)
    local = Path(repo).expanduser()
    folder = (
        local
        if local.is_dir()
        else snapshot(repo, ["*.json", "*.safetensors", "*.jinja", "*.txt", "*.model"])
    )
    processor = hub_call(repo, lambda: JanusProcessor.from_pretrained(str(folder)))
    model = hub_call(
        repo, lambda: JanusForConditionalGeneration.from_pretrained(str(folder), dtype=dtype)
    )
    return processor, model


class JanusBackbone:
    """Processor + JanusForConditionalGeneration on one device."""

    def __init__(self, spec: JanusSpec, processor, model, device: torch.device, dtype):
        self.spec = spec
        self.processor = processor
        self.model = model
        self.device = device
        self.dtype = dtype

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        config: str | JanusSpec = "published",
        *,
        repo: str | None = None,
        device: str = "auto",
        dtype: str = "auto",
        init_seed: int = 0,
    ) -> JanusBackbone:
        """Build the backbone; the tiny config is random from ``init_seed`` and offline."""
        spec = resolve_spec(config, repo)
        dev = pick_device(device)
        dt = pick_dtype(dtype, dev)
        if spec.is_published:
            processor, model = load_published(spec, dt)
        else:
            from transformers import JanusForConditionalGeneration

            from methods.janus import tiny

            processor = tiny.build_processor(spec)
            torch.manual_seed(init_seed)
            model = JanusForConditionalGeneration(tiny.model_config(spec, processor.tokenizer))
            model.generation_config = tiny.generation_config(spec, processor.tokenizer)
        model.to(device=dev, dtype=dt).eval().requires_grad_(False)
        return cls(spec, processor, model, dev, dt)

    # -- token layout -------------------------------------------------------------------------
    @property
    def tokenizer(self):
        return self.processor.tokenizer

    @property
    def eos_id(self) -> int:
        return int(self.tokenizer.eos_token_id)

    @property
    def num_image_tokens(self) -> int:
        """Tokens of one generated image (576 for the published 384x384 images)."""
        return int(self.model.model.vision_model.config.num_image_tokens)

    @property
    def tied_head(self) -> bool:
        """True when the LM head shares its weight with the input embedding."""
        emb = self.model.get_input_embeddings().weight
        head = self.model.get_output_embeddings().weight
        return emb.data_ptr() == head.data_ptr()

    def add_tokens(self, tokens: Sequence[str]) -> list[int]:
        """Add text tokens; grow the embedding and LM head only if the vocabulary is full."""
        added = self.tokenizer.add_tokens(list(tokens))
        if added != len(tokens):
            raise ValueError(f"some of {list(tokens)[:3]}... already exist in the tokenizer")
        ids = [int(self.tokenizer.convert_tokens_to_ids(t)) for t in tokens]
        rows = self.model.get_input_embeddings().weight.shape[0]
        if max(ids) >= rows:
            self.model.resize_token_embeddings(max(ids) + 1, mean_resizing=False)
            self.model.requires_grad_(False)
        return ids

    def text_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without BOS."""
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def word_rows(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean input-embedding row and mean LM-head row of the tokens of ``text`` (float32)."""
        ids = torch.tensor(self.text_ids(text) or [self.eos_id], device=self.device)
        emb = self.model.get_input_embeddings().weight[ids].float().mean(0)
        head = self.model.get_output_embeddings().weight[ids].float().mean(0)
        return emb.detach().cpu(), head.detach().cpu()

    # -- concept rows -------------------------------------------------------------------------
    @contextlib.contextmanager
    def concept_rows(self, rows: TokenRows | None) -> Iterator[None]:
        """Let ``rows`` stand in for their ids in the embedding and LM head while inside."""
        if rows is None:
            yield
            return
        from torch.nn import functional as F

        s, k = rows.start, rows.k

        def on_embed(_module, args, out):
            ids = args[0]
            sel = (ids >= s) & (ids < s + k)
            if not bool(sel.any()):
                return out
            local = (ids - s).clamp(0, k - 1)
            return torch.where(sel[..., None], rows.embed.to(out.dtype)[local], out)

        def on_head(_module, args, out):
            hidden = args[0]
            weight = rows.embed if rows.head is None else rows.head
            new = F.linear(hidden, weight.to(hidden.dtype)).to(out.dtype)
            return torch.cat([out[..., :s], new, out[..., s + k :]], dim=-1)

        hooks = [
            self.model.get_input_embeddings().register_forward_hook(on_embed),
            self.model.get_output_embeddings().register_forward_hook(on_head),
        ]
        try:
            yield
        finally:
            for h in hooks:
                h.remove()

    # -- prompts ------------------------------------------------------------------------------
    def user_turn(self, parts: Sequence[Any]) -> tuple[str, list[Image.Image]]:
        """One user turn of ``parts`` (strings and PIL images) in the chat template, ready for
        the assistant's reply; returns the text and the images in order."""
        content = [
            {"type": "text", "text": p} if isinstance(p, str) else {"type": "image"} for p in parts
        ]
        text = self.processor.apply_chat_template(
            [{"role": "user", "content": content}], add_generation_prompt=True
        )
        if isinstance(text, list):
            text = text[0]
        return text, [p for p in parts if not isinstance(p, str)]

    def _encode_turns(self, conversations: Sequence[Sequence[Any]]) -> dict[str, torch.Tensor]:
        texts, images = [], []
        for parts in conversations:
            text, imgs = self.user_turn(parts)
            texts.append(text)
            images.extend(img.convert("RGB") for img in imgs)
        batch = self.processor(text=texts, images=images or None, padding=True, return_tensors="pt")
        out = {k: v.to(self.device) for k, v in batch.items()}
        if "pixel_values" in out:
            out["pixel_values"] = out["pixel_values"].to(self.dtype)
        return out

    # -- understanding -----------------------------------------------------------------------
    def _text_config(self, prompt_length: int, max_new_tokens: int):
        gc = copy.deepcopy(self.model.generation_config)
        gc.max_new_tokens = None  # as max_length, so transformers has one limit to reconcile
        gc.max_length = int(prompt_length) + int(max_new_tokens)
        gc.do_sample = False
        gc.temperature = None
        gc.top_p = None
        gc.top_k = None
        gc.num_return_sequences = 1
        gc.guidance_scale = None
        gc.eos_token_id = self.eos_id
        gc.pad_token_id = self.tokenizer.pad_token_id
        return gc

    def answer_batch(
        self,
        conversations: Sequence[Sequence[Any]],
        *,
        max_new_tokens: int | None = None,
        rows: TokenRows | None = None,
    ) -> list[str]:
        """Greedy replies to user turns (each a list of text and images), one per turn."""
        ids = self.reply_ids(conversations, max_new_tokens=max_new_tokens, rows=rows)
        return [self.decode_text(r) for r in ids]

    @torch.no_grad()
    def reply_ids(
        self,
        conversations: Sequence[Sequence[Any]],
        *,
        max_new_tokens: int | None = None,
        rows: TokenRows | None = None,
    ) -> list[list[int]]:
        """Token ids of the greedy replies, up to (without) the end-of-sentence token.

        The batch is left-padded by the processor; transformers derives position ids from the
        attention mask, so each reply is the one the turn gets alone.
        """
        if not conversations:
            return []
        inputs = self._encode_turns(conversations)
        gc = self._text_config(
            inputs["input_ids"].shape[1], max_new_tokens or self.spec.max_new_tokens
        )
        with self.concept_rows(rows), quiet_transformers():
            out = self.model.generate(**inputs, generation_config=gc, generation_mode="text")
        replies = []
        for row in out[:, inputs["input_ids"].shape[1] :].tolist():
            replies.append(row[: row.index(self.eos_id)] if self.eos_id in row else row)
        return replies

    def decode_text(self, ids: list[int]) -> str:
        """Text of generated ids (special tokens dropped, outer spaces stripped)."""
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()

    # -- generation --------------------------------------------------------------------------
    def generation_text(self, prompt: str) -> str:
        """The chat-formatted text of an image prompt (the processor appends begin-of-image)."""
        return self.user_turn([prompt])[0]

    @torch.no_grad()
    def generate_codes(
        self,
        prompts: Sequence[str],
        seeds: Sequence[int],
        *,
        guidance_scale: float | None = None,
        temperature: float | None = None,
        rows: TokenRows | None = None,
    ) -> torch.Tensor:
        """Image tokens (len(prompts), num_image_tokens); row i from image seed ``seeds[i]``."""
        from transformers import LogitsProcessorList

        from methods.janus.sampling import SeededGuidedSampler
        from methods.noise import row_uniforms

        if len(prompts) != len(seeds):
            raise ValueError(f"{len(prompts)} prompts but {len(seeds)} seeds")
        texts = [self.generation_text(p) for p in prompts]
        batch = self.processor(
            text=texts, generation_mode="image", padding=True, return_tensors="pt"
        )
        batch = {k: v.to(self.device) for k, v in batch.items()}
        g = self.spec.guidance_scale if guidance_scale is None else float(guidance_scale)
        t = self.spec.temperature if temperature is None else float(temperature)
        sampler = SeededGuidedSampler(g, t, row_uniforms(seeds, (self.num_image_tokens,)))
        gc = copy.deepcopy(self.model.generation_config)
        gc.guidance_scale = 1  # guidance is applied by the sampler (see its module docstring)
        gc.do_sample = False
        gc.num_return_sequences = 1
        gc.temperature = None
        gc.top_p = None
        gc.top_k = None
        with self.concept_rows(rows), quiet_transformers():
            return self.model.generate(
                **batch,
                generation_config=gc,
                generation_mode="image",
                logits_processor=LogitsProcessorList([sampler]),
            )

    @torch.no_grad()
    def decode(self, codes: torch.Tensor) -> list[Image.Image]:
        """Image tokens -> RGB PIL images (the image processor's mean/std undone, as uint8).

        One image per decoder call: convolution results can differ in the last bit with the
        batch size, and an image must not depend on the batch it was drawn in.
        """
        import numpy as np
        from PIL import Image as PILImage

        codes = codes.to(self.device)
        x = torch.cat([self.model.decode_image_tokens(c[None]) for c in codes]).float().cpu()
        ip = self.processor.image_processor
        mean = torch.tensor(ip.image_mean, dtype=torch.float32)
        std = torch.tensor(ip.image_std, dtype=torch.float32)
        arr = ((x * std + mean) * 255.0).clamp(0, 255).numpy().astype(np.uint8)
        return [PILImage.fromarray(a) for a in arr]

    # -- images for training ------------------------------------------------------------------
    def pixel_values(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Images resized, padded to square and normalised by the processor: (B, 3, S, S)."""
        out = self.processor.image_processor(
            [im.convert("RGB") for im in images], return_tensors="pt"
        )
        return out["pixel_values"].to(self.device, self.dtype)

    @torch.no_grad()
    def encode_images(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """VQ image tokens of ``images`` (B, num_image_tokens): what generation predicts."""
        enc = self.model.model.vqmodel.encode(self.pixel_values(images))
        return enc.image_tokens.view(len(images), -1)
