"""Concepts built from real photos shipped with scikit-image, for the baseline tests.

``ann`` (human): the astronaut photo, flipped, darkened and cropped; ``milo`` (animal): the
``chelsea`` cat likewise. Negatives are other skimage photos (cup, rocket, camera man).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@dataclass(frozen=True)
class PhotoSet:
    """The test concepts and the held-out photos of each."""

    ann: object  # Concept
    milo: object  # Concept
    ann_held_out: list  # PIL images of ann not in training
    milo_held_out: list
    others: list  # PIL images of neither


def _concepts(root: Path) -> PhotoSet:
    from PIL import Image, ImageEnhance, ImageOps
    from skimage import data

    from unifybench.data.records import Concept

    def save(img: Image.Image, name: str) -> Path:
        path = root / name
        img.convert("RGB").save(path)
        return path

    ast = Image.fromarray(data.astronaut())
    cat = Image.fromarray(data.chelsea())
    cup = Image.fromarray(data.coffee())
    rocket = Image.fromarray(data.rocket())
    camera = Image.fromarray(data.camera()).convert("RGB")
    w, h = cat.size
    ann_train = [
        save(ast, "ann0.png"),
        save(ImageOps.mirror(ast), "ann1.png"),
        save(ImageEnhance.Brightness(ast).enhance(0.7), "ann2.png"),
        save(ast.crop((60, 0, 460, 400)), "ann3.png"),
    ]
    milo_train = [
        save(cat, "milo0.png"),
        save(ImageOps.mirror(cat), "milo1.png"),
        save(ImageEnhance.Brightness(cat).enhance(0.85), "milo2.png"),
        save(cat.crop((30, 20, w - 30, h - 10)), "milo3.png"),
    ]
    negatives = [save(cup, "cup.png"), save(rocket, "rocket.png"), save(camera, "camera.png")]
    ann = Concept(
        id="ann",
        category="human",
        class_noun="woman",
        info="<ann> is an astronaut who wears an orange flight suit.",
        extra_info=(
            "<ann> loves strawberry ice cream.",
            "<ann> has a cat called Milo.",
            "<ann> was born in Ohio in 1951.",
            "<ann>'s favourite colour is teal.",
        ),
        generation_type="live_subject",
        train_images=tuple(ann_train),
        test_images=(),
        hard_negatives=(negatives[0],),
        random_negatives=tuple(negatives[1:]) + tuple(milo_train[:2]),
        conversation_type="human",
    )
    milo = Concept(
        id="milo",
        category="animal",
        class_noun="cat",
        info="<milo> is a tabby cat with green eyes.",
        extra_info=("<milo> sleeps on the red sofa.", "<milo> is afraid of the vacuum cleaner."),
        generation_type="live_subject",
        train_images=tuple(milo_train),
        test_images=(),
        hard_negatives=(negatives[0],),
        random_negatives=tuple(negatives[1:]) + tuple(ann_train[:2]),
    )
    return PhotoSet(
        ann=ann,
        milo=milo,
        ann_held_out=[ast.rotate(8), ast.resize((300, 300)), ast.crop((0, 0, 420, 512))],
        milo_held_out=[cat.rotate(8), cat.crop((0, 0, w - 60, h - 40))],
        others=[cup, rocket, camera],
    )


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> PhotoSet:
    """Two concepts (a person, a cat) made from skimage photos written to a temp folder."""
    return _concepts(tmp_path_factory.mktemp("photos"))
