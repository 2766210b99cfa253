"""A small, deterministic smoke-test benchmark in exactly the official UnifyBench layout.

The photos come from packages installed with ``unifybench[sample]`` (scikit-image and scikit-learn),
so the sample can be written on a machine without network. Three concepts: ``astro`` (a person,
scikit-image's astronaut photo), ``chelsea`` (a cat) and ``cup`` (an espresso cup). Train, test,
crop and negative views are seeded augmentations (crop, flip, small rotation, colour and brightness
shifts) of those photos. Every file is byte-identical from run to run on the same library versions.

Paths inside ``test_data/<c>.json`` are absolute paths of another machine (``FOREIGN_ROOT``), as in
the official release, so every consumer exercises the loader's re-rooting.

This is a smoke-test set for the harness, not a research benchmark: numbers on it mean nothing.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unifybench.errors import UnifyBenchError

# Where the "authors" kept the data; test_data paths point here and must be re-rooted by the loader.
FOREIGN_ROOT = "/mnt/authors/unictokens_data"
IMAGE_SIZE = 256
N_TRAIN = 6
N_TEST = 5
N_RANDOM = 20
N_HARD = 4
REC_QUESTIONS = (
    "Is <c> in this photo? Answer with yes or no.",
    "Can you see <c> in this image? Answer with yes or no.",
    "Does this picture show <c>? Answer with yes or no.",
)


@dataclass(frozen=True)
class _View:
    """Where the subject is in a source photo and how large a crop around it may be."""

    source: str
    center: tuple[int, int]  # (x, y) in the source photo
    side: tuple[int, int]  # min/max crop side in source pixels
    jitter: int  # max shift of the crop centre, in source pixels
    max_angle: float = 8.0


@dataclass(frozen=True)
class _SampleConcept:
    id: str
    view: _View
    profile: dict[str, Any]
    vqa: tuple[tuple[str, str], ...]  # visible attributes, asked about the test images
    text_only: tuple[tuple[str, str], ...]  # profile facts, asked with the black image
    choice: tuple[tuple[str, str, bool], ...]  # (question with options, gold, needs the image)
    knowledge: tuple[str, ...]  # knowledge-driven generation prompts (refer to extra_info)
    hard_sources: tuple[str, ...]


CONCEPTS: tuple[_SampleConcept, ...] = (
    _SampleConcept(
        id="astro",
        # The face spans x 179..266, y 83..170 in the 512x512 photo: crops of 220..250 px keep it
        # above ~80 px at 256x256, large enough for dlib's HOG detector.
        view=_View("astronaut", center=(222, 170), side=(220, 250), jitter=14, max_angle=6.0),
        profile={
            "class": "woman",
            "info": "<astro> is a woman with short light brown hair who wears an orange spacesuit.",
            "extra_info": [
                "<astro> has a golden retriever called Apollo.",
                "<astro> plays the violin in her free time.",
                "<astro>'s favourite drink is green tea.",
            ],
            "conversation_type": "human",
            "generation_type": "live_subject",
        },
        vqa=(
            ("What is <astro> wearing?", "An orange spacesuit."),
            ("What colour is <astro>'s hair?", "Light brown."),
            ("Is <astro> smiling?", "Yes, she is smiling."),
        ),
        text_only=(
            ("What pet does <astro> have?", "A golden retriever called Apollo."),
            ("Which instrument does <astro> play?", "The violin."),
            ("What is <astro>'s favourite drink?", "Green tea."),
        ),
        choice=(
            ("What colour is <astro>'s suit? Options: blue, orange, white.", "orange", True),
            (
                "Which pet does <astro> have? Options: a cat, a parrot, a golden retriever.",
                "golden retriever",
                False,
            ),
        ),
        knowledge=(
            "A photo of <astro> walking with her pet.",
            "A photo of <astro> playing her favourite instrument.",
            "A photo of <astro> enjoying her favourite drink.",
        ),
        hard_sources=("camera", "camera", "china", "rocket"),
    ),
    _SampleConcept(
        id="chelsea",
        view=_View("chelsea", center=(250, 150), side=(220, 290), jitter=20),
        profile={
            "class": "cat",
            "info": "<chelsea> is a tabby cat with green eyes and a pink nose.",
            "extra_info": [
                "<chelsea> sleeps in a red basket.",
                "<chelsea> wears a blue collar with a small bell outdoors.",
                "<chelsea>'s favourite toy is a yellow ball of yarn.",
            ],
            "conversation_type": "animal",
            "generation_type": "live_subject",
        },
        vqa=(
            ("What colour are <chelsea>'s eyes?", "Green."),
            ("What colour is <chelsea>'s nose?", "Pink."),
            ("What pattern does <chelsea>'s fur have?", "Brown tabby stripes."),
        ),
        text_only=(
            ("Where does <chelsea> sleep?", "In a red basket."),
            ("What does <chelsea> wear outdoors?", "A blue collar with a small bell."),
            ("What is <chelsea>'s favourite toy?", "A yellow ball of yarn."),
        ),
        choice=(
            ("What colour are <chelsea>'s eyes? Options: blue, green, brown.", "green", True),
            (
                "Where does <chelsea> sleep? Options: on the sofa, in a red basket, in a box.",
                "red basket",
                False,
            ),
        ),
        knowledge=(
            "A photo of <chelsea> asleep in her bed.",
            "A photo of <chelsea> playing with her favourite toy.",
            "A photo of <chelsea> ready to go outdoors.",
        ),
        hard_sources=("flower", "grass", "gravel", "brick"),
    ),
    _SampleConcept(
        id="cup",
        view=_View("coffee", center=(300, 195), side=(300, 390), jitter=20),
        profile={
            "class": "cup",
            "info": "<cup> is a small red espresso cup with a white inside, on a red saucer.",
            "extra_info": [
                "<cup> was a gift from a friend in Lisbon.",
                "<cup> is kept on a shelf next to a green teapot.",
                "<cup> is filled with hot chocolate on Sundays.",
            ],
            "conversation_type": "object",
            "generation_type": "object",
        },
        vqa=(
            ("What colour is <cup>?", "Red with a white inside."),
            ("What is in <cup>?", "Espresso coffee."),
            ("What lies next to <cup> on the saucer?", "A silver spoon."),
        ),
        text_only=(
            ("Who gave <cup> to its owner?", "A friend in Lisbon."),
            ("Where is <cup> kept?", "On a shelf next to a green teapot."),
            ("What is in <cup> on Sundays?", "Hot chocolate."),
        ),
        choice=(
            ("What colour is <cup>? Options: red, green, yellow.", "red", True),
            ("Where was <cup> bought? Options: Lisbon, Paris, Tokyo.", "Lisbon", False),
        ),
        knowledge=(
            "A photo of <cup> in the place where it is kept.",
            "A photo of <cup> on a Sunday morning.",
        ),
        hard_sources=("coins", "rocket", "china", "brick"),
    ),
)

# Sources of the random (easy) negatives, two views each.
RANDOM_SOURCES = (
    "rocket", "camera", "motorcycle_left", "motorcycle_right", "china",
    "flower", "brick", "grass", "gravel", "coins",
)  # fmt: skip

README = """\
# UnifyBench sample (smoke-test set)

