"""A small, deterministic smoke-test set in the DreamBench++ release layout.

Four collections, one per category, from photos that ship with scikit-image and scikit-learn
(``unifybench[sample]``): a cat, a person, a coffee cup, and a poster-style rendering of a
flower photo as the style reference. Each has a caption file with the subject name and 9 prompts
written for this sample (4 photorealistic, 3 style, 2 imaginative, in the published order).
Every file is byte-identical from run to run with the same numpy, Pillow and scikit-image.

A smoke-test set for the harness, not a research benchmark: numbers on it mean nothing.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unifybench.errors import UnifyBenchError

MAX_SIDE = 256
JPEG_QUALITY = 90


@dataclass(frozen=True)
class _Entry:
    folder: str  # category folder under images/ and captions/
    index: str
    source: str
    box: tuple[int, int, int, int]  # (top, left, bottom, right) crop of the source photo
    subject: str
    prompts: tuple[str, ...]


def _prompts(s: str, styled: tuple[str, str, str], wild: tuple[str, str]) -> tuple[str, ...]:
    return (
        f"a {s} in a sunny park",
        f"a {s} on a wooden table next to a window",
        f"a {s} in the snow at dusk",
        f"a {s} on a beach with waves behind it",
        *styled,
        *wild,
    )


ENTRIES: tuple[_Entry, ...] = (
    _Entry(
        "live_subject/animal",
        "00",
        "chelsea",
        (0, 60, 300, 400),
        "cat",
        _prompts(
            "cat",
            ("a watercolour painting of a cat", "a cat as a pencil sketch", "a pixel-art cat"),
            ("a cat piloting a tiny hot-air balloon", "a cat made of clouds over a city"),
        ),
    ),
    _Entry(
        "live_subject/human",
        "00",
        "astronaut",
        (0, 100, 300, 400),
        "astronaut",
        _prompts(
            "astronaut",
            (
                "an oil painting of an astronaut",
                "an astronaut drawn as a comic-book character",
                "an astronaut in the style of a woodcut print",
            ),
            ("an astronaut riding a giant snail", "an astronaut reading a book on the moon"),
        ),
    ),
    _Entry(
        "object",
        "00",
        "coffee",
        (0, 80, 400, 520),
        "coffee cup",
        _prompts(
            "coffee cup",
            (
                "a coffee cup in the style of stained glass",
                "a coffee cup as a low-poly 3D render",
                "a coffee cup drawn with crayons",
            ),
            ("a coffee cup floating in outer space", "a coffee cup the size of a house in a field"),
        ),
    ),
    _Entry(
        "style",
        "00",
        "flower",
        (0, 0, 427, 640),
        "poster flower style",
        (
            "a lighthouse on a cliff in poster flower style",
            "a city street at night in poster flower style",
            "a bowl of fruit in poster flower style",
            "a mountain lake in poster flower style",
            "a portrait of an old man in poster flower style",
            "a sailing ship in a storm in poster flower style",
            "a cat on a windowsill in poster flower style",
            "a dragon made of leaves in poster flower style",
            "a castle on a floating island in poster flower style",
        ),
    ),
)

README = """\
# DreamBench++ sample (smoke-test set)

This folder is a **smoke-test set, not a research benchmark**. It was written by
`unifybench data sample --benchmark dreambench++` to exercise the harness end to end, offline.
Scores measured on it say nothing about a method's quality.

It follows the DreamBench++ release layout: `images/<category>/<NN>.jpg` with
`captions/<category>/<NN>.txt` at the same relative path (the subject name on line 1, then 9
prompts: 4 photorealistic, 3 style, 2 imaginative). One collection per category; the captions
were written for this sample.

## Photos and licences
- `live_subject/animal/00`: scikit-image `chelsea` (Stefan van der Walt), CC0.
- `live_subject/human/00`: scikit-image `astronaut` (Eileen Collins, NASA), public domain.
- `object/00`: scikit-image `coffee` (Rachel Michetti, courtesy of Pikolo Espresso Bar), CC0.
- `style/00`: scikit-learn `flower.jpg` (Flickr user vultilion, CC-BY 2.0), posterised here.
"""


def _sources() -> dict[str, np.ndarray]:
    """The source photos as RGB uint8 arrays (needs the ``sample`` extra)."""
    from PIL import Image

    sklearn = importlib.util.find_spec("sklearn")
    folder = Path(next(iter(sklearn.submodule_search_locations or ()), "")) if sklearn else None
    flower = folder / "datasets" / "images" / "flower.jpg" if folder else None
    try:
        import skimage.data as skd

        if flower is None or not flower.is_file():
            raise ImportError("scikit-learn sample images not found", name="sklearn")
    except ImportError as err:
        raise UnifyBenchError(
            f"the DreamBench++ sample needs scikit-image and scikit-learn ({err.name} is "
            "missing); install them with: pip install 'unifybench[sample]'"
        ) from err
    with Image.open(flower) as img:
        flower_rgb = np.asarray(img.convert("RGB"))
    return {
        "chelsea": np.asarray(skd.chelsea()),
        "astronaut": np.asarray(skd.astronaut()),
        "coffee": np.asarray(skd.coffee()),
        "flower": _posterise(flower_rgb),
    }


def _posterise(rgb: np.ndarray, levels: int = 4) -> np.ndarray:
    """A flat-colour poster rendering: few colour levels per channel."""
    step = 256 // levels
    return ((rgb // step) * step + step // 2).astype(np.uint8)


def _picture(photo: np.ndarray, box: tuple[int, int, int, int]):
    from PIL import Image

    top, left, bottom, right = box
    img = Image.fromarray(np.ascontiguousarray(photo[top:bottom, left:right, :3]), "RGB")
    scale = MAX_SIDE / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.BICUBIC)


def write_sample(out_dir: Path) -> Path:
    """Write the sample into ``out_dir`` (created if needed) and return it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    photos = _sources()
    (out / "README.md").write_text(README, encoding="utf-8")
    for e in ENTRIES:
        image = out / "images" / e.folder / f"{e.index}.jpg"
        caption = out / "captions" / e.folder / f"{e.index}.txt"
        image.parent.mkdir(parents=True, exist_ok=True)
        caption.parent.mkdir(parents=True, exist_ok=True)
        _picture(photos[e.source], e.box).save(image, format="JPEG", quality=JPEG_QUALITY)
        caption.write_text("\n".join((e.subject, *e.prompts)) + "\n", encoding="utf-8")
    return out
