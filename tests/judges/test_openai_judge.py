"""The OpenAI-compatible judge against a real HTTP server on 127.0.0.1 (tests/support)."""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path

import pytest

from tests.judges.conftest import KEY_ENV, fast_config
from unifybench.errors import ConfigError
from unifybench.judges import JudgeRequest, OpenAIJudge, summarize


def requests_for(n: int, prefix: str = "bo/vqa") -> list[JudgeRequest]:
    return [
        JudgeRequest(
            f"{prefix}/{i}",
            {"question": f"What is {i}?", "gold": f"It is {i}.", "prediction": f"{i}, I think."},
        )
        for i in range(n)
    ]


def user_text(body: dict) -> str:
    content = next(m for m in body["messages"] if m["role"] == "user")["content"]
    return content if isinstance(content, str) else content[0]["text"]


def grade_by_question(body: dict) -> str:
    """A deterministic responder: 1, 0.5 or 0 from the number in the question."""
    text = user_text(body)
    number = int(text.split("What is ")[1].split("?")[0])
    return ["1", "0.5", "0"][number % 3]


def test_scores_every_item_with_fresh_stateless_requests(server, judge_key, tmp_path) -> None:
    server.responder(grade_by_question)
    judge = OpenAIJudge(fast_config(server, tmp_path))
    results = judge.score_many(requests_for(9))
    assert [r.value for r in results] == [1.0, 0.5, 0.0] * 3
    assert [r.item_id for r in results] == [f"bo/vqa/{i}" for i in range(9)]
    assert all(r.attempts == 1 and not r.cached and r.error is None for r in results)
    assert len(server.requests) == 9 == judge.requests_made
    for body in server.requests:  # one system + exactly one user turn, never a history
        assert [m["role"] for m in body["messages"]] == ["system", "user"]
        assert body["model"] == "fake-judge" and body["temperature"] == 0.0
    # every request carries only its own item
    assert sorted(user_text(b).split("What is ")[1].split("?")[0] for b in server.requests) == [
        str(i) for i in range(9)
    ]


def test_second_pass_is_served_from_the_cache(server, judge_key, tmp_path) -> None:
    server.responder(grade_by_question)
    first = OpenAIJudge(fast_config(server, tmp_path)).score_many(requests_for(6))
    sent = len(server.requests)
    assert sent == 6
    again = OpenAIJudge(fast_config(server, tmp_path))  # a new process would look the same
    second = again.score_many(requests_for(6))
    assert len(server.requests) == sent and again.requests_made == 0
    assert [r.value for r in second] == [r.value for r in first]
    assert all(r.cached and r.attempts == 0 for r in second)
    # a different model is a different judge: nothing is served from the other's cache
    other = OpenAIJudge(fast_config(server, tmp_path, model="other-judge"))
    other.score_many(requests_for(1))
    assert len(server.requests) == sent + 1


def test_identical_requests_in_one_batch_are_sent_once(server, judge_key, tmp_path) -> None:
    same = requests_for(1)[0]
    dup = JudgeRequest("bo/vqa/9", same.fields)
    results = OpenAIJudge(fast_config(server, tmp_path)).score_many([same, dup])
    assert len(server.requests) == 1
    assert [r.item_id for r in results] == ["bo/vqa/0", "bo/vqa/9"]
    assert results[0].value == results[1].value == 1.0 and results[1].cached


