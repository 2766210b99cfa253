"""no-personalization (the floor) and reference-images (the real-image ceiling)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from methods.no_personalization import NoPersonalization
from methods.reference_images import ReferenceImages, square_resize
from unifybench.data.records import load_image
from unifybench.errors import ConfigError, DataError
from unifybench.method import Method, create_method


def test_registry_builds_baselines_with_declared_capabilities(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-registry-test")
    expected = {
        "no-personalization": {"understanding", "generation"},
        "reference-images": {"generation"},
        "profile-retrieval": {"understanding"},
        "openai-prompt": {"understanding", "generation"},
    }
    for name, caps in expected.items():
        method = create_method(name)
        assert isinstance(method, Method)
        assert method.name == name
        assert method.capabilities == frozenset(caps)
        json.dumps(method.params())  # provenance must be JSON-serialisable


def test_no_personalization_gives_one_rec_answer_whatever_the_image(photos, tmp_path) -> None:
    method = NoPersonalization()
    state = method.personalize(photos.ann, tmp_path)
    images = [*photos.ann_held_out, *photos.others]
    answers = {method.answer(state, "Is <ann> in this image?", im) for im in images}
    assert answers == {"No."}
    yes = NoPersonalization(rec_answer="Yes.")
    assert yes.answer(state, "Can you see <ann> in this photo?", images[0]) == "Yes."


def test_no_personalization_open_answer_knows_nothing(photos, tmp_path) -> None:
    method = NoPersonalization()
    state = method.personalize(photos.ann, tmp_path)
    reply = method.answer(state, "What is <ann>'s favourite colour?", None)
    assert isinstance(reply, str)
    assert reply == "I don't know: what is its favourite colour?"
    assert "teal" not in reply and "<ann>" not in reply
    plain = NoPersonalization(open_answer="plain")
    assert plain.answer(state, "What is <ann>'s favourite colour?", None) == "I don't know."
    # an attribute question about an image is open, not recognition
    attr = method.answer(state, "Is <ann> wearing a hat in this photo?", photos.others[0])
    assert attr.startswith("I don't know")


def test_no_personalization_choice_takes_first_option(photos, tmp_path) -> None:
    method = NoPersonalization()
    state = method.personalize(photos.ann, tmp_path)
    reply = method.answer(state, "What does <ann> love? A. pizza B. strawberry ice cream", None)
    assert reply == "A. pizza"


def test_no_personalization_images_are_seeded_noise(photos, tmp_path) -> None:
    method = NoPersonalization(size=64)
    state = method.personalize(photos.ann, tmp_path)
    first = method.generate(state, "a <ann> on the beach", 3, seed=7)
    again = method.generate(state, "a photo of something else", 3, seed=7)
    other = method.generate(state, "a <ann> on the beach", 3, seed=8)
    assert len(first) == 3 and all(im.size == (64, 64) and im.mode == "RGB" for im in first)
    arrays = [np.asarray(im) for im in first]
    assert all(np.array_equal(a, np.asarray(b)) for a, b in zip(arrays, again, strict=True))
    assert not np.array_equal(arrays[0], np.asarray(other[0]))
    assert not np.array_equal(arrays[0], arrays[1])  # images of one call differ
    gray = NoPersonalization(image_style="gray", size=32).generate(state, "x", 1, seed=0)[0]
    assert set(np.unique(np.asarray(gray))) == {128}


def test_no_personalization_rejects_bad_params() -> None:
    with pytest.raises(ConfigError, match="rec_answer"):
        NoPersonalization(rec_answer="maybe")
    with pytest.raises(ConfigError, match="open_answer"):
        NoPersonalization(open_answer="guess")
    with pytest.raises(ConfigError, match="image_style"):
        NoPersonalization(image_style="art")


def test_reference_images_returns_the_training_pixels(photos, tmp_path) -> None:
    method = ReferenceImages(size=512)
    state = method.personalize(photos.ann, tmp_path)
    train = [np.asarray(load_image(p)) for p in photos.ann.train_images]
    k = len(train)
    images = [np.asarray(im) for im in method.generate(state, "a <ann> in the jungle", k + 2, 3)]
    assert all(im.shape == (512, 512, 3) for im in images)
    # three of the four astronaut images are 512 x 512: they come back pixel for pixel
    exact = [i for i, a in enumerate(train) if a.shape == (512, 512, 3)]
    assert len(exact) == 3
    matches = [[j for j in exact if np.array_equal(train[j], im)] for im in images]
    first = next(i for i, m in enumerate(matches) if m)
    start = (matches[first][0] - first) % k
    for i, im in enumerate(images):  # image i is training image (start + i) mod k
        j = (start + i) % k
        if j in exact:
            assert np.array_equal(im, train[j])
        else:
            expected = square_resize(load_image(photos.ann.train_images[j]), 512)
            assert np.array_equal(im, np.asarray(expected))


def test_reference_images_cycle_is_seeded_and_resized(photos, tmp_path) -> None:
    method = ReferenceImages(size=96)
    state = method.personalize(photos.milo, tmp_path)
    a = method.generate(state, "x", 5, seed=11)
    b = method.generate(state, "y", 5, seed=11)
    assert all(im.size == (96, 96) for im in a)
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b, strict=True))
    # with 4 training images, image i and i+4 are the same photo
    assert np.array_equal(np.asarray(a[0]), np.asarray(a[4]))
    expected = [square_resize(load_image(p), 96) for p in photos.milo.train_images]
    assert any(np.array_equal(np.asarray(a[0]), np.asarray(e)) for e in expected)
    starts = {
        next(
            i
            for i, e in enumerate(expected)
            if np.array_equal(np.asarray(method.generate(state, "x", 1, seed=s)[0]), np.asarray(e))
        )
        for s in range(12)
    }
    assert len(starts) > 1  # the seed moves the start of the cycle


def test_reference_images_needs_training_images(photos, tmp_path) -> None:
    from dataclasses import replace

    with pytest.raises(DataError, match="train_images"):
        ReferenceImages().personalize(replace(photos.milo, train_images=()), tmp_path)
    assert ReferenceImages.capabilities == frozenset({"generation"})


def test_square_resize_keeps_exact_pixels_and_crops_centre() -> None:
    pixels = np.arange(40 * 60 * 3, dtype=np.uint8).reshape(40, 60, 3)
    out = square_resize(Image.fromarray(pixels), 40)
    assert np.array_equal(np.asarray(out), pixels[:, 10:50])


def test_importing_the_baselines_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, methods.no_personalization, methods.reference_images, "
        "methods.profile_retrieval, methods.openai_prompt\n"
        "heavy = {'torch', 'sentence_transformers', 'dlib', 'openai', 'skimage', 'transformers'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "[]"
