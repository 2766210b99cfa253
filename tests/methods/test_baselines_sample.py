"""The baselines on the sample benchmark: profile-retrieval must clearly beat the floor."""

from __future__ import annotations

import re

import pytest

from unifybench.data.records import load_image
from unifybench.method import create_method

pytest.importorskip("sentence_transformers")
pytest.importorskip("dlib")
STOPWORDS = {"a", "an", "the", "in", "on", "of", "with"}


def _answers(
    method_name: str, benchmark, tmp_path, **params
) -> dict[str, list[tuple[object, str]]]:
    """Every understanding item of every concept answered: {concept: [(item, answer)]}."""
    method = create_method(method_name, **params)
    out: dict[str, list[tuple[object, str]]] = {}
    for cid, concept in benchmark.concepts.items():
        state = method.personalize(concept, tmp_path / method_name / cid)
        out[cid] = [
            (
                item,
                method.answer(state, item.question, load_image(item.image) if item.image else None),
            )
            for item in benchmark.understanding[cid]
        ]
    return out


def _rec_weight(pairs) -> float:
    """Published rule: yes iff "yes" is in the lower-cased answer; weight = mean of recalls."""
    pos = [("yes" in a.lower()) for i, a in pairs if i.task == "rec" and i.is_positive]
    neg = [("yes" not in a.lower()) for i, a in pairs if i.task == "rec" and not i.is_positive]
    assert pos and neg
    return (sum(pos) / len(pos) + sum(neg) / len(neg)) / 2


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower())} - STOPWORDS


@pytest.fixture(scope="module")
def answers(sample_benchmark, tmp_path_factory):
    root = tmp_path_factory.mktemp("sample_runs")
    return {
        "no-personalization": _answers("no-personalization", sample_benchmark, root),
        # 8 negatives (of 24) keep the test fast; the default is 40
        "profile-retrieval": _answers("profile-retrieval", sample_benchmark, root, max_negatives=8),
    }


def test_every_sample_item_gets_a_string(answers) -> None:
    for per_concept in answers.values():
        for pairs in per_concept.values():
            assert pairs and all(isinstance(a, str) and a for _, a in pairs)


def test_floor_rec_weight_is_exactly_one_half(answers) -> None:
    for pairs in answers["no-personalization"].values():
        assert _rec_weight(pairs) == 0.5


def test_profile_retrieval_recognition_beats_the_floor(answers) -> None:
    weights = {c: _rec_weight(p) for c, p in answers["profile-retrieval"].items()}
    mean = sum(weights.values()) / len(weights)
    assert mean >= 0.8, weights
    assert all(w > 0.5 for w in weights.values()), weights


def test_profile_retrieval_text_answers_carry_the_gold_fact(answers) -> None:
    hits = total = 0
    for pairs in answers["profile-retrieval"].values():
        for item, answer in pairs:
            if item.task == "text_only":
                total += 1
                hits += _words(item.answer) <= _words(answer)
    assert total and hits / total >= 0.8
    floor = [
        _words(i.answer) <= _words(a)
        for pairs in answers["no-personalization"].values()
        for i, a in pairs
        if i.task == "text_only"
    ]
    assert not any(floor)


def test_profile_retrieval_choice_beats_the_floor(answers) -> None:
    def accuracy(name: str) -> float:
        flags = [
            i.answer.lower() in a.lower()
            for pairs in answers[name].values()
            for i, a in pairs
            if i.task == "choice"
        ]
        assert flags
        return sum(flags) / len(flags)

    assert accuracy("profile-retrieval") > accuracy("no-personalization")