def test_missing_key_fails_before_any_request(server, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    judge = OpenAIJudge(fast_config(server, tmp_path))
    with pytest.raises(ConfigError, match=KEY_ENV):
        judge.check_ready()
    with pytest.raises(ConfigError, match=KEY_ENV):
        judge.score_many(requests_for(3))
    assert server.requests == [] and judge.requests_made == 0
    assert not any(tmp_path.iterdir())  # no cache was even created


@pytest.mark.parametrize("fault", ["429", "500", "malformed-json", "hang"])
def test_transient_faults_are_retried(server, judge_key, tmp_path, fault) -> None:
    server.inject(fault, fault)
    judge = OpenAIJudge(fast_config(server, tmp_path, timeout=0.4))
    [result] = judge.score_many(requests_for(1))
    assert result.value == 1.0 and result.error is None
    assert result.attempts == 3 == len(server.requests)


def test_retry_after_is_honoured(server, judge_key, tmp_path) -> None:
    # backoff_base is 10 ms, so waiting >= 0.3 s (retry_after_max) proves Retry-After was used
    server.inject("429-retry-after")
    judge = OpenAIJudge(fast_config(server, tmp_path, retry_after_max=0.3))
    start = time.monotonic()
    [result] = judge.score_many(requests_for(1))
    elapsed = time.monotonic() - start
    assert result.value == 1.0 and result.attempts == 2
    assert elapsed >= 0.3


def test_retries_are_bounded_and_the_item_is_explicitly_unscored(
    server, judge_key, tmp_path
) -> None:
    server.inject("500", "500", "500")
    judge = OpenAIJudge(fast_config(server, tmp_path, max_retries=2))
    results = judge.score_many(requests_for(1))
    [result] = results
    assert math.isnan(result.value) and result.attempts == 3 == len(server.requests)
    assert "gave up after 3 attempt(s): HTTP 500" in result.error
    # transport failures are not cached: the next run asks again (and now succeeds)
    [retry] = OpenAIJudge(fast_config(server, tmp_path)).score_many(requests_for(1))
    assert retry.value == 1.0 and not retry.cached and len(server.requests) == 4


def test_unparseable_reply_gets_one_reask_then_is_unscored(server, judge_key, tmp_path) -> None:
    replies = iter(["The answer is correct.", "1", "I'd say mostly right", "still not a number"])
    lock = threading.Lock()

    def responder(body: dict) -> str:
        with lock:
            return next(replies)

    server.responder(responder)
    judge = OpenAIJudge(fast_config(server, tmp_path, concurrency=1))
    ok, bad = judge.score_many(requests_for(2))
    assert ok.value == 1.0 and ok.attempts == 2 and ok.extra["reasked"]
    assert ok.extra["first_reply"] == "The answer is correct."
    assert math.isnan(bad.value) and bad.raw == "still not a number" and bad.attempts == 2
    assert "unparseable after one re-ask" in bad.error
    # the re-ask is still a fresh single-turn request with a format reminder
    reask = server.requests[1]
    assert [m["role"] for m in reask["messages"]] == ["system", "user"]
    assert user_text(reask).endswith("Reply with exactly one of 0, 0.5 or 1 and nothing else.")
    assert summarize([ok, bad]) == {
        "total": 2,
        "scored": 1,
        "unscored": 1,
        "cached": 0,
        "requests": 4,
    }


@pytest.mark.parametrize("concurrency", [1, 4])
def test_mixed_faults_nothing_dropped_and_counts_add_up(
    server, judge_key, tmp_path, concurrency
) -> None:
    verbose = {3: "Score: 1. The model answer matches the reference well.", 5: "half right"}

    def responder(body: dict) -> str:
        text = user_text(body)
        number = int(text.split("What is ")[1].split("?")[0])
        if number in verbose and "previous reply could not be read" not in text:
            return verbose[number]
        if number == 5:
            return "0.5"
        if number == 7:
            return "n/a"
        return "1"

    server.responder(responder)
    faults = ["429", "429-retry-after", "500", "hang", "malformed-json", "empty"]
    server.inject(*faults)
    cfg = fast_config(server, tmp_path, timeout=0.4, max_retries=6, concurrency=concurrency)
    judge = OpenAIJudge(cfg)
    results = judge.score_many(requests_for(12))
    counts = summarize(results)
    assert [r.item_id for r in results] == [f"bo/vqa/{i}" for i in range(12)]
    assert counts["total"] == 12 == counts["scored"] + counts["unscored"]
    for r in results:  # every item is scored, or explicitly unscored with its reason
        assert r.scored == (r.error is None)
    # every HTTP request the server saw is accounted for by exactly one item's attempts
    assert counts["requests"] == len(server.requests) == judge.requests_made
    by_id = {r.item_id: r for r in results}
    assert math.isnan(by_id["bo/vqa/7"].value) and by_id["bo/vqa/7"].raw == "n/a"
    if concurrency == 1:
        # all faults hit item 0 in order; the verbose replies are fixed by the re-ask
        assert by_id["bo/vqa/0"].value == 1.0 and by_id["bo/vqa/0"].attempts == 7
        assert by_id["bo/vqa/5"].value == 0.5 and by_id["bo/vqa/3"].value == 1.0
        assert counts["unscored"] == 1
        # 12 first asks + re-asks of items 3, 5, 7 + one extra request per fault
        assert len(server.requests) == 12 + 3 + len(faults)


def test_concurrency_is_capped(server, judge_key, tmp_path) -> None:
    server.latency = 0.05
    judge = OpenAIJudge(fast_config(server, tmp_path, concurrency=3))
    results = judge.score_many(requests_for(15))
    assert all(r.value == 1.0 for r in results) and len(server.requests) == 15
    assert server.max_concurrent == 3  # reached, never exceeded


def test_client_errors_are_not_retried(server, judge_key, tmp_path) -> None:
    server.inject("401")
    judge = OpenAIJudge(fast_config(server, tmp_path))
    [result] = judge.score_many(requests_for(1))
    assert math.isnan(result.value) and result.attempts == 1 == len(server.requests)
    assert result.error.startswith("HTTP 401")
    # not cached: the next run asks again
    [again] = OpenAIJudge(fast_config(server, tmp_path)).score_many(requests_for(1))
    assert again.value == 1.0 and len(server.requests) == 2


def test_wrong_key_is_reported_without_the_key(server, tmp_path, monkeypatch) -> None:
    wrong = "sk-wrong-key-for-this-server-123"
    monkeypatch.setenv(KEY_ENV, wrong)
    [result] = OpenAIJudge(fast_config(server, tmp_path)).score_many(requests_for(1))
    assert math.isnan(result.value) and "HTTP 401" in result.error
    assert wrong not in result.error and wrong not in repr(result)


def test_key_never_reaches_cache_results_or_logs(
    server, judge_key, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.inject("500", "429")
    server.responder(lambda body: "not a score")
    judge = OpenAIJudge(fast_config(server, tmp_path / "cache"))
    results = judge.score_many(requests_for(3))
    judge.close()
    assert caplog.records  # retries were logged
    blobs = [caplog.text, repr(results), repr(judge.config), str(judge.info())]
    blobs += [p.read_bytes().decode("latin-1") for p in Path(tmp_path).rglob("*") if p.is_file()]
    assert all(judge_key not in blob for blob in blobs)
    assert any(p.suffix == ".sqlite" for p in (tmp_path / "cache").iterdir())


def test_unreadable_image_is_unscored_without_a_request(server, judge_key, tmp_path) -> None:
    cfg = fast_config(server, tmp_path, role="vision", prompt="vision")
    req = JudgeRequest(
        "bo/knowledge/1#0",
        {"concept": "<bo>", "info": "i", "extra_info": "e", "prompt": "p"},
        images=(tmp_path / "missing.png",),
    )
    [result] = OpenAIJudge(cfg).score_many([req])
    assert math.isnan(result.value) and "cannot build request" in result.error
    assert server.requests == []


def test_cache_can_be_switched_off(server, judge_key, tmp_path) -> None:
    judge = OpenAIJudge(fast_config(server, tmp_path / "c", use_cache=False))
    judge.score_many(requests_for(2))
    judge.score_many(requests_for(2))
    assert len(server.requests) == 4 and not (tmp_path / "c").exists()
