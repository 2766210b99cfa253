"""A tiny Janus built offline: byte tokenizer, processor with Janus' prompt layout, random model.

Everything here uses the transformers classes (``JanusConfig``, ``JanusProcessor``,
``JanusImageProcessorPil``, ``JanusForConditionalGeneration``) with small shapes, so tests
exercise the same code paths as the published checkpoints: SigLIP-style understanding encoder
(32x32 images, 16 placeholder tokens), Llama decoder, VQ image tokenizer (4x4 = 16 codes per
32x32 image) and the generation head.

The prompt layout of the chat template is Janus-Pro's as documented by transformers' processor
tests: ``<|User|>: text\\n<image_placeholder>\\n\\n<|Assistant|>:``, text parts of one turn joined
by a space, image parts by newlines, an assistant turn closed by the end-of-sentence token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from methods.janus.config import JanusSpec

if TYPE_CHECKING:
    from transformers import (
        GenerationConfig,
        JanusConfig,
        JanusProcessor,
        PreTrainedTokenizerFast,
    )

IMAGE_TOKEN = "<image_placeholder>"
BOI_TOKEN = "<begin_of_image>"
EOI_TOKEN = "<end_of_image>"
BOS_TOKEN = "<｜begin▁of▁sentence｜>"
EOS_TOKEN = "<｜end▁of▁sentence｜>"
PAD_TOKEN = "<｜▁pad▁｜>"
TINY_IMAGE_TOKENS = 16  # (32 / 8) ** 2 placeholder tokens per understood image

# Written for this project from the documented layout (not copied from a hub template).
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] | lower == 'user' -%}"
    "{{ '<|User|>: ' }}"
    "{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'image' -%}"
    "{%- if not loop.first %}{{ '\\n' }}{% endif -%}<image_placeholder>"
    "{%- if not loop.last %}{{ '\\n' }}{% endif -%}"
    "{%- else -%}"
    "{%- set prev = message['content'][loop.index0 - 1] if not loop.first else none -%}"
    "{%- if prev is not none and prev['type'] == 'text' %}{{ ' ' }}{% endif -%}"
    "{{ part['text'] | trim }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{{ '\\n\\n' }}"
    "{%- else -%}"
    "{{ '<|Assistant|>: ' }}"
    "{%- for part in message['content'] %}{{ part['text'] | trim }}{% endfor -%}"
    "<｜end▁of▁sentence｜>"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt %}<|Assistant|>:{% endif -%}"
)


def build_tokenizer() -> PreTrainedTokenizerFast:
    """256 byte tokens, then the image, begin/end-of-image, BOS, EOS and pad tokens (262).

    BOS is prepended to every encoded text, as Janus' tokenizer does.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    from methods.showo.tokenizer import _byte_symbols

    vocab = {sym: i for i, sym in enumerate(_byte_symbols())}
    for tok in (IMAGE_TOKEN, BOI_TOKEN, EOI_TOKEN, BOS_TOKEN, EOS_TOKEN, PAD_TOKEN):
        vocab[tok] = len(vocab)
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    core.decoder = decoders.ByteLevel()
    core.post_processor = processors.TemplateProcessing(
        single=f"{BOS_TOKEN} $A",
        pair=f"{BOS_TOKEN} $A $B",
        special_tokens=[(BOS_TOKEN, vocab[BOS_TOKEN])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token=BOS_TOKEN,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        padding_side="left",
        model_max_length=4096,
        extra_special_tokens={
            "image_token": IMAGE_TOKEN,
            "boi_token": BOI_TOKEN,
            "eoi_token": EOI_TOKEN,
        },
    )


def build_processor(spec: JanusSpec) -> JanusProcessor:
    """The tiny tokenizer and Janus' image processor at ``spec.image_size``, with the template."""
    from transformers import JanusImageProcessorPil, JanusProcessor

    size = spec.image_size
    # Janus-Pro normalises to [-1, 1] (mean = std = 0.5), which its VQ encoder also expects.
    images = JanusImageProcessorPil(
        size={"height": size, "width": size}, image_mean=[0.5] * 3, image_std=[0.5] * 3
    )
    return JanusProcessor(
        image_processor=images,
        tokenizer=build_tokenizer(),
        chat_template=CHAT_TEMPLATE,
        num_image_tokens=TINY_IMAGE_TOKENS,
        use_default_system_prompt=False,
    )


def model_config(spec: JanusSpec, tokenizer: PreTrainedTokenizerFast) -> JanusConfig:
    """A JanusConfig of the tiny shapes (Llama decoder, SigLIP encoder, VQ with 64 codes)."""
    from transformers import JanusConfig

    h = spec.tiny_hidden
    patch = spec.image_size // 4  # 4 x 4 patches = TINY_IMAGE_TOKENS
    return JanusConfig(
        text_config={
            "model_type": "llama",
            "vocab_size": len(tokenizer),
            "hidden_size": h,
            "intermediate_size": 2 * h,
            "num_hidden_layers": spec.tiny_layers,
            "num_attention_heads": 4,
            "num_key_value_heads": 4,
            "max_position_embeddings": 2048,
            "pad_token_id": tokenizer.pad_token_id,
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "tie_word_embeddings": False,
        },
        vision_config={
            "image_size": spec.image_size,
            "patch_size": patch,
            "num_image_tokens": TINY_IMAGE_TOKENS,
            "hidden_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 4,
            "mlp_ratio": 2,
            "projection_dim": h,
        },
        vq_config={
            "embed_dim": 8,
            "num_embeddings": 64,
            "latent_channels": 8,
            "base_channels": 32,  # GroupNorm(32) needs at least 32 channels
            "channel_multiplier": [1, 1, 2, 2],  # 8x: 4x4 codes -> 32x32 pixels
            "num_res_blocks": 1,
            "projection_dim": h,
            "image_token_embed_dim": h,
        },
        image_token_id=tokenizer.convert_tokens_to_ids(IMAGE_TOKEN),
        tie_word_embeddings=False,
    )


def generation_config(spec: JanusSpec, tokenizer: PreTrainedTokenizerFast) -> GenerationConfig:
    """What the published checkpoints ship as generation_config.json, for the tiny tokenizer."""
    from transformers import GenerationConfig

    return GenerationConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        guidance_scale=spec.guidance_scale,
        generation_kwargs={"boi_token_id": tokenizer.convert_tokens_to_ids(BOI_TOKEN)},
    )
