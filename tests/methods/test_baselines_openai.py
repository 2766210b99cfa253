"""openai-prompt against the real loopback OpenAI-compatible server (tests/support)."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from methods.openai_prompt import OpenAIPrompt
from methods.openai_prompt.prompts import generation_prompt
from tests.support.openai_server import FakeOpenAI
from unifybench.errors import ConfigError

pytest.importorskip("openai")
KEY_ENV = "UNIFYBENCH_TEST_OPENAI_KEY"


@pytest.fixture
def server(monkeypatch):
    with FakeOpenAI(api_key="sk-secret-loopback-4242") as srv:
        monkeypatch.setenv(KEY_ENV, srv.api_key)
        yield srv


def _method(server: FakeOpenAI, **kw) -> OpenAIPrompt:
    return OpenAIPrompt(base_url=server.base_url, api_key_env=KEY_ENV, **kw)


def _decode(url: str) -> Image.Image:
    assert url.startswith("data:image/jpeg;base64,")
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))


def test_profile_goes_in_the_system_prompt(server, photos, tmp_path) -> None:
    server.responder(lambda req: "  <ann> loves strawberry ice cream.  ")
    method = _method(server, model="gpt-4o-test")
    state = method.personalize(photos.ann, tmp_path)
    assert not server.requests  # personalize sends nothing
    reply = method.answer(state, "What does <ann> like to eat?", None)
    assert reply == "<ann> loves strawberry ice cream."
    (request,) = server.requests
    assert request["model"] == "gpt-4o-test"
    assert request["temperature"] == 0 and request["max_tokens"] == 100
    system, user = request["messages"]
    assert system["role"] == "system"
    for fact in (photos.ann.info, *photos.ann.extra_info):
        assert fact in system["content"]
    assert user == {"role": "user", "content": "What does <ann> like to eat?"}


def test_question_image_and_reference_image_are_sent(server, photos, tmp_path) -> None:
    server.responder(lambda req: "Yes.")
    plain = _method(server)
    state = plain.personalize(photos.ann, tmp_path)
    assert plain.answer(state, "Is <ann> in this image?", photos.others[0]) == "Yes."
    parts = server.requests[-1]["messages"][1]["content"]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert len(urls) == 1
    assert photos.others[0].size == (600, 400) and _decode(urls[0]).size == (512, 341)
    assert parts[-1] == {"type": "text", "text": "Is <ann> in this image?"}

    with_ref = _method(server, reference_image=True, image_max_side=128)
    state = with_ref.personalize(photos.ann, tmp_path)
    with_ref.answer(state, "Is <ann> in this image?", photos.others[0])
    parts = server.requests[-1]["messages"][1]["content"]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert len(urls) == 2
    reference, question = (_decode(u) for u in urls)
    assert max(reference.size) == 128 and max(question.size) == 128
    # the reference is the first training image (the astronaut), downscaled
    first = Image.open(photos.ann.train_images[0]).convert("RGB").resize((128, 128))
    diff = np.abs(np.asarray(reference.convert("RGB"), float) - np.asarray(first, float))
    assert diff.mean() < 8  # JPEG round trip
    # text-only questions still carry the reference photo
    with_ref.answer(state, "Where was <ann> born?", None)
    parts = server.requests[-1]["messages"][1]["content"]
    assert sum(p["type"] == "image_url" for p in parts) == 1


def test_generation_decodes_the_servers_images(server, photos, tmp_path) -> None:
    method = _method(server, size=64, api_size="256x256", image_model="img-test")
    state = method.personalize(photos.milo, tmp_path)
    images = method.generate(state, "a <milo> in the snow", 3, seed=5)
    again = method.generate(state, "a <milo> in the snow", 3, seed=5)
    assert len(images) == 3 and all(im.size == (64, 64) and im.mode == "RGB" for im in images)
    assert all(
        np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(images, again, strict=True)
    )
    assert len(server.image_requests) == 6  # one image per request by default
    request = server.image_requests[0]
    assert request["model"] == "img-test" and request["size"] == "256x256"
    assert request["response_format"] == "b64_json" and request["n"] == 1
    assert request["prompt"] == generation_prompt("a <milo> in the snow", photos.milo)
    assert request["prompt"].startswith("a cat in the snow. About the cat shown: ")
    assert "The cat sleeps on the red sofa." in request["prompt"]
    assert "<milo>" not in request["prompt"]


def test_images_per_request_batches(server, photos, tmp_path) -> None:
    method = _method(server, size=32, api_size="64x64", images_per_request=2)
    state = method.personalize(photos.milo, tmp_path)
    images = method.generate(state, "a <milo>", 3, seed=0)
    assert len(images) == 3
    assert [r["n"] for r in server.image_requests] == [2, 1]
    assert not np.array_equal(np.asarray(images[0]), np.asarray(images[1]))


def test_transient_errors_are_retried(server, photos, tmp_path) -> None:
    server.responder(lambda req: "No.")
    method = _method(server, max_retries=2)
    state = method.personalize(photos.ann, tmp_path)
    server.inject("500", "429")
    assert method.answer(state, "Is <ann> in this image?", photos.others[1]) == "No."
    assert [status for status, _ in server.responses] == [500, 429, 200]

    import openai

    impatient = _method(server, max_retries=0)
    server.inject("500")
    with pytest.raises(openai.InternalServerError):
        impatient.answer(impatient.personalize(photos.ann, tmp_path), "Where?", None)


def test_empty_reply_is_an_error_not_an_answer(server, photos, tmp_path) -> None:
    method = _method(server)
    state = method.personalize(photos.ann, tmp_path)
    server.inject("empty")
    with pytest.raises(RuntimeError, match="empty reply"):
        method.answer(state, "Where was <ann> born?", None)


def test_key_never_in_params_or_repr(server, photos, tmp_path) -> None:
    method = _method(server)
    method.answer(method.personalize(photos.ann, tmp_path), "Hi <ann>?", None)
    assert server.headers[-1]["authorization"] == f"Bearer {server.api_key}"
    for text in (json.dumps(method.params()), repr(method), str(vars(method).keys())):
        assert server.api_key not in text
    assert method.params()["api_key_env"] == KEY_ENV
    assert not any(server.api_key in repr(v) for k, v in vars(method).items() if k != "_client")


def test_missing_key_fails_before_any_request(monkeypatch, photos, tmp_path) -> None:
    with FakeOpenAI() as srv:
        monkeypatch.delenv("UNIFYBENCH_NO_SUCH_KEY", raising=False)
        with pytest.raises(ConfigError, match="UNIFYBENCH_NO_SUCH_KEY"):
            OpenAIPrompt(base_url=srv.base_url, api_key_env="UNIFYBENCH_NO_SUCH_KEY")
        # a key that disappears after construction is caught at personalize time
        monkeypatch.setenv("UNIFYBENCH_NO_SUCH_KEY", "sk-x")
        method = OpenAIPrompt(base_url=srv.base_url, api_key_env="UNIFYBENCH_NO_SUCH_KEY")
        monkeypatch.delenv("UNIFYBENCH_NO_SUCH_KEY")
        with pytest.raises(ConfigError, match="UNIFYBENCH_NO_SUCH_KEY"):
            method.personalize(photos.ann, tmp_path)
        assert srv.requests == [] and srv.image_requests == [] and srv.headers == []
