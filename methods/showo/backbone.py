"""The Show-o backbone as one object: tokenizer, transformer, image tokenizer, and the two decoders.

``ShowoBackbone.create(config)`` builds it (tiny: random weights, offline; published: weights from
the hub). Understanding decodes greedily with a KV cache (``understanding.py``: one loop for one
question or a left-padded batch); generation is MaskGIT parallel decoding with classifier-free
guidance and the cosine schedule (``sampler.py``: one sampler, per-image noise streams).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch

from methods.showo.config import ShowoConfig, resolve_config
from methods.showo.magvit import MAGVITv2
from methods.showo.model import ConceptRows, ShowoLM
from methods.showo.prompting import SpecialIds, chat_prompt, mmu_prefix, t2i_sequence

if TYPE_CHECKING:
    from PIL import Image


def pick_device(device: str = "auto") -> torch.device:
    """``auto`` -> CUDA when present, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


DTYPES = ("float32", "bfloat16", "float16")


def pick_dtype(dtype: str = "float32") -> torch.dtype:
    """The backbone's dtype; float32 by default, as the published inference and evaluation run.

    bfloat16 / float16 are explicit choices (recorded in the method's parameters): they change
    argmax decisions and generated codes compared with the published code.
    """
    if dtype not in DTYPES:
        from unifybench.errors import ConfigError

        raise ConfigError(f"dtype {dtype!r}: expected one of {list(DTYPES)}")
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]


def to_uint8(pixels: torch.Tensor):
    """(B, 3, H, W) decoder output in about [-1, 1] -> (B, H, W, 3) uint8 numpy array.

    As the published scripts save images: ``clamp((x + 1) / 2, 0, 1) * 255`` truncated (numpy
    ``astype(uint8)``), not rounded.
    """
    import numpy as np

    x = torch.clamp((pixels.float() + 1.0) / 2.0, min=0.0, max=1.0) * 255.0
    return x.permute(0, 2, 3, 1).cpu().numpy().astype(np.uint8)


