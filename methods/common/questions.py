"""Tell recognition and multiple-choice questions apart from open questions.

The method interface passes only the question text and the image, never the task name, so the
baselines decide from the text. The rules, shared by all baselines in ``methods/``:

* **Recognition** ("Is <bo> in this image?", "Can you see <bo> in this photo?", "Does this
  picture show <bo>?"): an image is given, the question names the concept placeholder, mentions
  the image (image, photo, picture, ...) and every other word belongs to a small vocabulary of
  presence words (is, can, you, see, spot, present, visible, in, this, ...). Any other content
  word makes it an open question: "Is <bo> wearing a hat in this photo?" is *not* recognition.
  A trailing instruction sentence ("Answer with yes or no.") is ignored.
* **Multiple choice**: at least two lettered options ``A. ...``, ``(B) ...`` or ``C) ...``, on
  their own lines or inline; or a list after "Options:" / "Choices:" ("Options: red, green, or
  blue.").
* Everything else is an open question (VQA or text-only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IMAGE_NOUNS = frozenset(
    {"image", "photo", "picture", "pic", "photograph", "scene", "frame", "shot", "snapshot", "img"}
)
# Words a presence question may use besides the concept and the image noun.
PRESENCE_WORDS = frozenset(
    {
        "is", "are", "was", "can", "could", "do", "does", "did", "would", "will", "you", "i", "we",
        "see", "spot", "find", "recognize", "recognise", "identify", "notice", "detect", "observe",
        "there", "present", "visible", "shown", "pictured", "depicted", "included", "featured",
        "show", "shows", "contain", "contains", "include", "includes", "feature", "features",
        "depict", "depicts", "appear", "appears", "appearing", "in", "within", "on", "inside",
        "of", "this", "the", "that", "given", "provided", "current", "a", "an", "any", "here",
        "anywhere", "somewhere", "at", "all", "please", "tell", "me", "whether", "if",
    }
)  # fmt: skip
QUESTION_OPENERS = frozenset(
    {"is", "are", "can", "could", "do", "does", "would", "will", "please", "tell"}
)
_INSTRUCTION = re.compile(
    r"\b(answer|respond|reply)\b|\byes or no\b|\bsingle word\b|\bone word\b", re.IGNORECASE
)
_PLACEHOLDER = re.compile(r"<[^<>\s]+>")
_WORD = re.compile(r"[A-Za-z]+")
_OPTION_LIST = re.compile(r"\b(?:options|choices)\s*:\s*(.+)$", re.IGNORECASE | re.DOTALL)
_OPTION = re.compile(r"(?:^|\s|\n)\(?([A-H])[.)]\s+(.+?)(?=(?:\s+\(?[A-H][.)]\s)|\n|$)")


def strip_image_marker(question: str) -> str:
    """Drop the ``<image>`` marker some data keeps in the question text."""
    return question.replace("<image>", " ").strip()


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[?.!])\s+|\n+", text) if s.strip()]


def is_recognition_question(question: str, token: str | None, has_image: bool) -> bool:
    """True for "is the concept in this image?" questions (rules in the module docstring).

    ``token`` is the concept placeholder (``<bo>``); when None any ``<...>`` placeholder counts.
    """
    if not has_image:
        return False
    text = strip_image_marker(question)
    for sentence in _sentences(text):
        if _INSTRUCTION.search(sentence) and "?" not in sentence:
            continue  # "Answer with yes or no." and the like
        if _is_presence_sentence(sentence, token):
            return True
    return False


def _is_presence_sentence(sentence: str, token: str | None) -> bool:
    placeholders = _PLACEHOLDER.findall(sentence)
    if token is not None:
        if token not in placeholders:
            return False
    elif not placeholders:
        return False
    rest = _PLACEHOLDER.sub(" ", sentence)
    words = [w.lower() for w in _WORD.findall(rest)]
    if not any(w in IMAGE_NOUNS for w in words):
        return False
    if words and words[0] not in QUESTION_OPENERS:
        return False
    return all(w in PRESENCE_WORDS or w in IMAGE_NOUNS for w in words)


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice question; ``letter`` is "" for unlettered lists."""

    letter: str
    text: str

    def as_answer(self) -> str:
        """How a baseline answers with this option: ``"B. text"``, or the text alone."""
        return f"{self.letter}. {self.text}" if self.letter else self.text


def choice_options(question: str) -> list[Choice]:
    """The options of a multiple-choice question (empty when it is not one).

    Lettered options must be consecutive letters starting at A; a list after "Options:" or
    "Choices:" is split on commas, semicolons and "or" (letter ``""``). Fewer than two options
    means "not a choice question".
    """
    text = strip_image_marker(question)
    listed = _OPTION_LIST.search(text)
    if listed and not _OPTION.search(listed.group(1)):
        parts = re.split(r"\s*[,;]\s*(?:or\s+)?|\s+or\s+", listed.group(1).strip())
        options = [Choice("", p.strip().rstrip(".?!").strip()) for p in parts if p.strip(" .?!")]
        return options if len(options) >= 2 else []
    found = [Choice(m.group(1), m.group(2).strip().rstrip(";,")) for m in _OPTION.finditer(text)]
    options: list[Choice] = []
    for opt in found:
        if opt.letter == chr(ord("A") + len(options)):
            options.append(opt)
    return options if len(options) >= 2 else []


def question_stem(question: str) -> str:
    """The question without its options."""
    text = strip_image_marker(question)
    listed = _OPTION_LIST.search(text)
    if listed and choice_options(text):
        return text[: listed.start()].strip()
    match = re.search(r"(?:^|\s|\n)\(?A[.)]\s", text)
    return text[: match.start()].strip() if match and choice_options(text) else text


def replace_placeholder(text: str, token: str | None, subject: str, possessive: str) -> str:
    """Replace the concept placeholder (``<bo>``, ``<bo>'s``) by a subject and its possessive."""
    pattern = re.escape(token) if token else _PLACEHOLDER.pattern
    text = re.sub(pattern + r"['’]s\b", possessive, text)
    return re.sub(pattern, subject, text)