This folder is a **smoke-test set, not a research benchmark**. It was written by
`unifybench data sample` to exercise the UnifyBench harness end to end on any machine, offline.
Scores measured on it say nothing about a method's quality.

It follows the official UnifyBench layout exactly (`concepts_list.json`, `concept/train/...`,
`concept/test/...`, `test_data/<c>.json`, `random_images/`, `black_512x512.png`, `template.json`).
Three concepts: `astro` (human, generation type live_subject), `chelsea` (animal, live_subject),
`cup` (object). Their train, test, crop and negative views are seeded augmentations (crops, flips,
small rotations, colour and brightness shifts) of a few photos; the profiles (`info.json`), facts
(`extra_info`), questions and answers were written for this sample. Image paths inside
`test_data/*.json` are absolute paths of another machine (`{foreign}`), as in the official release;
the UnifyBench loader re-roots them under this folder.

## Photos and licences
- `astro`: scikit-image `astronaut` (Eileen Collins, NASA), public domain.
- `chelsea`: scikit-image `chelsea` (Stefan van der Walt), CC0.
- `cup`: scikit-image `coffee` (Rachel Michetti, courtesy of Pikolo Espresso Bar), CC0.
- Negatives: scikit-image `rocket` (SpaceX, public domain), `camera` (Lav Varshney, CC0),
  `brick`, `grass`, `gravel` (CC0 textures), `coins` (Brooklyn Museum collection, no known copyright
  restrictions), `stereo_motorcycle` (Middlebury 2014 stereo dataset, Scharstein et al., as
  redistributed by scikit-image); scikit-learn `china.jpg` and `flower.jpg` (Flickr users
  danielbuechele and vultilion, CC-BY 2.0).
