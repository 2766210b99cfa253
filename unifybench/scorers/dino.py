"""DINO image similarity: DINO (v1) ViT-S/8 and DINOv2-small, as DreamBench++ computes them.

For each generated image: the mean cosine similarity of its CLS embedding to the CLS embedding of
every reference image of the concept (``concept.train_images``; DreamBench++ has one). Raw cosine
(the published script prints 100x; its paper and this harness report the cosine). Item value =
mean over the prompt's images; the concept value = mean over all its images; the protocol flag
``image_score_pooling`` ``images`` (DreamBench++'s published pooling) weights each concept by its
number of images, i.e. one mean over all images, ``concepts`` weighs concepts equally.

Models and preprocessing (yuangpeng/dreambench_plus ``dreambench_plus/metrics/dino_score.py``):

- ``dino-vits8``: DINO ViT-S/8, which the published script loads with ``torch.hub`` from
  facebookresearch/dino; here the same checkpoint through ``timm`` (``vit_small_patch8_224.dino``,
  hub repo ``timm/vit_small_patch8_224.dino``), whose output is the CLS token after the final
  norm, as the published model returns it. Images: EXIF orientation applied, transparency on
  white, RGB (the published ``load_image``), resize the short side to 256 (bicubic), centre
  crop 224, ImageNet mean/std.
- ``dinov2-small``: ``transformers`` ``Dinov2Model`` ``facebook/dinov2-small``,
  ``last_hidden_state[:, 0]`` (the CLS token after the final layer norm), with the preprocessing
  of its ``BitImageProcessor`` (the same resize and normalisation; its centre crop rounds the
  offsets down; checked against the processor in the tests).

Weights come from the Hugging Face hub on first use (cached by ``huggingface_hub``); offline the
scorer is skipped with the reason. Tests build tiny randomly initialised models of the same
classes (:func:`build_random_dino`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unifybench.errors import ConfigError, ScorerUnavailable
from unifybench.metrics import MetricSpec
from unifybench.protocols import Protocol
from unifybench.scorers.base import POOL_WEIGHT, Score, ScoringInput, SpecScorer
from unifybench.scorers.spec import ScorerContext, ScorerSpec

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RESIZE, CROP = 256, 224


@dataclass(frozen=True)
class Backbone:
    """Where a DINO model comes from: ``library`` ``timm`` or ``transformers``."""

    implementation: str
    library: str
    name: str  # timm model name or transformers repo id
    hub_repo: str
    display: str


BACKBONES: dict[str, Backbone] = {
    "dino-vits8": Backbone(
        "dino-vits8",
        "timm",
        "vit_small_patch8_224.dino",
        "timm/vit_small_patch8_224.dino",
        "DINO ViT-S/8",
    ),
    "dinov2-small": Backbone(
        "dinov2-small",
        "transformers",
        "facebook/dinov2-small",
        "facebook/dinov2-small",
        "DINOv2-small",
    ),
}


def how_to_get(backbone: Backbone) -> str:
    return (
        f"{backbone.display} weights come from the Hugging Face hub (repo {backbone.hub_repo}): "
        "run once with network access (HF_HUB_OFFLINE unset) so huggingface_hub caches them, or "
        f"copy a cache that holds them (`hf download {backbone.hub_repo}` on another machine, "
        "HF_HOME)"
    )


def load_backbone(backbone: Backbone, device: str) -> Any:
    """The pretrained model (eval mode); ScorerUnavailable with instructions when unavailable."""
    try:
        if backbone.library == "timm":
            import timm

            model = timm.create_model(backbone.name, pretrained=True, num_classes=0)
        else:
            from transformers import Dinov2Model

            model = Dinov2Model.from_pretrained(backbone.name)
    except ImportError as err:
        raise ScorerUnavailable(
            f"{backbone.display} needs {err.name or 'timm/transformers'} (pip install "
            f"'unifybench[dino]'); {how_to_get(backbone)}"
        ) from err
    except Exception as err:  # offline hub, download failure, corrupt cache
        raise ScorerUnavailable(
            f"{backbone.display} weights (hub repo {backbone.hub_repo}) are not available here "
            f"({type(err).__name__}). {how_to_get(backbone)}. Error: {err}"
        ) from err
    return model.to(device).eval()


def build_random_dino(implementation: str, seed: int = 0, width: int = 32) -> Any:
    """A tiny randomly initialised model of the class the backbone uses (tests only)."""
    import torch

    backbone = BACKBONES[implementation]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if backbone.library == "timm":
            from timm.models.vision_transformer import VisionTransformer

            model = VisionTransformer(
                img_size=CROP,
                patch_size=32,
                embed_dim=width,
                depth=1,
                num_heads=2,
                num_classes=0,
            )
        else:
            from transformers import Dinov2Config, Dinov2Model

            config = Dinov2Config(
                hidden_size=width,
                num_hidden_layers=1,
                num_attention_heads=2,
                intermediate_size=2 * width,
                patch_size=14,
                image_size=CROP,
            )
            model = Dinov2Model(config)
    return model.eval()


def open_like_published(data: bytes) -> Any:
    """A PIL RGB image as the published ``load_image`` makes it: EXIF orientation applied,
    transparency composited on white."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as raw:
        img = ImageOps.exif_transpose(raw)
        if img.mode == "RGBA":
            img = Image.alpha_composite(Image.new("RGBA", img.size, "white"), img)
        return img.convert("RGB")


