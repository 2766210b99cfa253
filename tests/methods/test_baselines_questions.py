"""How the baselines tell recognition and multiple-choice questions from open questions."""

from __future__ import annotations

import pytest

from methods.common.questions import (
    choice_options,
    is_recognition_question,
    question_stem,
    replace_placeholder,
)


@pytest.mark.parametrize(
    "question",
    [
        "Is <bo> in this image?",
        "<image>\nCan you see <bo> in this photo?",
        "Do you see <bo> in the picture?",
        "Is <bo> present in this photograph?",
        "Is <bo> visible in the image? Answer with yes or no.",
        "Does this photo show <bo>?",
        "Can you spot <bo> anywhere in this image?",
    ],
)
def test_recognition_phrasings_are_recognised(question: str) -> None:
    assert is_recognition_question(question, "<bo>", has_image=True)


@pytest.mark.parametrize(
    ("question", "token", "has_image"),
    [
        ("Is <bo> in this image?", "<bo>", False),  # no image: cannot be recognition
        ("Is <bo> wearing a hat in this photo?", "<bo>", True),  # an attribute question
        ("What is <bo> doing in this image?", "<bo>", True),
        ("Is <bo> a dog?", "<bo>", True),  # no image noun: a text question
        ("Is <mam> in this image?", "<bo>", True),  # another concept's placeholder
        ("Is the dog in this image?", "<bo>", True),  # no placeholder at all
    ],
)
def test_other_questions_are_not_recognition(question: str, token: str, has_image: bool) -> None:
    assert not is_recognition_question(question, token, has_image)


def test_any_placeholder_counts_when_token_unknown() -> None:
    assert is_recognition_question("Is <mam> in this image?", None, has_image=True)


def test_choice_options_inline_and_on_lines() -> None:
    inline = choice_options("What does <bo> like? A. apples B. green pears C. fish")
    assert [(o.letter, o.text) for o in inline] == [
        ("A", "apples"),
        ("B", "green pears"),
        ("C", "fish"),
    ]
    lines = choice_options("What does <bo> like?\n(A) apples and more\n(B) pears")
    assert [(o.letter, o.text) for o in lines] == [("A", "apples and more"), ("B", "pears")]
    assert question_stem("What does <bo> like? A. apples B. pears") == "What does <bo> like?"


def test_choice_options_separated_by_semicolons() -> None:
    options = choice_options("Q: What does <bo> wear? Choices: A. a hat; B. a scarf; C. boots.")
    assert [o.text for o in options] == ["a hat", "a scarf", "boots."]


def test_choice_options_listed_after_options_colon() -> None:
    question = "Where does <c> sleep? Options: on the sofa, in a red basket, or in a box."
    options = choice_options(question)
    assert [o.text for o in options] == ["on the sofa", "in a red basket", "in a box"]
    assert options[1].as_answer() == "in a red basket"
    assert question_stem(question) == "Where does <c> sleep?"
    assert choice_options("What is it? Options: only one.") == []


def test_not_a_choice_question() -> None:
    assert choice_options("Is <bo> a dog?") == []
    assert choice_options("What is written on plan B. of the map?") == []


def test_replace_placeholder_handles_possessive() -> None:
    assert replace_placeholder("What is <bo>'s hat? <bo> likes it.", "<bo>", "it", "its") == (
        "What is its hat? it likes it."
    )