"""


def _load_sources() -> dict[str, np.ndarray]:
    """The source photos as RGB uint8 arrays (needs the ``sample`` extra)."""
    import importlib.util

    from PIL import Image

    # scikit-learn's two sample photos are read straight from its package folder: importing
    # sklearn only to decode them would cost more than writing the whole sample.
    sklearn = importlib.util.find_spec("sklearn")
    images = Path(next(iter(sklearn.submodule_search_locations or ()), "")) if sklearn else None
    try:
        import skimage.data as skd

        if images is None or not (images / "datasets" / "images" / "china.jpg").is_file():
            raise ImportError("scikit-learn sample images not found", name="sklearn")
    except ImportError as err:
        raise UnifyBenchError(
            f"the sample benchmark needs scikit-image and scikit-learn ({err.name} is missing); "
            "install them with: pip install 'unifybench[sample]'"
        ) from err

    def sklearn_photo(name: str) -> np.ndarray:
        with Image.open(images / "datasets" / "images" / name) as img:
            return np.asarray(img.convert("RGB"))

    def rgb(arr: np.ndarray) -> np.ndarray:
        arr = np.asarray(arr)
        if arr.dtype == bool:
            arr = arr.astype(np.uint8) * 255
        if arr.ndim == 2:
            arr = np.stack([arr] * 3, axis=-1)
        return np.ascontiguousarray(arr[..., :3].astype(np.uint8))

    left, right, _disparity = skd.stereo_motorcycle()
    loaders: dict[str, Callable[[], np.ndarray]] = {
        "astronaut": skd.astronaut,
        "chelsea": skd.chelsea,
        "coffee": skd.coffee,
        "rocket": skd.rocket,
        "camera": skd.camera,
        "brick": skd.brick,
        "grass": skd.grass,
        "gravel": skd.gravel,
        "coins": skd.coins,
        "motorcycle_left": lambda: left,
        "motorcycle_right": lambda: right,
        "china": lambda: sklearn_photo("china.jpg"),
        "flower": lambda: sklearn_photo("flower.jpg"),
    }
    return {name: rgb(load()) for name, load in loaders.items()}


def _rng(key: str) -> np.random.Generator:
    """A generator seeded from a stable name, so each file's randomness is independent of order."""
    return np.random.default_rng(zlib.crc32(key.encode("utf-8")))


def _augment(photo: np.ndarray, view: _View, rng: np.random.Generator, *, tight: bool = False):
    """One augmented IMAGE_SIZE x IMAGE_SIZE view of the subject of ``photo`` (a PIL image)."""
    from PIL import Image, ImageEnhance

    lo, hi = view.side
    if tight:  # crops for T2I training: the subject fills more of the frame
        lo, hi = int(lo * 0.8), int(hi * 0.85)
    side = int(rng.integers(lo, hi + 1))
    cx = view.center[0] + int(rng.integers(-view.jitter, view.jitter + 1))
    cy = view.center[1] + int(rng.integers(-view.jitter, view.jitter + 1))
    angle = float(rng.uniform(-view.max_angle, view.max_angle))
    flip = bool(rng.random() < 0.5)
    brightness = float(rng.uniform(0.8, 1.2))
    gains = rng.uniform(0.92, 1.08, size=3)

    # Reflect-pad so that crops near the border and the rotated corners stay filled with content.
    margin = int(side * 0.1) + 2
    pad = side // 2 + margin
    padded = np.pad(photo, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
    half = side // 2 + margin
    x0, y0 = cx + pad - half, cy + pad - half
    patch = Image.fromarray(padded[y0 : y0 + 2 * half, x0 : x0 + 2 * half])
    patch = patch.rotate(angle, resample=Image.Resampling.BICUBIC)
    patch = patch.crop((margin, margin, margin + side, margin + side))
    patch = patch.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BICUBIC)
    if flip:
        patch = patch.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    patch = ImageEnhance.Brightness(patch).enhance(brightness)
    arr = np.asarray(patch).astype(np.float32) * gains.astype(np.float32)
    return Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8))


