"""CLIP-I and CLIP-T with open_clip ViT-B/32 (OpenAI weights), legacy and v2 preprocessing.

- CLIP-I: for each generated image, the mean cosine similarity to every training image of the
  concept (``concept.train_images``). CLIP-T: cosine similarity to ``prompt.clip_text`` (the prompt
  with the placeholder replaced by the class noun). Raw cosine: no x100, no clamp.
- The protocol flag ``clip_preprocess``: ``published`` (legacy) reproduces the published scorer:
  resize (bicubic) the short side to 512, centre-crop 512, to a [0, 1] tensor, then
  ``Normalize(mean=-1, std=2)`` (meant to un-normalise generator output from [-1, 1], it maps [0, 1]
  pixels to [0.5, 1]), then CLIP's own resize (bicubic, short side 224, on the tensor, antialiased),
  centre crop and normalisation.
- ``standard`` (v2) uses open_clip's standard preprocessing on the image as stored.
- The flag ``clip_pooling``: ``images`` (legacy) pools every image of every concept into one mean,
  as the published script does; ``concepts`` (v2) weighs concepts equally.

Efficiency (published defect 5 fixed in both protocols, it does not change numbers): the model
loads once per :class:`ClipEncoder`, each image file is encoded once (embeddings cached in memory
per encoder under the preprocessing and the file's SHA-256, so a concept's reference embeddings are
computed once and a generated image is encoded once for both CLIP-I and CLIP-T), and generated
images are encoded in batches.

Weights: ``open_clip.create_model_and_transforms("ViT-B-32", pretrained="openai",
force_quick_gelu=True)`` downloads them from the Hugging Face hub
(``timm/vit_base_patch32_clip_224.openai``) on first use, or ``weights=PATH`` loads a local file of
that checkpoint. Tests and benchmarks inject a small randomly initialised model instead.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from unifybench.errors import ConfigError, ScorerUnavailable
from unifybench.protocols import Protocol, resolve_protocol
from unifybench.scorers.base import POOL_WEIGHT, Score, ScoringInput, SpecScorer
from unifybench.scorers.spec import ScorerContext, ScorerSpec

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
HUB_REPO = "timm/vit_base_patch32_clip_224.openai"
OPENAI_IMPLEMENTATION = "openai-vit-b32"
LEGACY_GEN_SIZE = 512  # the published scorer first brings every image to 512x512

HOW_TO_GET_WEIGHTS = (
    "CLIP-I/CLIP-T need the OpenAI CLIP ViT-B/32 weights (open_clip model 'ViT-B-32', "
    f"pretrained='openai', Hugging Face hub repo {HUB_REPO}). Either run once with network "
    "access (HF_HUB_OFFLINE unset) so huggingface_hub caches them (HF_HOME), or download "
    f"open_clip_pytorch_model.bin from https://huggingface.co/{HUB_REPO} elsewhere and pass its "
    "path as clip_weights (CLI: --clip-weights PATH)."
)


def file_sha256(data: bytes) -> str:
    """Content hash used as the embedding cache key."""
    return hashlib.sha256(data).hexdigest()


def legacy_transform(preprocess: Any) -> Callable[[Any], Any]:
    """The published CLIP pixel pipeline, built around a model's standard ``preprocess``.

    Published order: PIL resize(512, bicubic) -> centre crop 512 -> ToTensor ([0, 1]) ->
    Normalize(mean=-1, std=2) (the [0.5, 1] quirk) -> the first two transforms of CLIP's
    preprocess (resize, centre crop) applied to the tensor -> CLIP's Normalize.
    """
    from torchvision import transforms as T

    steps = list(getattr(preprocess, "transforms", []))
    resize = [t for t in steps if isinstance(t, T.Resize)]
    crop = [t for t in steps if isinstance(t, T.CenterCrop)]
    norm = [t for t in steps if isinstance(t, T.Normalize)]
    if len(resize) != 1 or len(crop) != 1 or len(norm) != 1:
        raise ConfigError(
            "legacy CLIP preprocessing needs a torchvision Compose with one Resize, one "
            f"CenterCrop and one Normalize (CLIP's standard preprocess); got {preprocess!r}"
        )
    return T.Compose(
        [
            T.Resize(LEGACY_GEN_SIZE, interpolation=T.InterpolationMode.BICUBIC),
            T.CenterCrop((LEGACY_GEN_SIZE, LEGACY_GEN_SIZE)),
            T.ToTensor(),
            T.Normalize(mean=[-1.0, -1.0, -1.0], std=[2.0, 2.0, 2.0]),  # [0,1] -> [0.5,1]
            resize[0],
            crop[0],
            norm[0],
        ]
    )


def tiny_model_config(embed_dim: int = 32, width: int = 32) -> dict[str, Any]:
    """A small open_clip CLIP config (224 px, patch 32, one layer per tower) for tests/benches."""
    return {
        "embed_dim": embed_dim,
        "quick_gelu": True,
        "vision_cfg": {
            "image_size": 224,
            "layers": 1,
            "width": width,
            "head_width": 16,
            "patch_size": 32,
        },
        "text_cfg": {
            "context_length": 77,
            "vocab_size": 49408,
            "width": width,
            "heads": 2,
            "layers": 1,
        },
    }


def build_random_clip(model_config: dict[str, Any], seed: int = 0) -> tuple[Any, Any, Any]:
    """A randomly initialised open_clip CLIP from a config dict: (model, preprocess, tokenizer).

    Only for tests and benchmarks; such a model's numbers mean nothing. No download happens.
    """
    import open_clip
    import torch

    cfg = json.loads(json.dumps(model_config))  # deep copy
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = open_clip.CLIP(**cfg)
    vision = cfg.get("vision_cfg", {})
    preprocess = open_clip.image_transform(
        vision.get("image_size", 224),
        is_train=False,
        mean=OPENAI_MEAN,
        std=OPENAI_STD,
        interpolation="bicubic",
        resize_mode="shortest",
    )
    context = cfg.get("text_cfg", {}).get("context_length", 77)
    tokenizer = open_clip.SimpleTokenizer(context_length=context)
    return model, preprocess, tokenizer


def load_openai_vit_b32(weights: str | Path | None, device: str) -> tuple[Any, Any, Any]:
    """OpenAI CLIP ViT-B/32 through open_clip, from the hub (default) or a local file.

    Raises ScorerUnavailable with instructions when the weights cannot be had.
    """
    try:
        import open_clip
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ScorerUnavailable(
            f"open_clip is not installed ({e}); install the 'clip' extra: pip install "
            "'unifybench[clip]'. " + HOW_TO_GET_WEIGHTS
        ) from e
    if weights is not None:
        path = Path(weights).expanduser()
        if not path.is_file():
            raise ScorerUnavailable(f"CLIP weights file not found: {path}. " + HOW_TO_GET_WEIGHTS)
        pretrained = str(path)
    else:
        pretrained = "openai"
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(
            "ViT-B-32", pretrained=pretrained, force_quick_gelu=True, device=device
        )
    except Exception as e:  # download failures, offline hub, corrupt file
        raise ScorerUnavailable(
            f"could not load CLIP ViT-B/32 weights from {pretrained!r}: "
            f"{type(e).__name__}: {e}. " + HOW_TO_GET_WEIGHTS
        ) from e
    return model, preprocess, open_clip.get_tokenizer("ViT-B-32")


class ClipEncoder:
    """One CLIP model with its preprocessing, tokenizer and in-memory embedding caches.

    Shared by the CLIP-I and CLIP-T scorers of a run so the model loads once and a generated image
    is encoded once for both metrics. Give ``model``/``preprocess``/``tokenizer`` to inject a model,
    or ``model_config`` to build a random one (tests); otherwise the OpenAI weights are loaded
    (``weights`` = local file, else the hub).
    """

    def __init__(
        self,
        *,
        weights: str | Path | None = None,
        device: str = "cpu",
        model: Any = None,
        preprocess: Any = None,
        tokenizer: Any = None,
        model_config: dict[str, Any] | None = None,
        implementation: str | None = None,
        batch_size: int = 32,
        seed: int = 0,
    ) -> None:
        if model is not None:
            if preprocess is None or tokenizer is None:
                raise ConfigError("an injected CLIP model needs its preprocess and tokenizer too")
            self.implementation = implementation or "injected"
        elif model_config is not None:
            model, preprocess, tokenizer = build_random_clip(model_config, seed=seed)
            cfg_hash = hashlib.sha256(json.dumps(model_config, sort_keys=True).encode()).hexdigest()
            self.implementation = implementation or f"random-{cfg_hash[:8]}-seed{seed}"
        else:
            model, preprocess, tokenizer = load_openai_vit_b32(weights, device)
            self.implementation = implementation or OPENAI_IMPLEMENTATION
        self.model = model.to(device).eval()
        self.device = device
        self.preprocess = preprocess
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.weights = str(weights) if weights is not None else None
        self._transforms: dict[str, Callable[[Any], Any]] = {"standard": preprocess}
        self._image_cache: dict[tuple[str, str], Any] = {}
        self._text_cache: dict[str, Any] = {}
        self._hash_memo: dict[str, tuple[tuple[int, int], str]] = {}

    def _content_hash(self, path: Path) -> tuple[str, bytes | None]:
        """SHA-256 of a file's bytes, re-read only when its size or mtime changed.

        Returns (digest, bytes read now or None when the digest came from the memo).
        """
        st = path.stat()
        signature = (st.st_size, st.st_mtime_ns)
        memo = self._hash_memo.get(str(path))
        if memo is not None and memo[0] == signature:
            return memo[1], None
        data = path.read_bytes()
        digest = file_sha256(data)
        self._hash_memo[str(path)] = (signature, digest)
        return digest, data

    def transform(self, preprocess: str | Protocol) -> Callable[[Any], Any]:
        """The pixel pipeline (PIL image -> normalised tensor) of a ``clip_preprocess`` value, or
        of a protocol (object or name)."""
        key = preprocessing(preprocess)
        if key not in self._transforms:
            self._transforms[key] = legacy_transform(self.preprocess)
        return self._transforms[key]

    def _forward_images(self, batch: list[Any]) -> Any:
        import torch

        with torch.inference_mode():
            x = torch.stack(batch).to(self.device)
            feats = self.model.encode_image(x).float()
            return torch.nn.functional.normalize(feats, dim=-1).cpu()

    def _flush(self, pending: dict[tuple[str, str], Any]) -> None:
        """Encode the pending preprocessed images (one batch at most) into the cache."""
        if pending:
            feats = self._forward_images(list(pending.values()))
            for key, f in zip(pending, feats, strict=True):
                self._image_cache[key] = f
            pending.clear()

    def encode_image_files(
        self, paths: Sequence[Path], preprocess: str | Protocol
    ) -> tuple[Any, list[str]]:
        """L2-normalised embeddings (N, D) of image files, cached by content hash; batched.

        Returns (embeddings, errors): a file that cannot be read gets a NaN row and its error
        message at the same position of ``errors`` ("" for good files).
        """
        import torch
        from PIL import Image

        mode = preprocessing(preprocess)
        keys: list[tuple[str, str] | None] = []
        errors: list[str] = []
        pending: dict[tuple[str, str], Any] = {}
        for path in paths:
            try:
                digest, data = self._content_hash(Path(path))
                key = (mode, digest)
                if key not in self._image_cache and key not in pending:
                    if data is None:
                        data = Path(path).read_bytes()
                    with Image.open(io.BytesIO(data)) as img:
                        pending[key] = self.transform(mode)(img.convert("RGB"))
                    if len(pending) >= self.batch_size:
                        self._flush(pending)  # bounded memory: encode a full batch now
                keys.append(key)
                errors.append("")
            except Exception as e:  # unreadable or not an image: that image is unscored
                keys.append(None)
                errors.append(f"{path}: {type(e).__name__}: {e}")
        self._flush(pending)
        dim = self.embed_dim()
        rows = [
            self._image_cache[k] if k is not None else torch.full((dim,), math.nan) for k in keys
        ]
        emb = torch.stack(rows) if rows else torch.empty((0, dim))
        return emb, errors

    def embed_dim(self) -> int:
        """Width of the joint embedding space."""
        proj = getattr(self.model, "text_projection", None)
        if proj is not None:
            return int(proj.shape[-1])
        return int(self.model.visual.output_dim)

    def encode_texts(self, texts: Sequence[str]) -> Any:
        """L2-normalised text embeddings (N, D), cached per string."""
        import torch

        todo = [t for t in dict.fromkeys(texts) if t not in self._text_cache]
        if todo:
            with torch.inference_mode():
                tokens = self.tokenizer(todo).to(self.device)
                feats = self.model.encode_text(tokens).float()
                feats = torch.nn.functional.normalize(feats, dim=-1).cpu()
            for t, f in zip(todo, feats, strict=True):
                self._text_cache[t] = f
        if not texts:
            return torch.empty((0, self.embed_dim()))
        return torch.stack([self._text_cache[t] for t in texts])

    def reference_embeddings(
        self, paths: Sequence[Path], preprocess: str | Protocol
    ) -> tuple[Any, list[str]]:
        """Embeddings of a concept's training images: encoded on first use, then served from the
        content-hash cache (the published scorer re-encoded them for every generated image)."""
        return self.encode_image_files(paths, preprocess)


PREPROCESSING = ("standard", "published")


def preprocessing(value: str | Protocol) -> str:
    """The ``clip_preprocess`` value of a protocol (object or name), or the value itself."""
    if isinstance(value, str) and value in PREPROCESSING:
        return value
    return resolve_protocol(value).clip_preprocess


def aggregate_clip(scores: Sequence[Score], protocol: Protocol, metric: str) -> dict[str, float]:
    """Mean over all images of all prompts of the concept (the published pooling).

    With ``clip_pooling == "images"`` (legacy) it also returns ``_pool_weight`` (the number of
    images averaged): the published script (``eval/clip_eval.py``, ``print_avg_results``) pools
    every image of every concept into one mean, so the runner weights each concept by it;
    ``concepts`` (v2) weights concepts equally.
    """
    values = [
        v
        for s in scores
        for v in s.metadata.get("per_image", [s.value])
        if v is not None and not math.isnan(v)
    ]
    out = {metric: sum(values) / len(values) if values else math.nan}
    if protocol.clip_pooling == "images":
        out[POOL_WEIGHT] = float(len(values))
    return out


class _ClipScorer(SpecScorer):
    """Common part of CLIP-I and CLIP-T: per-image similarities pooled per concept."""

    def __init__(
        self,
        protocol: Protocol | str = "legacy",
        *,
        encoder: ClipEncoder | None = None,
        tasks: Any = None,
        **kw: Any,
    ):
        self.encoder = encoder if encoder is not None else ClipEncoder(**kw)
        super().__init__(protocol, tasks=tasks, implementation=self.encoder.implementation)

    def _similarities(self, inp: ScoringInput, gen: Any) -> Any:
        raise NotImplementedError

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """Per prompt: mean over its images; per-image values in ``metadata["per_image"]``.

        All images of all given prompts are encoded together in batches.
        """
        all_paths = [p for inp in inputs for p in inp.images]
        gen, errors = self.encoder.encode_image_files(all_paths, self.protocol.clip_preprocess)
        out, pos = [], 0
        for inp in inputs:
            k = len(inp.images)
            sims = self._similarities(inp, gen[pos : pos + k]) if k else []
            per_image = [float(v) for v in sims]
            errs = [e for e in errors[pos : pos + k] if e]
            pos += k
            kept = [v for v in per_image if not math.isnan(v)]
            value = sum(kept) / len(kept) if kept else math.nan
            explanation = "" if kept else "no scorable image for this prompt"
            if errs:
                explanation = (explanation + "; " if explanation else "") + "; ".join(errs)
            out.append(
                Score(
                    value=value,
                    explanation=explanation,
                    metadata={"per_image": per_image, "n_images": k},
                )
            )
        return out


class ClipImageScorer(_ClipScorer):
    """CLIP-I: mean cosine of each generated image to every training image of the concept."""

    def _similarities(self, inp: ScoringInput, gen: Any) -> Any:
        refs, errors = self.encoder.reference_embeddings(
            inp.concept.train_images, self.protocol.clip_preprocess
        )
        good = [i for i, e in enumerate(errors) if not e]
        if not good:
            import torch

            return torch.full((gen.shape[0],), math.nan)
        return (gen @ refs[good].T).mean(dim=1)


class ClipTextScorer(_ClipScorer):
    """CLIP-T: cosine of each generated image to the prompt with the class noun."""

    def _similarities(self, inp: ScoringInput, gen: Any) -> Any:
        text = self.encoder.encode_texts([inp.item.clip_text])  # type: ignore[union-attr]
        return (gen @ text.T)[:, 0]


def _encoder(context: ScorerContext) -> ClipEncoder:
    """The OpenAI ViT-B/32 encoder shared by CLIP-I and CLIP-T (ScorerUnavailable offline)."""
    return context.shared_object(
        "clip-encoder", lambda: ClipEncoder(weights=context.clip_weights, device=context.device)
    )


def _build_clip_i(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> ClipImageScorer:
    return ClipImageScorer(protocol, encoder=_encoder(context), tasks=tasks)


def _build_clip_t(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> ClipTextScorer:
    return ClipTextScorer(protocol, encoder=_encoder(context), tasks=tasks)


def _preprocess_card(protocol: Protocol) -> str:
    pixels = (
        "published [0.5,1] pixels"
        if protocol.clip_preprocess == "published"
        else "standard preprocess"
    )
    pooling = (
        "; one mean over every image of every concept" if protocol.clip_pooling == "images" else ""
    )
    return pixels + pooling


CLIP_I = ScorerSpec(
    name="clip_i",
    metrics=("clip_i",),
    card=lambda p: (
        "mean cosine of generated to training images, CLIP ViT-B/32, " + _preprocess_card(p)
    ),
    implementation=OPENAI_IMPLEMENTATION,
    build=_build_clip_i,
    aggregate=aggregate_clip,
    scorer_class="unifybench.scorers.clip:ClipImageScorer",
    reference="arctanxarc/UniCTokens eval/clip_eval.py",
)
CLIP_T = ScorerSpec(
    name="clip_t",
    metrics=("clip_t",),
    card=lambda p: (
        "cosine of generated image to prompt text, CLIP ViT-B/32, " + _preprocess_card(p)
    ),
    implementation=OPENAI_IMPLEMENTATION,
    build=_build_clip_t,
    aggregate=aggregate_clip,
    scorer_class="unifybench.scorers.clip:ClipTextScorer",
    reference="arctanxarc/UniCTokens eval/clip_eval.py",
)
SCORERS = (CLIP_I, CLIP_T)
ClipImageScorer.spec = CLIP_I
ClipTextScorer.spec = CLIP_T
