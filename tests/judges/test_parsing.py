import pytest

from unifybench.judges.parsing import ReplyParseError, parse_score


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("1", 1.0),
        ("0", 0.0),
        ("0.5", 0.5),
        (".5", 0.5),
        ("1.0", 1.0),
        ("0.0", 0.0),
        ("  0.5 \n", 0.5),
        ("1.", 1.0),
        ("Score: 1", 1.0),
        ("score:0.5", 0.5),
        ("Score:: 0", 0.0),
        ("Grade: 0.5", 0.5),
    ],
)
def test_accepted_replies(reply: str, value: float) -> None:
    assert parse_score(reply) == value


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "   ",
        None,
        "yes",
        "0.7",
        "2",
        "1/1",
        "10",
        "1 or 0.5",
        "The answer is correct, so 1",
        "1\nThe answer matches the reference.",
        "Score: high",
        "**1**",
        "-1",
    ],
)
def test_rejected_replies(reply: str | None) -> None:
    with pytest.raises(ReplyParseError):
        parse_score(reply)
