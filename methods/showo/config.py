"""Configuration of the Show-o backbone: the published 512x512 model and a tiny CPU variant.

Published values are facts read from the public Show-o release
(``configs/showo_demo_512x512.yaml``, ``models/modeling_magvitv2.py``) and from the
``microsoft/phi-1_5`` configuration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from unifybench.errors import ConfigError

# The nine task tokens Show-o adds after "[PAD]"; with "[PAD]" they are the ten new special tokens.
SPECIAL_TOKENS: tuple[str, ...] = (
    "<|soi|>",
    "<|eoi|>",
    "<|sov|>",
    "<|eov|>",
    "<|t2i|>",
    "<|mmu|>",
    "<|t2v|>",
    "<|v2v|>",
    "<|lvg|>",
)
PAD_TOKEN = "[PAD]"


@dataclass(frozen=True)
class PhiConfig:
    """The language model's shape (a Phi-1.5 decoder)."""

    hidden_size: int = 2048
    intermediate_size: int = 8192
    num_hidden_layers: int = 24
    num_attention_heads: int = 32
    partial_rotary_factor: float = 0.5
    rope_theta: float = 10000.0
    layer_norm_eps: float = 1e-5
    max_position_embeddings: int = 2048
    hidden_act: str = "gelu_new"


@dataclass(frozen=True)
class MagvitConfig:
    """The MAGVIT-v2 tokenizer's shape (encoder, lookup-free quantiser, decoder)."""

    ch: int = 128
    encoder_ch_mult: tuple[int, ...] = (1, 2, 2, 4, 4)
    encoder_num_res_blocks: tuple[int, ...] = (4, 3, 4, 3, 4)
    decoder_ch_mult: tuple[int, ...] = (1, 1, 2, 2, 4)
    decoder_num_res_blocks: tuple[int, ...] = (4, 4, 3, 4, 3)
    # Published value 5 never matches a feature-map size, so no attention blocks outside "mid".
    attn_resolutions: tuple[int, ...] = (5,)
    # The nominal resolution the published module was built with (only affects attn placement).
    resolution: int = 256
    z_channels: int = 13  # = codebook bits: 2**13 = 8192 codes
    in_ch: int = 3
    out_ch: int = 3
    norm_groups: int = 32

    @property
    def codebook_size(self) -> int:
        return 2**self.z_channels

    @property
    def downsample_factor(self) -> int:
        return 2 ** (len(self.encoder_ch_mult) - 1)


@dataclass(frozen=True)
class ShowoConfig:
    """Everything that fixes the backbone's shapes, token layout and sampling defaults."""

    name: str = "show-o-512x512"
    showo_repo: str | None = "showlab/show-o-512x512"
    vq_repo: str | None = "showlab/magvitv2"
    tokenizer_repo: str | None = "microsoft/phi-1_5"
    llm_vocab_size: int = 50295  # len(phi-1.5 tokenizer) before Show-o's additions
    num_new_special_tokens: int = 10  # [PAD] + the nine task tokens
    image_size: int = 512
    max_text_len: int = 128  # config "max_seq_length": text slots of a t2i prompt
    phi: PhiConfig = field(default_factory=PhiConfig)
    magvit: MagvitConfig = field(default_factory=MagvitConfig)
    # Sampling defaults used by the UniCTokens evaluation scripts.
    generation_steps: int = 50
    guidance_scale: float = 5.0
    max_new_tokens: int = 100

    @property
    def codebook_size(self) -> int:
        return self.magvit.codebook_size

    @property
    def num_vq_tokens(self) -> int:
        side = self.image_size // self.magvit.downsample_factor
        return side * side

    @property
    def vocab_size(self) -> int:
        """Rows of the embedding: text + special tokens + image codes + one mask token."""
        return self.llm_vocab_size + self.num_new_special_tokens + self.codebook_size + 1

    @property
    def is_published(self) -> bool:
        return self.showo_repo is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, for provenance records."""
        return asdict(self)


def published() -> ShowoConfig:
    """The released Show-o 512x512 model (vocab 58498, 1024 image tokens per 512 image)."""
    return ShowoConfig()


def tiny() -> ShowoConfig:
    """A tiny random configuration for CPU tests: never touches the network.

    Its text tokenizer is the in-memory byte-level tokenizer of :mod:`methods.showo.tokenizer`
    (256 byte tokens + ``<|endoftext|>``), images are 32x32 with 8x8 = 64 codes of 6 bits.
    """
    return ShowoConfig(
        name="tiny",
        showo_repo=None,
        vq_repo=None,
        tokenizer_repo=None,
        llm_vocab_size=257,
        image_size=32,
        max_text_len=40,
        phi=PhiConfig(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            max_position_embeddings=512,
        ),
        magvit=MagvitConfig(
            ch=32,
            encoder_ch_mult=(1, 1, 2),
            encoder_num_res_blocks=(1, 1, 1),
            decoder_ch_mult=(1, 1, 2),
            decoder_num_res_blocks=(1, 1, 1),
            resolution=32,
            z_channels=6,
        ),
        generation_steps=4,
        guidance_scale=5.0,
        max_new_tokens=8,
    )


def phi15_width(num_hidden_layers: int = 1) -> ShowoConfig:
    """Phi-1.5's width (hidden size 2048, 32 heads) on the tiny vocabulary and images.

    For tests that need the published row width (e.g. importing a 25 x 2048 concept checkpoint)
    without the memory of the full model. Never touches the network.
    """
    base = tiny()
    return replace(
        base,
        name=f"phi15-width-{num_hidden_layers}-layers",
        phi=replace(PhiConfig(), num_hidden_layers=num_hidden_layers, intermediate_size=256),
    )


_NAMED = {
    "published": published,
    "show-o-512x512": published,
    "tiny": tiny,
    "phi15-width": phi15_width,
}


def resolve_config(config: str | ShowoConfig) -> ShowoConfig:
    """Turn a name (``"published"``, ``"tiny"``) or a config into a config."""
    if isinstance(config, ShowoConfig):
        return config
    factory = _NAMED.get(str(config))
    if factory is None:
        raise ConfigError(f"unknown Show-o config '{config}'; expected one of {sorted(_NAMED)}")
    return factory()


def random_weights_caveat(config: str | ShowoConfig) -> str | None:
    """The warning every result of a random-weight configuration carries (None when published)."""
    if resolve_config(config).is_published:
        return None
    name = config if isinstance(config, str) else "custom"
    return (
        f"config {name!r} is a randomly initialised Show-o backbone (no published weights): "
        "its scores are meaningless and only show that the pipeline runs"
    )


def unit_resources(config: str | ShowoConfig, device: str) -> dict[str, float]:
    """Ray resources of one (method x concept) unit: a GPU for the published backbone.

    Random-weight test configs and ``device="cpu"`` ask for none, so they run on CPU clusters.
    """
    on_gpu = device != "cpu" and resolve_config(config).is_published
    return {"num_cpus": 1, "num_gpus": 1 if on_gpu else 0}