def _whole_view(photo: np.ndarray, name: str, key: str):
    """A view of a whole negative photo: a random large crop, maybe flipped and shifted."""
    h, w = photo.shape[:2]
    side = min(h, w)
    view = _View(name, center=(w // 2, h // 2), side=(int(side * 0.6), int(side * 0.95)),
                 jitter=max(1, (max(h, w) - side) // 2))  # fmt: skip
    return _augment(photo, view, _rng(key))


def _histogram_similarity(a, b) -> float:
    """Intersection of 8-bins-per-channel colour histograms (1 = same colours), for score.json."""
    bins = []
    for img in (a, b):
        arr = np.asarray(img).reshape(-1, 3) // 32
        codes = arr[:, 0].astype(np.int64) * 64 + arr[:, 1] * 8 + arr[:, 2]
        hist = np.bincount(codes, minlength=512).astype(np.float64)
        bins.append(hist / hist.sum())
    return round(float(np.minimum(bins[0], bins[1]).sum()), 4)


def _save_png(img, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG", optimize=False, compress_level=1)  # fast; ~4% larger


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _conversation(question: str, answer: str, *, image: bool = True) -> list[dict[str, str]]:
    prefix = "<image>\n" if image else ""
    return [{"from": "human", "value": prefix + question}, {"from": "gpt", "value": answer}]


def _foreign(rel: str) -> str:
    return f"{FOREIGN_ROOT}/{rel}"


def _token(concept_id: str, text: str) -> str:
    return text.replace("<c>", f"<{concept_id}>")


def _test_items(concept: _SampleConcept, ids: list[str]) -> list[dict[str, Any]]:
    """All MMU items of one concept (official shape: one list, types mixed)."""
    c = concept.id
    items: list[dict[str, Any]] = []
    q = 0

    def rec(rel: str, answer: str) -> None:
        nonlocal q
        question = _token(c, REC_QUESTIONS[q % len(REC_QUESTIONS)])
        q += 1
        items.append({"image": _foreign(rel), "type": "rec",
                      "conversations": _conversation(question, answer)})  # fmt: skip

    for i in range(N_TEST):
        rec(f"concept/test/{c}/{i}.png", "Yes.")
    for other in ids:
        if other != c:
            for i in (0, 3):
                rec(f"concept/test/{other}/{i}.png", "No.")
    for i in range(3):
        rec(f"random_images/{(zlib.crc32(c.encode()) + 7 * i) % N_RANDOM}.png", "No.")

    for i in range(N_TEST):
        question, answer = concept.vqa[i % len(concept.vqa)]
        items.append({"image": _foreign(f"concept/test/{c}/{i}.png"), "type": "vqa",
                      "conversations": _conversation(question, answer)})  # fmt: skip
    black = _foreign("black_512x512.png")
    for question, answer in concept.text_only:
        items.append({"image": black, "type": "text_only",
                      "conversations": _conversation(question, answer)})  # fmt: skip
    for j, (question, answer, with_image) in enumerate(concept.choice):
        image = _foreign(f"concept/test/{c}/{j}.png") if with_image else black
        kind = "vqa_choice" if with_image else "text_only_choice"
        items.append(
            {"image": image, "type": kind, "conversations": _conversation(question, answer)}
        )
    return items


def _training_dialogues(concept: _SampleConcept) -> dict[str, Any]:
    """conversations.json and the recognition files of concept/train/<c>/ (training only).

    conversations.json has the shape the published Sync-R1 code reads (an object keyed by the
    training image's file name, each a list of {"query", "answer"}); the recognition files'
    schema is not published, they are written LLaVA style.
    """
    c = concept.id
    train = [_foreign(f"concept/train/{c}/{i}.png") for i in range(N_TRAIN)]
    conversations = {
        f"{i}.png": [
            {"query": q, "answer": a}
            for q, a in (concept.vqa[i % len(concept.vqa)], concept.vqa[(i + 1) % len(concept.vqa)])
        ]
        for i in range(N_TRAIN)
    }
    positive = [
        {"image": [path], "conversations": _conversation(
            _token(c, REC_QUESTIONS[i % len(REC_QUESTIONS)]), f"Yes, <{c}> is in this photo.")}
        for i, path in enumerate(train)
    ]  # fmt: skip
    random_ = [
        {"image": [_foreign(f"random_images/{i}.png")], "conversations": _conversation(
            _token(c, REC_QUESTIONS[i % len(REC_QUESTIONS)]), f"No, <{c}> is not in this photo.")}
        for i in range(0, N_RANDOM, 4)
    ]  # fmt: skip
    return {
        "conversations.json": conversations,
        "positive_recognitions.json": positive,
        "random_recognitions.json": random_,
    }


TEMPLATE = {
    "positive_recognition": [q.replace("<c>", "<sks>") for q in REC_QUESTIONS],
    "positive_answer": ["Yes, <sks> is in this photo."],
    "negative_answer": ["No, <sks> is not in this photo."],
    "description": ["Describe <sks>.", "What does <sks> look like?"],
}


def write_sample(out_dir: Path) -> Path:
    """Write the sample benchmark into ``out_dir`` (created if needed) and return ``out_dir``.

    The output is byte-identical on every run with the same numpy, Pillow, scikit-image and
    scikit-learn versions. Existing files of the same names are overwritten.
    """
    from PIL import Image

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    photos = _load_sources()
    ids = [c.id for c in CONCEPTS]

    (out / "README.md").write_text(README.format(foreign=FOREIGN_ROOT), encoding="utf-8")
    _save_png(Image.new("RGB", (512, 512)), out / "black_512x512.png")
    _write_json(out / "concepts_list.json", ids)
    _write_json(out / "template.json", TEMPLATE)

    for i in range(N_RANDOM):
        name = RANDOM_SOURCES[i % len(RANDOM_SOURCES)]
        _save_png(
            _whole_view(photos[name], name, f"random/{i}"), out / "random_images" / f"{i}.png"
        )

    train_images: dict[str, list[str]] = {}
    for concept in CONCEPTS:
        c = concept.id
        photo = photos[concept.view.source]
        train_dir = out / "concept" / "train" / c
        test_dir = out / "concept" / "test" / c
        first_train = None
        for i in range(N_TRAIN):
            img = _augment(photo, concept.view, _rng(f"{c}/train/{i}"))
            if first_train is None:
                first_train = img
            _save_png(img, train_dir / f"{i}.png")
            tight = _augment(photo, concept.view, _rng(f"{c}/cropped/{i}"), tight=True)
            _save_png(tight, train_dir / "cropped" / f"{i}.png")
        train_images[c] = [f"{i}.png" for i in range(N_TRAIN)]
        for i in range(N_TEST):
            _save_png(_augment(photo, concept.view, _rng(f"{c}/test/{i}")), test_dir / f"{i}.png")

        scores: dict[str, float] = {}
        for i, name in enumerate(concept.hard_sources[:N_HARD]):
            img = _whole_view(photos[name], name, f"{c}/hard/{i}")
            _save_png(img, train_dir / "negative_example" / f"{i}.png")
            scores[f"{i}.png"] = _histogram_similarity(img, first_train)
        _write_json(train_dir / "negative_example" / "score.json", scores)

        _write_json(train_dir / "info.json", concept.profile)
        for name, dialogues in _training_dialogues(concept).items():
            _write_json(train_dir / name, dialogues)

        _write_json(test_dir / "text_only.json",
                    [{"question": q, "answer": a} for q, a in concept.text_only])  # fmt: skip
        _write_json(test_dir / "vqa.json", [
            {"image": f"{i}.png", "question": concept.vqa[i % len(concept.vqa)][0],
             "answer": concept.vqa[i % len(concept.vqa)][1]} for i in range(N_TEST)
        ])  # fmt: skip
        _write_json(test_dir / "t2i_conditions.json", [f"A photo of <{c}>.", *concept.knowledge])
        _write_json(out / "test_data" / f"{c}.json", _test_items(concept, ids))

    _write_json(out / "concept" / "train" / "train_images.json", train_images)
    return out
