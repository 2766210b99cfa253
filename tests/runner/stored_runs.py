"""Runs recorded by an earlier version of UnifyBench, and how to rebuild their scorers.

``tests/fixtures/runs/<name>/`` holds complete run folders written by the code at the commit named
in that folder's README (predictions, scores, scoring.json, result.json, 8x8 generated images).
:func:`scorers_for` builds the same scorers (loopback judges with the same replies, the same tiny
random CLIP, dlib faces, the MiniLM judge) so that the tests can re-score the stored predictions
and re-aggregate the stored scores with today's code and compare the numbers.

``python -m tests.runner.stored_runs OUT`` records the runs again (needs the sample benchmark's
packages, dlib and sentence-transformers).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "runs"
KEY_VAR = "UB_STORED_RUNS_KEY"
# (run name, method, tasks, protocol)
RUNS: tuple[tuple[str, str, str, str], ...] = (
    ("echo-legacy", "tests.runner.support:EchoMethod", "all", "legacy"),
    ("echo-v2", "tests.runner.support:EchoMethod", "all", "v2"),
    ("retrieval-legacy", "profile-retrieval", "rec,vqa,text_only,choice", "legacy"),
)
# Replies of the loopback judge: chosen by a hash of the request, so they vary over items but a
# request always gets the same reply. Some are unreadable on purpose (unscored items, legacy
# readings that differ from strict ones).
REPLIES = ("1", "0.5", "0", "Score:: 1", "Score:: 0.5", "0.7", "The answer is right.", "1.0")


def reply_for(request: dict[str, Any]) -> str:
    """The loopback judge's deterministic reply to one chat request."""
    text = json.dumps(request.get("messages"), sort_keys=True)
    digest = hashlib.sha256(text.encode()).digest()
    return REPLIES[digest[0] % len(REPLIES)]


@contextmanager
def loopback_judges(monkeypatch_env: Any = None) -> Iterator[Any]:
    """A FakeOpenAI server answering with :func:`reply_for`; the key is put in ``KEY_VAR``."""
    import os

    from tests.support.openai_server import FakeOpenAI

    with FakeOpenAI() as server:
        server.responder(reply_for)
        old = os.environ.get(KEY_VAR)
        os.environ[KEY_VAR] = server.api_key
        try:
            yield server
        finally:
            if old is None:
                os.environ.pop(KEY_VAR, None)
            else:
                os.environ[KEY_VAR] = old


@lru_cache(maxsize=1)
def clip_encoder() -> Any:
    """The tiny randomly initialised CLIP every stored run was scored with (one per process: its
    embedding cache is keyed by file content, so sharing it changes no number)."""
    from unifybench.scorers.clip import ClipEncoder, tiny_model_config

    return ClipEncoder(model_config=tiny_model_config(), seed=0)


@lru_cache(maxsize=1)
def dlib_embedder() -> Any:
    """One dlib face embedder per process (its cache is keyed by file content)."""
    from unifybench.scorers.faces import DlibEmbedder

    return DlibEmbedder()


def scorers_for(protocol: str, base_url: str) -> list[Any]:
    """Every scorer the stored runs were scored with, for ``protocol``, judges at ``base_url``."""
    from unifybench.judges import MiniLMJudge, OpenAIJudge, text_judge_preset, vision_judge_preset
    from unifybench.scorers.clip import ClipImageScorer, ClipTextScorer
    from unifybench.scorers.faces import FaceScorer
    from unifybench.scorers.registry import build_scorers

    text = OpenAIJudge(text_judge_preset(protocol, base_url=base_url, api_key_env=KEY_VAR))
    vision = OpenAIJudge(vision_judge_preset(base_url=base_url, api_key_env=KEY_VAR))
    official, _ = build_scorers(
        protocol,
        ["rec", "choice", "vqa", "text_only", "knowledge"],
        text_judge=text,
        vision_judge=vision,
        seed=0,
    )
    minilm, _ = build_scorers(protocol, ["vqa", "text_only"], text_judge=MiniLMJudge())
    faces = [FaceScorer(protocol, dlib_embedder())]
    encoder = clip_encoder()
    clip = [ClipImageScorer(protocol, encoder=encoder), ClipTextScorer(protocol, encoder=encoder)]
    seen = {s.id for s in official}
    return [*official, *(s for s in minilm if s.id not in seen), *faces, *clip]


KEEP = (
    "run.json",
    "plan.json",
    "predictions.jsonl",
    "scoring.json",
    "scores.jsonl",
    "result.json",
    "personalization.jsonl",
)


def record(out: Path, sample_root: Path) -> None:
    """Run every entry of :data:`RUNS` on the sample benchmark into ``out`` (kept files only)."""
    import shutil
    import tempfile

    from unifybench import api

    with tempfile.TemporaryDirectory() as tmp, loopback_judges() as server:
        for name, method, tasks, protocol in RUNS:
            scorers = scorers_for(protocol, server.base_url)
            (outcome,) = api.run(
                method,
                data=sample_root,
                out=Path(tmp),
                run_name=name,
                tasks=None if tasks == "all" else tasks,
                images_per_prompt=1,
                protocol=protocol,
                scorers=scorers,
                progress=False,
                report=False,
            )
            target = out / name
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for file in KEEP:
                if (outcome.run_dir / file).exists():
                    shutil.copy2(outcome.run_dir / file, target / file)
            if (outcome.run_dir / "images").is_dir():
                shutil.copytree(outcome.run_dir / "images", target / "images")


if __name__ == "__main__":
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from unifybench.runner.setup import sample_root as _sample_root

    record(Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES, _sample_root())
