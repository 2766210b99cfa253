import json
from pathlib import Path

import pytest

from unifybench.errors import ConfigError
from unifybench.judges.templates import BUILTIN_TEMPLATES, load_template

# Snapshot of the built-in prompt hashes: a change to a prompt file must be deliberate (update
# docs/judges.md and this table; the hash changes every judge identity and cache key).
PINNED = {
    "text": "5017827922ce",
    "text-legacy": "fa62ae61a714",
    "vision": "3e2b4df7d597",
    "vision-legacy": "71bec1096b3b",
    "dreambench-subject": "1a054bcfaefe",
    "dreambench-style": "a42e44f4f515",
    "dreambench-text": "c5c330d5dd7a",
}


def test_builtin_prompt_hashes_are_pinned() -> None:
    assert {name: load_template(name).hash12 for name in BUILTIN_TEMPLATES} == PINNED


@pytest.mark.parametrize("name", sorted(BUILTIN_TEMPLATES))
def test_builtin_templates_use_exactly_their_documented_fields(name: str) -> None:
    assert load_template(name).fields() == set(BUILTIN_TEMPLATES[name])


def test_legacy_template_shows_the_system_prompt_inside_the_question() -> None:
    system, user = load_template("text-legacy").render(
        {
            "system_prompt": "<bo> is <token_0><token_1>.\n",
            "question": "What colour is <bo>'s hat?",
            "gold": "Red.",
            "prediction": "It is red.",
        }
    )
    assert system is None
    assert "Question: <bo> is <token_0><token_1>.\nWhat colour is <bo>'s hat?" in user


def test_render_keeps_braces_and_dollars_in_values() -> None:
    _, user = load_template("text").render(
        {"question": "q {x}", "gold": "$5 and ${y}", "prediction": "{}"}
    )
    assert "q {x}" in user and "$5 and ${y}" in user


def test_missing_field_names_it() -> None:
    with pytest.raises(ConfigError, match="prediction"):
        load_template("text").render({"question": "q", "gold": "g"})


def test_custom_template_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    path.write_text("[user]\nQ: $question -> $prediction\n")
    tpl = load_template(path)
    assert tpl.name == "mine" and tpl.system is None
    assert tpl.render({"question": "a", "prediction": "b"}) == (None, "Q: a -> b")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no section here\n", "before the first section"),
        ("[system]\nonly a system part\n", "no '\\[user\\]' section"),
        ("[user]\na\n[user]\nb\n", "appears twice"),
    ],
)
def test_bad_template_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_template(path)


def test_json_template_is_used_verbatim(tmp_path: Path) -> None:
    """A .json template keeps every character (a section file strips each section): what a
    prompt copied from another program needs to be sent byte for byte."""
    path = tmp_path / "exact.json"
    path.write_text(json.dumps({"system": "\n  Rubric.\n    ", "user": "Q: $question, $$5\n"}))
    tpl = load_template(path)
    assert tpl.name == "exact" and tpl.fields() == {"question"}
    assert tpl.render({"question": "a"}) == ("\n  Rubric.\n    ", "Q: a, $5\n")
    path.write_text(json.dumps({"user": "only a user message $question"}))
    assert load_template(path).render({"question": "b"}) == (None, "only a user message b")
    for bad in ('{"user": 3}', "[1]", '{"user": "x", "assistant": "y"}', "not json"):
        path.write_text(bad)
        with pytest.raises(ConfigError, match=r"exact\.json"):
            load_template(path)


def test_unknown_template_name() -> None:
    with pytest.raises(ConfigError, match="neither a built-in"):
        load_template("no-such-template")
