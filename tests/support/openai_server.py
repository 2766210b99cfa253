"""A real HTTP server on 127.0.0.1 that speaks the parts of the OpenAI API UnifyBench uses.

Endpoints: ``POST /v1/chat/completions`` (replies come from a responder function) and
``POST /v1/images/generations`` (deterministic PNGs of the requested size, as ``b64_json``).
Faults can be queued for the next requests to test retries and strict parsing::

    with FakeOpenAI() as server:
        server.responder(lambda request: "1")
        server.inject("429", "500", "hang")
        client = OpenAI(base_url=server.base_url, api_key=server.api_key)

Fault kinds: ``429`` (no Retry-After), ``429-retry-after`` (Retry-After header of
``retry_after`` seconds), ``500``, ``hang`` (no answer for ``hang_seconds``), ``malformed-json``
(status 200, a body that is not JSON), ``empty`` (a reply with empty content), ``401``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("429", "429-retry-after", "500", "hang", "malformed-json", "empty", "401")


def _png(width: int, height: int, key: str) -> bytes:
    """A deterministic image for ``key``: two colours from its hash, split diagonally."""
    from PIL import Image, ImageDraw

    digest = hashlib.sha256(key.encode()).digest()
    img = Image.new("RGB", (width, height), tuple(digest[:3]))
    ImageDraw.Draw(img).polygon([(0, height), (width, 0), (width, height)], fill=tuple(digest[3:6]))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


class FakeOpenAI:
    """Loopback OpenAI-compatible server with scripted replies, latency and faults."""

    def __init__(
        self,
        api_key: str = "sk-test-loopback-key",
        latency: float = 0.0,
        retry_after: float = 1.0,
        hang_seconds: float = 30.0,
    ) -> None:
        self.api_key = api_key
        self.latency = latency
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.requests: list[dict[str, Any]] = []
        self.image_requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.responses: list[tuple[int, str]] = []  # (status, fault or "ok") per chat request
        self.max_concurrent = 0
        self._active = 0
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._responder: Callable[[dict[str, Any]], str] = lambda request: "1"
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- configuration -------------------------------------------------------------------
    def responder(self, fn: Callable[[dict[str, Any]], str]) -> Callable[[dict[str, Any]], str]:
        """Set the function mapping a chat request body to the reply text (usable as decorator)."""
        self._responder = fn
        return fn

    def inject(self, *faults: str) -> None:
        """Queue faults; each is used by exactly one of the next chat/image requests."""
        for fault in faults:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases hanging handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling ------------------------------------------------------------------
    def _next_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def _send(
                self, status: int, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _error(
                self, status: int, message: str, headers: dict[str, str] | None = None
            ) -> None:
                body = json.dumps({"error": {"message": message, "type": "fake", "code": status}})
                self._send(status, body.encode(), headers)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, json.dumps({"object": "list", "data": []}).encode())
                else:
                    self._error(404, f"no route {self.path}")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with server._lock:
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    server._active += 1
                    server.max_concurrent = max(server.max_concurrent, server._active)
                try:
                    self._route(raw)
                finally:
                    with server._lock:
                        server._active -= 1

            def _route(self, raw: bytes) -> None:
                path = self.path.rstrip("/")
                if path not in ("/v1/chat/completions", "/v1/images/generations"):
                    self._error(404, f"no route {self.path}")
                    return
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._error(400, "request body is not JSON")
                    return
                is_chat = path == "/v1/chat/completions"
                with server._lock:
                    (server.requests if is_chat else server.image_requests).append(body)
                if server.latency:
                    server._stop.wait(server.latency)
                if self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    self._log(401, "bad-key")
                    self._error(401, "invalid api key")
                    return
                fault = server._next_fault()
                if fault is not None and self._fault(fault):
                    return
                if is_chat:
                    self._chat(body, empty=fault == "empty")
                else:
                    self._images(body)

            def _log(self, status: int, what: str) -> None:
                with server._lock:
                    server.responses.append((status, what))

            def _fault(self, fault: str) -> bool:
                """Answer with the fault; False when the fault still expects a normal reply."""
                status = {"hang": 504, "malformed-json": 200, "empty": 200}.get(fault)
                self._log(status or int(fault[:3]), fault)
                if fault == "429":
                    self._error(429, "rate limited")
                elif fault == "429-retry-after":
                    self._error(429, "rate limited", {"Retry-After": f"{server.retry_after:g}"})
                elif fault == "500":
                    self._error(500, "internal error")
                elif fault == "401":
                    self._error(401, "invalid api key")
                elif fault == "hang":
                    server._stop.wait(server.hang_seconds)
                    self._error(504, "hung")
                elif fault == "malformed-json":
                    self._send(200, b'{"id": "chatcmpl-x", "choices": [ {"mess')
                else:  # "empty" is answered by _chat with empty content
                    return False
                return True

            def _chat(self, body: dict[str, Any], empty: bool) -> None:
                text = "" if empty else server._responder(body)
                if not empty:
                    self._log(200, "ok")
                reply = {
                    "id": f"chatcmpl-{len(server.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                self._send(200, json.dumps(reply).encode())

            def _images(self, body: dict[str, Any]) -> None:
                size = str(body.get("size") or "256x256")
                try:
                    width, height = (int(v) for v in size.lower().split("x"))
                except ValueError:
                    self._error(400, f"bad size {size!r}")
                    return
                n = int(body.get("n") or 1)
                prompt = str(body.get("prompt", ""))
                data = [
                    {"b64_json": base64.b64encode(_png(width, height, f"{prompt}#{i}")).decode()}
                    for i in range(n)
                ]
                self._send(200, json.dumps({"created": int(time.time()), "data": data}).encode())

        return Handler
