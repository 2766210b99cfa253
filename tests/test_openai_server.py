"""The loopback OpenAI server used by judge and method tests behaves like the real API."""

from __future__ import annotations

import base64
import io

import pytest

from tests.support.openai_server import FakeOpenAI

openai = pytest.importorskip("openai")


def _client(server: FakeOpenAI, **kw: object) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key=server.api_key, max_retries=0, **kw)


def test_chat_reply_comes_from_responder() -> None:
    with FakeOpenAI() as server:
        server.responder(lambda req: f"echo:{req['messages'][-1]['content']}")
        reply = _client(server).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
        assert reply.choices[0].message.content == "echo:hi"
        assert server.requests[0]["model"] == "m"
        assert server.headers[0]["authorization"] == f"Bearer {server.api_key}"


def test_faults_are_served_in_order_then_normal_replies() -> None:
    with FakeOpenAI(retry_after=2) as server:
        server.inject("429-retry-after", "500")
        client = _client(server)
        with pytest.raises(openai.RateLimitError) as err:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
        assert err.value.response.headers["retry-after"] == "2"
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
        ok = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
        assert ok.choices[0].message.content == "1"
        assert [s for s, _ in server.responses] == [429, 500, 200]


def test_hang_times_out_and_wrong_key_is_refused() -> None:
    with FakeOpenAI(hang_seconds=5) as server:
        server.inject("hang")
        with pytest.raises(openai.APITimeoutError):
            _client(server, timeout=0.3).chat.completions.create(
                model="m", messages=[{"role": "user", "content": "a"}]
            )
        bad = openai.OpenAI(base_url=server.base_url, api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            bad.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])


def test_images_are_deterministic_pngs_of_the_requested_size() -> None:
    from PIL import Image

    with FakeOpenAI() as server:
        client = _client(server)
        first = client.images.generate(
            prompt="a cat", n=2, size="64x32", response_format="b64_json"
        )
        again = client.images.generate(
            prompt="a cat", n=2, size="64x32", response_format="b64_json"
        )
        images = [Image.open(io.BytesIO(base64.b64decode(d.b64_json))) for d in first.data]
        assert [im.size for im in images] == [(64, 32), (64, 32)]
        assert first.data[0].b64_json == again.data[0].b64_json
        assert first.data[0].b64_json != first.data[1].b64_json
        assert len(server.image_requests) == 2
