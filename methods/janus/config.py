"""Which Janus-Pro to run: the published 1B / 7B checkpoints on the hub, or a tiny random one.

The published checkpoints are the transformers conversions ``deepseek-community/Janus-Pro-1B``
and ``deepseek-community/Janus-Pro-7B`` (the ids the transformers documentation loads with
``JanusForConditionalGeneration``). A configuration names the hub repo; ``repo=...`` overrides it
(e.g. a fine-tuned conversion or a local folder).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from unifybench.errors import ConfigError

JANUS_PRO_1B = "deepseek-community/Janus-Pro-1B"
JANUS_PRO_7B = "deepseek-community/Janus-Pro-7B"


@dataclass(frozen=True)
class JanusSpec:
    """A Janus backbone: where its weights come from and the sampling defaults it uses."""

    name: str = "janus-pro-1b"
    repo: str | None = JANUS_PRO_1B  # None: tiny random weights built offline
    image_size: int = 384  # generated images (24 x 24 tokens of a 16x VQ), as published
    guidance_scale: float = 5.0  # classifier-free guidance of image generation (model card)
    temperature: float = 1.0
    max_new_tokens: int = 100
    # Tiny configuration only (ignored when weights come from the hub).
    tiny_hidden: int = 64
    tiny_layers: int = 2

    @property
    def is_published(self) -> bool:
        return self.repo is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, for provenance records."""
        return asdict(self)


def janus_pro_1b() -> JanusSpec:
    """Janus-Pro-1B (``deepseek-community/Janus-Pro-1B``)."""
    return JanusSpec()


def janus_pro_7b() -> JanusSpec:
    """Janus-Pro-7B (``deepseek-community/Janus-Pro-7B``)."""
    return JanusSpec(name="janus-pro-7b", repo=JANUS_PRO_7B)


def tiny() -> JanusSpec:
    """Random tiny weights for CPU tests: 32x32 images of 4x4 tokens, never touches the network."""
    return JanusSpec(name="tiny", repo=None, image_size=32, max_new_tokens=8)


_NAMED = {
    "published": janus_pro_1b,
    "1b": janus_pro_1b,
    "janus-pro-1b": janus_pro_1b,
    "7b": janus_pro_7b,
    "janus-pro-7b": janus_pro_7b,
    "tiny": tiny,
}


def resolve_spec(config: str | JanusSpec, repo: str | None = None) -> JanusSpec:
    """A name (``published`` = ``1b``, ``7b``, ``tiny``) or a spec; ``repo`` replaces the hub id."""
    if isinstance(config, JanusSpec):
        spec = config
    else:
        factory = _NAMED.get(str(config).lower())
        if factory is None:
            raise ConfigError(f"unknown Janus config '{config}'; expected one of {sorted(_NAMED)}")
        spec = factory()
    if repo:
        if not spec.is_published:
            raise ConfigError(f"parameter 'repo' ({repo!r}) needs a published config, not 'tiny'")
        spec = replace(spec, repo=str(repo))
    return spec


def random_weights_caveat(config: str | JanusSpec) -> str | None:
    """The warning every result of a random-weight configuration carries (None when published)."""
    if resolve_spec(config).is_published:
        return None
    name = config if isinstance(config, str) else "custom"
    return (
        f"config {name!r} is a randomly initialised Janus-Pro backbone (no published weights): "
        "its scores are meaningless and only show that the pipeline runs"
    )


def unit_resources(config: str | JanusSpec, device: str) -> dict[str, float]:
    """Ray resources of one (method x concept) unit: a GPU for published weights, else none."""
    on_gpu = device != "cpu" and resolve_spec(config).is_published
    return {"num_cpus": 1, "num_gpus": 1 if on_gpu else 0}
