"""profile-retrieval: real MiniLM retrieval and a calibrated recognition prototype."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from methods.profile_retrieval import ProfileRetrieval
from methods.profile_retrieval.calibration import best_threshold
from methods.profile_retrieval.text_index import load_text_model

pytest.importorskip("sentence_transformers")
pytest.importorskip("dlib")


@pytest.fixture(scope="module")
def ann_state(photos, tmp_path_factory):
    method = ProfileRetrieval()
    workdir = tmp_path_factory.mktemp("ann")
    return method, method.personalize(photos.ann, workdir), workdir


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Which dessert does <ann> enjoy most?", "<ann> loves strawberry ice cream."),
        ("Where does <ann> come from?", "<ann> was born in Ohio in 1951."),
        ("Does <ann> own any pets?", "<ann> has a cat called Milo."),
        ("What is <ann>'s job?", "<ann> is an astronaut who wears an orange flight suit."),
        ("Which colour does <ann> like best?", "<ann>'s favourite colour is teal."),
    ],
)
def test_paraphrased_question_retrieves_the_fact(ann_state, question: str, fact: str) -> None:
    method, state, _ = ann_state
    assert method.answer(state, question, None) == fact


def test_choice_picks_the_option_the_profile_supports(ann_state) -> None:
    method, state, _ = ann_state
    question = "Which food does <ann> love?\nA. pepperoni pizza\nB. strawberry ice cream\nC. sushi"
    assert method.answer(state, question, None) == "B. strawberry ice cream"


def test_person_recognition_uses_faces(ann_state, photos) -> None:
    method, state, workdir = ann_state
    assert state.prototype is not None and state.prototype.kind == "face"
    for image in photos.ann_held_out:
        assert method.answer(state, "Is <ann> in this image?", image) == "Yes."
    for image in photos.others:
        assert method.answer(state, "Can you see <ann> in this photo?", image) == "No."
    report = json.loads((workdir / "calibration.json").read_text())
    assert report["recognition"]["embedding"] == "face"
    assert report["recognition"]["n_train"] == 4
    assert math.isfinite(report["recognition"]["threshold"])
    assert report["checkpoint_hash"] == method.checkpoint_hash(state)


def test_animal_recognition_uses_the_handmade_embedding(photos, tmp_path) -> None:
    method = ProfileRetrieval()
    state = method.personalize(photos.milo, tmp_path)
    assert state.prototype is not None and state.prototype.kind == "handmade"
    assert state.prototype.method == "balanced-accuracy"
    for image in photos.milo_held_out:
        assert method.answer(state, "Is <milo> in this image?", image) == "Yes."
    for image in photos.others:
        assert method.answer(state, "Is <milo> in this image?", image) == "No."


def test_person_without_faces_falls_back_to_handmade(photos, tmp_path) -> None:
    faceless = replace(photos.ann, train_images=photos.milo.train_images)
    state = ProfileRetrieval().personalize(faceless, tmp_path)
    assert state.prototype.kind == "handmade"
    assert "no face found in any training image" in state.prototype.notes


def test_checkpoint_hash_follows_the_profile(photos, tmp_path) -> None:
    method = ProfileRetrieval()
    a = method.checkpoint_hash(method.personalize(photos.milo, tmp_path / "a"))
    b = method.checkpoint_hash(method.personalize(photos.milo, tmp_path / "b"))
    changed = replace(photos.milo, extra_info=("<milo> hates rain.",))
    c = method.checkpoint_hash(method.personalize(changed, tmp_path / "c"))
    assert a == b != c


def test_text_model_is_loaded_once_per_process() -> None:
    assert load_text_model() is load_text_model()


def test_threshold_sits_in_the_gap_and_respects_the_prior() -> None:
    assert best_threshold([0.1, 0.2], [0.6, 0.8], prior=0.5) == pytest.approx(0.4)
    # no finite negative: the upper end is the prior, not a hair above the farthest positive
    assert best_threshold([0.1, 0.2], [math.inf], prior=0.6) == pytest.approx(0.6)
    # overlapping distributions: 0.75 keeps all positives and 3 of 4 negatives (0.875), better
    # than any threshold below 0.7 (at most 0.75)
    t = best_threshold([0.1, 0.2, 0.3, 0.7], [0.25, 0.8, 0.9, 1.0], prior=0.5)
    assert t == pytest.approx(0.75)
