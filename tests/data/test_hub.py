"""The hub code path, exercised against a local Hugging Face cache (this machine has no hub access).

The fake cache has the real layout: ``datasets--owner--name/{blobs,refs,snapshots}``, snapshot files
being relative symlinks into ``blobs/``, so ``snapshot_download`` with ``HF_HUB_OFFLINE=1`` resolves
it exactly as it would a cache filled by a real download.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import socket
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from unifybench.benchmarks import load_benchmark
from unifybench.benchmarks.unifybench import hub
from unifybench.errors import DataError

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _fake_cache(sample_root: Path, cache: Path, *, subfolder: str = "") -> Path:
    repo = cache / ("datasets--" + hub.REPO_ID.replace("/", "--"))
    snapshot = repo / "snapshots" / COMMIT
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    for path in sorted(sample_root.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        if not blob.exists():
            blob.write_bytes(data)
        link = snapshot / subfolder / path.relative_to(sample_root)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    return snapshot


@pytest.fixture(scope="module")
def hub_cache(sample_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("hf_cache")
    _fake_cache(sample_root, cache)
    return cache


def test_offline_mode_is_on() -> None:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_download_resolves_the_cached_snapshot(hub_cache: Path) -> None:
    root = hub.download(hub.REPO_ID, cache_dir=hub_cache)
    assert root.name == COMMIT and (root / "concepts_list.json").is_symlink()
    assert hub.resolved_revision(root, None) == COMMIT
    assert hub.download(hub.REPO_ID, revision=COMMIT, cache_dir=hub_cache) == root


def test_load_benchmark_from_the_hub_cache(hub_cache: Path, sample_benchmark) -> None:
    b = load_benchmark(hub.REPO_ID, cache_dir=hub_cache)
    assert b.name == hub.REPO_ID and b.revision == COMMIT
    assert list(b.concepts) == list(sample_benchmark.concepts)
    # Snapshot files are symlinks into blobs/: allowed, and the records keep snapshot paths.
    item = b.understanding["astro"][0]
    assert item.image.is_symlink() and b.root in item.image.parents
    assert len(b.understanding["cup"]) == len(sample_benchmark.understanding["cup"])
    only = load_benchmark(hub.REPO_ID, cache_dir=hub_cache, concepts=["cup"])
    assert list(only.concepts) == ["cup"]


def test_symlink_out_of_the_blob_store_is_refused(sample_root: Path, tmp_path: Path) -> None:
    snapshot = _fake_cache(sample_root, tmp_path / "cache")
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(b"x")
    link = snapshot / "concept/test/cup/1.png"
    link.unlink()
    link.symlink_to(outside)
    with pytest.raises(DataError, match="resolves to"):
        load_benchmark(hub.REPO_ID, cache_dir=tmp_path / "cache")


def test_dataset_one_folder_below_the_snapshot(sample_root: Path, tmp_path: Path) -> None:
    _fake_cache(sample_root, tmp_path / "cache", subfolder="unictokens_data")
    b = load_benchmark(hub.REPO_ID, cache_dir=tmp_path / "cache")
    assert b.root.name == "unictokens_data" and b.revision == COMMIT


def test_offline_without_cache_names_the_repo_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_benchmark(hub.REPO_ID, revision="v1", cache_dir=tmp_path / "empty")
    message = str(info.value)
    assert hub.REPO_ID in message and "revision v1" in message
    assert f"hf download {hub.REPO_ID} --repo-type dataset --revision v1" in message


def test_allow_patterns_select_concepts() -> None:
    assert hub.allow_patterns(None) is None
    patterns = hub.allow_patterns(["bo"])
    assert "concept/train/bo/*" in patterns and "test_data/bo.json" in patterns
    assert "concepts_list.json" in patterns and "random_images/*" in patterns
    assert not any("mam" in p for p in patterns)


def test_repo_id_spelling() -> None:
    assert hub.looks_like_repo_id("HankYang428/unictokens_data")
    assert not hub.looks_like_repo_id("/abs/path") and not hub.looks_like_repo_id("a/b/c")


def test_cli_download_prints_the_root(hub_cache: Path, capsys: pytest.CaptureFixture) -> None:
    from unifybench.cli import main

    assert main(["data", "download", "--cache-dir", str(hub_cache)]) == 0
    assert capsys.readouterr().out.strip().endswith(COMMIT)
    assert main(["data", "download", "--cache-dir", str(hub_cache / "none")]) == 2
    assert "hf download" in capsys.readouterr().err


class _Hub(http.server.BaseHTTPRequestHandler):
    """A loopback stand-in for the hub API that answers every request with one fixed error."""

    status = 404
    error_code = "RepoNotFound"
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = json.dumps({"error": "Repository not found"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Error-Code", self.error_code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch):
    """Network mode for huggingface_hub (HF_HUB_OFFLINE off), talking to a loopback server."""
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "2")
    _Hub.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_online_missing_repo_is_a_clear_error(online: str, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="an existing dataset repo"):
        hub.download(hub.REPO_ID, cache_dir=tmp_path / "cache", endpoint=online)
    assert _Hub.requests and f"/api/datasets/{hub.REPO_ID}" in _Hub.requests[0]


def test_online_server_error_falls_back_to_the_cache(
    online: str, hub_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_Hub, "status", 500)
    monkeypatch.setattr(_Hub, "error_code", "")
    root = hub.download(hub.REPO_ID, cache_dir=hub_cache, endpoint=online)
    assert root.name == COMMIT and _Hub.requests  # asked the hub first, then used the cache


def test_online_unreachable_hub_without_cache(online: str, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DataError, match="hf download"):
        hub.download(hub.REPO_ID, cache_dir=tmp_path / "c", endpoint=f"http://127.0.0.1:{port}")