def floor_center_crop(img: Any, size: int = CROP) -> Any:
    """A centre crop whose offsets are rounded down, as transformers' image processors crop
    (torchvision's CenterCrop rounds them to nearest: one pixel apart on odd margins)."""
    left, top = (img.width - size) // 2, (img.height - size) // 2
    return img.crop((left, top, left + size, top + size))


def dino_transform(implementation: str = "dino-vits8") -> Callable[[Any], Any]:
    """Resize the short side to 256 (bicubic), centre crop 224, to tensor, ImageNet mean/std.

    The DINO v1 score used torchvision's transforms; the DINOv2 score transformers'
    ``BitImageProcessor``, whose centre crop rounds its offsets down."""
    from torchvision import transforms as T

    crop = T.CenterCrop(CROP) if BACKBONES[implementation].library == "timm" else floor_center_crop
    return T.Compose(
        [
            T.Resize(RESIZE, interpolation=T.InterpolationMode.BICUBIC),
            crop,
            T.ToTensor(),
            T.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )


class DinoEncoder:
    """One DINO model with its preprocessing and an embedding cache (by file content).

    ``model`` injects a model of the backbone's library (a tiny random one in tests); otherwise
    the pretrained weights are loaded (ScorerUnavailable offline).
    """

    def __init__(
        self,
        implementation: str,
        *,
        device: str = "cpu",
        model: Any = None,
        label: str | None = None,
        batch_size: int = 16,
    ) -> None:
        if implementation not in BACKBONES:
            raise ConfigError(
                f"unknown DINO backbone {implementation!r}; expected one of {list(BACKBONES)}"
            )
        self.backbone = BACKBONES[implementation]
        self.model = (model if model is not None else load_backbone(self.backbone, device)).eval()
        self.model.to(device)
        self.implementation = label or (
            implementation if model is None else f"{implementation}-injected"
        )
        self.device = device
        self.batch_size = batch_size
        self.transform = dino_transform(implementation)
        self._cache: dict[str, Any] = {}

    def _forward(self, batch: Any) -> Any:
        import torch

        with torch.inference_mode():
            x = batch.to(self.device)
            if self.backbone.library == "timm":
                feats = self.model(x)
            else:
                feats = self.model(pixel_values=x).last_hidden_state[:, 0]
            return torch.nn.functional.normalize(feats.float(), dim=-1).cpu()

    def embed_dim(self) -> int:
        return int(
            getattr(self.model, "num_features", 0) or self.model.config.hidden_size  # type: ignore[union-attr]
        )

    def encode_files(self, paths: Sequence[Path]) -> tuple[Any, list[str]]:
        """L2-normalised CLS embeddings (N, D); an unreadable file gets a NaN row and its error."""
        import hashlib

        import torch

        keys: list[str | None] = []
        errors: list[str] = []
        pending: dict[str, Any] = {}
        for path in paths:
            try:
                data = Path(path).read_bytes()
                key = hashlib.sha256(data).hexdigest()
                if key not in self._cache and key not in pending:
                    pending[key] = self.transform(open_like_published(data))
                keys.append(key)
                errors.append("")
            except Exception as err:  # unreadable or not an image: that image is unscored
                keys.append(None)
                errors.append(f"{path}: {type(err).__name__}: {err}")
            if len(pending) >= self.batch_size:
                self._flush(pending)
        self._flush(pending)
        dim = self.embed_dim()
        rows = [self._cache[k] if k is not None else torch.full((dim,), math.nan) for k in keys]
        return (torch.stack(rows) if rows else torch.empty((0, dim))), errors

    def _flush(self, pending: dict[str, Any]) -> None:
        import torch

        if pending:
            feats = self._forward(torch.stack(list(pending.values())))
            self._cache.update(zip(pending, feats, strict=True))
            pending.clear()


class DinoScorer(SpecScorer):
    """Mean cosine of each generated image's DINO embedding to the concept's reference images."""

    def __init__(
        self,
        protocol: Protocol | str,
        *,
        encoder: DinoEncoder,
        spec: ScorerSpec | None = None,
        tasks: Any = None,
    ) -> None:
        self.spec = spec or SPEC_BY_IMPLEMENTATION[encoder.backbone.implementation]
        self.encoder = encoder
        super().__init__(protocol, tasks=tasks, implementation=encoder.implementation)

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """One Score per prompt: mean over its images; per-image values in the metadata."""
        gen, errors = self.encoder.encode_files([p for inp in inputs for p in inp.images])
        out, pos = [], 0
        for inp in inputs:
            k = len(inp.images)
            refs, ref_errors = self.encoder.encode_files(list(inp.concept.train_images))
            good = [i for i, e in enumerate(ref_errors) if not e]
            per_image = (
                [float(v) for v in (gen[pos : pos + k] @ refs[good].T).mean(dim=1)]
                if good and k
                else [math.nan] * k
            )
            problems = [e for e in errors[pos : pos + k] if e]
            if not good:
                problems.insert(0, f"no readable reference image of {inp.concept.id}")
            pos += k
            kept = [v for v in per_image if not math.isnan(v)]
            out.append(
                Score(
                    value=sum(kept) / len(kept) if kept else math.nan,
                    explanation="; ".join(problems) if problems or kept else "no image",
                    metadata={"per_image": per_image, "n_images": k},
                )
            )
        return out


def aggregate_dino(scores: Sequence[Score], protocol: Protocol, metric: str) -> dict[str, float]:
    """Mean over every image of the concept; with ``image_score_pooling == "images"`` also its
    number of images as the concept's weight (one mean over all images, as published)."""
    values = [
        v
        for s in scores
        for v in s.metadata.get("per_image", [s.value])
        if v is not None and not math.isnan(v)
    ]
    out = {metric: sum(values) / len(values) if values else math.nan}
    if protocol.image_score_pooling == "images":
        out[POOL_WEIGHT] = float(len(values))
    return out


def _builder(implementation: str) -> Callable[..., DinoScorer]:
    def build(
        spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
    ) -> DinoScorer:
        encoder = context.shared_object(
            f"dino-encoder/{implementation}",
            lambda: DinoEncoder(implementation, device=context.device),
        )
        return DinoScorer(protocol, encoder=encoder, spec=spec, tasks=tasks)

    return build


def _card(display: str) -> Callable[[Protocol], str]:
    def card(protocol: Protocol) -> str:
        pooled = (
            "; one mean over every image of every concept"
            if protocol.image_score_pooling == "images"
            else ""
        )
        return f"mean cosine of {display} CLS embeddings of generated and reference images{pooled}"

    return card


REFERENCE = "yuangpeng/dreambench_plus dreambench_plus/metrics/dino_score.py"
DINO = ScorerSpec(
    name="dino",
    metrics=("dino",),
    card=_card("DINO ViT-S/8"),
    implementation="dino-vits8",
    build=_builder("dino-vits8"),
    aggregate=aggregate_dino,
    scorer_class="unifybench.scorers.dino:DinoScorer",
    reference=REFERENCE,
)
DINO_V2 = ScorerSpec(
    name="dino_v2",
    metrics=(
        MetricSpec(
            "dino_v2",
            "DINOv2",
            "DINOv2",
            "Cosine similarity of DINOv2-small CLS embeddings (facebook/dinov2-small) between "
            "each generated image and the reference image(s) of its concept; DreamBench++'s "
            "second DINO variant. Raw cosine.",
            range=(-1.0, 1.0),
        ),
    ),
    card=_card("DINOv2-small"),
    implementation="dinov2-small",
    build=_builder("dinov2-small"),
    aggregate=aggregate_dino,
    scorer_class="unifybench.scorers.dino:DinoScorer",
    reference=REFERENCE,
)
SCORERS = (DINO, DINO_V2)
SPEC_BY_IMPLEMENTATION = {"dino-vits8": DINO, "dinov2-small": DINO_V2}
DinoScorer.spec = DINO