class ShowoBackbone:
    """Tokenizer + ShowoLM + MAGVITv2 on one device, with Show-o's token layout."""

    def __init__(self, config: ShowoConfig, tokenizer, lm: ShowoLM, vq: MAGVITv2, device, dtype):
        self.config = config
        self.tokenizer = tokenizer
        self.lm = lm
        self.vq = vq
        self.device = device
        self.dtype = dtype

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        config: str | ShowoConfig = "published",
        *,
        device: str = "auto",
        dtype: str = "float32",
        init_seed: int = 0,
    ) -> ShowoBackbone:
        """Build the backbone; published configs download their weights through the hub.

        Tiny configs are randomly initialised from ``init_seed`` and never touch the network.
        ``dtype`` is the transformer's (float32 = the published precision); MAGVIT-v2 always
        runs in float32.
        """
        from methods.showo.hub import snapshot
        from methods.showo.tokenizer import load_text_tokenizer

        config = resolve_config(config)
        dev = pick_device(device)
        dt = pick_dtype(dtype)
        # Hub files first, so that a missing network fails before any large allocation.
        lm_dir = (
            snapshot(config.showo_repo, ["*.json", "*.safetensors", "*.bin"])
            if config.showo_repo
            else None
        )
        vq_dir = (
            snapshot(config.vq_repo, ["*.json", "*.safetensors", "*.bin"])
            if config.vq_repo
            else None
        )
        tokenizer = load_text_tokenizer(config)
        torch.manual_seed(init_seed)
        with torch.device(dev):
            lm = ShowoLM(config)
            vq = MAGVITv2(config.magvit)
        if lm_dir is not None:
            lm.load_published(lm_dir)
        if vq_dir is not None:
            vq.load_published(vq_dir)
        lm.to(dtype=dt).eval().requires_grad_(False)
        vq.eval().requires_grad_(False)
        if len(tokenizer) != config.llm_vocab_size + config.num_new_special_tokens:
            raise AssertionError("tokenizer does not have Show-o's layout")
        return cls(config, tokenizer, lm, vq, dev, dt)

    # -- token layout -------------------------------------------------------------------------
    @property
    def text_vocab_size(self) -> int:
        """Ids below this are text (incl. special and concept tokens); image codes start here."""
        return len(self.tokenizer)

    @property
    def mask_id(self) -> int:
        return self.lm.mask_token_id

    @property
    def special(self) -> SpecialIds:
        t = self.tokenizer
        conv = t.convert_tokens_to_ids
        return SpecialIds(
            pad=t.pad_token_id,
            bos=t.bos_token_id,
            eos=t.eos_token_id,
            soi=conv("<|soi|>"),
            eoi=conv("<|eoi|>"),
            t2i=conv("<|t2i|>"),
            mmu=conv("<|mmu|>"),
        )

    def add_tokens(self, tokens: list[str]) -> list[int]:
        """Add text tokens right after the text vocabulary; image codes and mask shift up."""
        at = len(self.tokenizer)
        added = self.tokenizer.add_tokens(tokens)
        if added != len(tokens):
            raise ValueError(f"some of {tokens[:3]}... already exist in the tokenizer")
        self.lm.insert_rows(at, len(tokens))
        return list(range(at, at + len(tokens)))

    def text_ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    # -- images ---------------------------------------------------------------------------------
    def pixels(self, images: list[Image.Image], flips: list[bool] | None = None) -> torch.Tensor:
        """The published transform (``methods.showo.pixels``): (B, 3, size, size) in [-1, 1].

        ``flips[i]`` flips image ``i`` horizontally after the crop, where the published
        evaluation applies its random flip.
        """
        from methods.showo.pixels import reference_pixels

        size = self.config.image_size
        flips = flips or [False] * len(images)
        out = [reference_pixels(img, size, flip=f) for img, f in zip(images, flips, strict=True)]
        return torch.stack(out).to(self.device)

    def encode(self, images: list[Image.Image] | torch.Tensor) -> torch.Tensor:
        """Images -> codes (B, num_vq_tokens) in [0, codebook_size)."""
        px = images if isinstance(images, torch.Tensor) else self.pixels(images)
        return self.vq.get_code(px.to(self.device, next(self.vq.parameters()).dtype))

    def decode(self, codes: torch.Tensor) -> list[Image.Image]:
        """Codes -> RGB PIL images of ``image_size``.

        Pixels as the published scripts save them: ``clamp((x + 1) / 2, 0, 1) * 255`` truncated
        to uint8 (not rounded).
        """
        from PIL import Image as PILImage

        arrays = to_uint8(self.vq.decode_code(codes.to(self.device)))
        return [PILImage.fromarray(a) for a in arrays]

    def blank_image(self) -> Image.Image:
        """The black placeholder used where a question has no image."""
        from PIL import Image as PILImage

        return PILImage.new("RGB", (self.config.image_size, self.config.image_size))

    # -- understanding -----------------------------------------------------------------------
    def mmu_ids(self, question: str, codes: torch.Tensor) -> list[int]:
        """The published understanding sequence for image ``codes`` (one image, codebook ids).

        ``<|mmu|> <|soi|> image <|eoi|> <bos>`` then ``USER: <question> ASSISTANT:``.
        """
        sp = self.special
        image = (codes + self.text_vocab_size).tolist()
        return [*mmu_prefix(image, sp), sp.bos, *self.text_ids(chat_prompt(question))]

    def answer_ids(
        self,
        question: str,
        image: Image.Image | None,
        *,
        rows: ConceptRows | None = None,
        max_new_tokens: int | None = None,
        flip: bool = False,
    ) -> list[int]:
        """Greedy continuation of the understanding prompt (KV-cached), without the final EOS.

        ``flip`` flips the image after the crop (the published evaluation's random flip).
        """
        from methods.showo.understanding import greedy_answer_ids

        return greedy_answer_ids(
            self, [question], [image], flips=[flip], rows=rows, max_new_tokens=max_new_tokens
        )[0]

    def answer(
        self,
        question: str,
        image: Image.Image | None,
        *,
        rows: ConceptRows | None = None,
        max_new_tokens: int | None = None,
        flip: bool = False,
    ) -> str:
        """Greedy answer to ``question`` about ``image`` (published mmu prompt, at most
        ``max_new_tokens`` new tokens), decoded without special tokens and stripped."""
        out = self.answer_ids(question, image, rows=rows, max_new_tokens=max_new_tokens, flip=flip)
        return self.tokenizer.decode(out, skip_special_tokens=True).strip()

    def answer_batch(
        self,
        questions: Sequence[str],
        images: Sequence[Image.Image | None],
        *,
        flips: Sequence[bool] | None = None,
        rows: ConceptRows | None = None,
        max_new_tokens: int | None = None,
    ) -> list[str]:
        """:meth:`answer` for several questions in one left-padded batch; each answer equals
        the one its question gets alone (``methods.showo.understanding``)."""
        from methods.showo.understanding import greedy_answer_ids

        ids = greedy_answer_ids(
            self, questions, images, flips=flips, rows=rows, max_new_tokens=max_new_tokens
        )
        return [self.tokenizer.decode(o, skip_special_tokens=True).strip() for o in ids]

    # -- generation --------------------------------------------------------------------------
    def t2i_batch(self, prompts: list[str], image_ids: torch.Tensor) -> torch.Tensor:
        """t2i sequences for ``prompts`` with the given image token ids (B, N)."""
        sp = self.special
        rows = [
            t2i_sequence(self.text_ids(p), img.tolist(), sp, self.config.max_text_len)
            for p, img in zip(prompts, image_ids, strict=True)
        ]
        return torch.tensor(rows, device=self.device)

    def generate_codes(
        self, prompts: Sequence[str], seeds: Sequence[int], **kwargs: Any
    ) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
        """MaskGIT codes (B, N) of one image per prompt and the predictions at ``return_steps``.

        The one Show-o sampler, :func:`methods.showo.sampler.maskgit_codes` (its docstring: the
        noise modes; keywords ``noise``, ``steps``, ``guidance_scale``, ``temperature``, ``rows``,
        ``return_steps``). With ``noise="per-image"`` (default) image ``i`` draws only from a
        generator seeded ``seeds[i]``.
        """
        from methods.showo.sampler import maskgit_codes

        return maskgit_codes(self, prompts, seeds, **kwargs)

    def generate_images(
        self, prompts: Sequence[str], n: int, seeds: Sequence[int], **kwargs: Any
    ) -> list[list[Image.Image]]:
        """``n`` images per prompt; image ``k`` of prompt ``i`` from ``image_seed(seeds[i], k)``
        alone (:func:`methods.showo.sampler.generate_images`: ``batch_size``, ``steps``,
        ``guidance_scale``, ``rows``, ``output_size``)."""
        from methods.showo.sampler import generate_images

        return generate_images(self, prompts, n, seeds, **kwargs)
