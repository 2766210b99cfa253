"""Fixtures for the Show-o tests: offline hub, a tiny backbone, a concept built from real photos."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_backbone():
    """A tiny random Show-o backbone (shared; tests must not add tokens to it)."""
    from methods.showo.backbone import ShowoBackbone

    return ShowoBackbone.create("tiny", device="cpu")


def _write_photos(folder: Path, arrays, prefix: str) -> tuple[Path, ...]:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, arr in enumerate(arrays):
        p = folder / f"{prefix}{i}.png"
        Image.fromarray(arr).resize((64, 64)).save(p)
        paths.append(p)
    return tuple(paths)


@pytest.fixture(scope="session")
def photo_concepts(tmp_path_factory):
    """Two concepts from scikit-image photos: a person (astronaut) and a cat (chelsea)."""
    import numpy as np
    from skimage import data

    from unifybench.data.records import Concept

    root = tmp_path_factory.mktemp("concepts")
    astro = data.astronaut()
    cat = data.chelsea()
    coffee = data.coffee()

    def views(img):
        h, w = img.shape[:2]
        return [img, np.ascontiguousarray(img[:, ::-1]), img[h // 8 :, w // 8 :], img[: h - h // 8]]

    person = Concept(
        id="astro",
        category="human",
        class_noun="woman",
        info="<astro> is a woman in a white space suit.",
        extra_info=("<astro> flew on the space shuttle.", "<astro> likes flags."),
        generation_type="live_subject",
        train_images=_write_photos(root / "astro", views(astro), "t"),
        test_images=(),
        cropped_images=_write_photos(root / "astro" / "cropped", views(astro)[:2], "c"),
        random_negatives=_write_photos(root / "neg", [coffee], "n"),
        conversation_type="human",
    )
    pet = Concept(
        id="mimi",
        category="animal",
        class_noun="cat",
        info="<mimi> is a tabby cat.",
        extra_info=("<mimi> sleeps all day.",),
        generation_type="live_subject",
        train_images=_write_photos(root / "mimi", views(cat), "t"),
        test_images=(),
        random_negatives=_write_photos(root / "neg2", [coffee], "n"),
    )
    return {"person": person, "pet": pet}
