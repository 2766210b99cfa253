"""Initialisation of the concept tokens (facts from the UniCTokens training scripts).

- ``<c>``: mean input embedding of the class noun's text tokens.
- Stage 1's shared tokens: k-means centres (sklearn ``KMeans(n_clusters, random_state=0)``) of the
  input embeddings of every image code of the training images.
- Stage 2's generation tokens, for people only: the mean face embedding of the training images,
  split into one chunk per token and linearly interpolated to the hidden size. The published
  scripts use ArcFace (InsightFace ``antelopev2``, 512-d); offline this falls back to dlib's 128-d
  face descriptor (``face_recognition_models``), recorded in the state as ``face_init``.
- Stage 3's understanding tokens: k-means centres over the image codes of the stage 2 -> 3
  "difference" images (see :mod:`methods.unictokens.transition`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from PIL import Image

    from methods.showo.backbone import ShowoBackbone


def class_noun_embedding(backbone: ShowoBackbone, noun: str) -> torch.Tensor:
    """Mean input embedding of the noun's tokens (float32, hidden)."""
    ids = backbone.text_ids(noun) or backbone.text_ids("object")
    table = backbone.lm.showo.model.embed_tokens.weight
    return table[torch.tensor(ids, device=table.device)].float().mean(0).cpu()


def kmeans_image_code_embeddings(
    backbone: ShowoBackbone, images: list[Image.Image], k: int, seed: int = 0
) -> torch.Tensor:
    """k-means centres of the embeddings of every image code of ``images`` (float32, k x hidden)."""
    from sklearn.cluster import KMeans

    codes = torch.cat([backbone.encode(images[i : i + 8]) for i in range(0, len(images), 8)])
    codes = codes + backbone.text_vocab_size
    table = backbone.lm.showo.model.embed_tokens.weight
    points = table[codes.reshape(-1)].float().cpu().numpy()
    n_clusters = min(k, len(np.unique(points, axis=0)))
    km = KMeans(n_clusters=n_clusters, random_state=seed, n_init="auto").fit(points)
    centres = torch.from_numpy(km.cluster_centers_).float()
    if n_clusters < k:  # fewer distinct codes than tokens (tiny images): repeat centres
        centres = centres[torch.arange(k) % n_clusters]
    return centres


def face_rows(embedding: torch.Tensor, rows: int, hidden: int) -> torch.Tensor:
    """Split a face embedding into ``rows`` chunks and interpolate each linearly to ``hidden``."""
    chunks = embedding.float().reshape(rows, -1)
    return torch.nn.functional.interpolate(chunks[None], size=(hidden,), mode="linear")[0]


def mean_face_embedding(
    image_paths: list[Path], backend: str = "auto", face_model_dir: Path | None = None
) -> tuple[torch.Tensor | None, str]:
    """Mean embedding of the largest face in each image, and the backend that produced it.

    ``backend``: ``arcface`` (InsightFace antelopev2 from ``face_model_dir``), ``dlib``, or
    ``auto`` (ArcFace when its model files are there, else dlib). Returns (None, reason) when no
    face is found in any image.
    """
    if backend in ("auto", "arcface"):
        try:
            return _arcface_mean(image_paths, face_model_dir), "arcface-antelopev2"
        except (ImportError, FileNotFoundError, RuntimeError, AssertionError) as exc:
            if backend == "arcface":
                from unifybench.errors import ConfigError

                raise ConfigError(f"ArcFace face initialisation unavailable: {exc}") from exc
    return _dlib_mean(image_paths), "dlib-resnet-128"


def _arcface_mean(image_paths: list[Path], model_dir: Path | None) -> torch.Tensor | None:
    import cv2
    from insightface.app import FaceAnalysis

    root = _insightface_root(model_dir)
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    app = FaceAnalysis(name="antelopev2", root=str(root), providers=providers)
    app.prepare(ctx_id=0, det_size=(640, 640))
    embs = []
    for p in image_paths:
        img = cv2.imread(str(p))
        faces = app.get(img) if img is not None else []
        if faces:
            big = max(faces, key=lambda f: (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1]))
            embs.append(torch.from_numpy(np.asarray(big.embedding, dtype=np.float32)))
    return torch.stack(embs).mean(0) if embs else None


def _insightface_root(model_dir: Path | None) -> Path:
    """InsightFace's ``root`` for ``model_dir``: a root holding ``models/antelopev2``, or the folder
    of the ONNX files itself (then linked under a temporary root)."""
    import tempfile

    if model_dir is None:
        raise FileNotFoundError("no face_model_dir given for antelopev2")
    folder = Path(model_dir).expanduser()
    if (folder / "models" / "antelopev2").is_dir():
        return folder
    if any(folder.glob("*.onnx")):
        root = Path(tempfile.mkdtemp(prefix="antelopev2-"))
        (root / "models").mkdir()
        (root / "models" / "antelopev2").symlink_to(folder.resolve(), target_is_directory=True)
        return root
    raise FileNotFoundError(f"{folder}: neither models/antelopev2/ nor *.onnx files")


def _dlib_mean(image_paths: list[Path]) -> torch.Tensor | None:
    import dlib
    import face_recognition_models as frm
    from PIL import Image

    detector = dlib.get_frontal_face_detector()
    shaper = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
    encoder = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
    embs = []
    for p in image_paths:
        with Image.open(p) as im:
            arr = np.asarray(im.convert("RGB"))
        if min(arr.shape[:2]) < 512:  # upsample small images so the detector finds faces
            scale = 512 / min(arr.shape[:2])
            with Image.open(p) as im:
                arr = np.asarray(
                    im.convert("RGB").resize(
                        (round(arr.shape[1] * scale), round(arr.shape[0] * scale))
                    )
                )
        dets, scores, _ = detector.run(arr, 1)
        if not dets:
            continue
        best = max(range(len(dets)), key=lambda i: scores[i])
        shape = shaper(arr, dets[best])
        embs.append(
            torch.tensor(list(encoder.compute_face_descriptor(arr, shape)), dtype=torch.float32)
        )
    return torch.stack(embs).mean(0) if embs else None
