"""build_scorers / list_scorers: what a run gets, what is skipped and why, ids as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from unifybench.catalog import list_scorers
from unifybench.errors import ConfigError
from unifybench.scorers.registry import build_scorers

ROOT = Path(__file__).resolve().parents[2]


def test_text_tasks_without_judges() -> None:
    scorers, skipped = build_scorers("legacy", ["rec", "choice", "vqa", "text_only"])
    assert [s.id for s in scorers] == [
        "rec/substring/legacy@2",
        "choice/substring/legacy@2",
        "bleu/char-1-2/legacy@2",
    ]
    assert skipped == [("judge[vqa,text_only]", "no text judge configured")]
    scorers, skipped = build_scorers("v2", ["knowledge", "rec"])
    assert [s.id for s in scorers] == ["rec/word/v2@1"]
    assert skipped == [("judge[knowledge]", "no vision judge configured")]


def test_judge_module_missing_is_a_skip() -> None:
    """A build without the judge scorer modules: their scorers are skipped and listed as such."""
    code = (
        "import sys; sys.modules['unifybench.scorers.judged'] = None; "
        "sys.modules['unifybench.scorers.knowledge'] = None\n"
        "from unifybench.catalog import list_scorers\n"
        "from unifybench.scorers.registry import build_scorers\n"
        "scorers, skipped = build_scorers('v2', ['vqa', 'knowledge'])\n"
        "print([s.id for s in scorers]); print([n for n, _ in skipped])\n"
        "print(all('not available in this build' in why for _, why in skipped))\n"
        "listed = {sid: desc for sid, _, desc in list_scorers()}\n"
        "print('not available in this build' in listed['unifybench.scorers.judged'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    ids, names, all_unavailable, listed = proc.stdout.splitlines()
    assert ids == "['bleu/char-1-2/v2@1']"
    assert names == "['judge[vqa]', 'judge_minilm[vqa]', 'judge_image[knowledge]']"
    assert all_unavailable == listed == "True"


def test_unavailable_weights_become_skips(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    pytest.importorskip("open_clip")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    scorers, skipped = build_scorers(
        "legacy", ["t2i", "face"], face_model_dir=tmp_path / "antelopev2"
    )
    assert scorers == []
    names = [n for n, _ in skipped]
    assert names == [
        "clip_i/openai-vit-b32/legacy@1",
        "clip_t/openai-vit-b32/legacy@1",
        "face_sim/arcface-antelopev2/legacy@1",
    ]
    assert "--clip-weights" in skipped[0][1]
    assert str(tmp_path / "antelopev2") in skipped[2][1]


def test_dlib_face_backend_builds() -> None:
    pytest.importorskip("dlib")
    scorers, skipped = build_scorers("v2", ["face"], face_backend="dlib")
    assert [s.id for s in scorers] == ["face_sim_dlib/dlib-resnet-v1/v2@1"]
    assert skipped == []


@pytest.mark.parametrize(
    ("args", "kwargs", "needle"),
    [
        (("v3", ["rec"]), {}, "protocol"),
        (("legacy", ["recognition"]), {}, "task"),
        (("legacy", ["face"]), {"face_backend": "facenet"}, "face backend"),
    ],
)
def test_bad_configuration_is_an_error(args, kwargs, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        build_scorers(*args, **kwargs)


def test_listed_ids_match_built_ids_and_docs() -> None:
    listed = [sid for sid, _, _ in list_scorers()]
    assert len(listed) == len(set(listed))
    for protocol in ("legacy", "v2"):
        scorers, _ = build_scorers(protocol, ["rec", "choice", "vqa"])
        for s in scorers:
            assert s.id in listed
    docs = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for sid in listed:
        assert f"`{sid}`" in docs, f"docs/metrics.md has no card for {sid}"


def test_importing_scorers_stays_light() -> None:
    code = (
        "import sys, unifybench.scorers, unifybench.scorers.registry, unifybench.scorers.bleu, "
        "unifybench.scorers.recognition; "
        "heavy = [m for m in ('torch', 'open_clip', 'insightface', 'dlib', 'nltk') "
        "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_judge_scorer_ids_are_listed() -> None:
    """When the judge scorers are in the build, their preset ids are the ones ``ls`` lists."""
    judges = pytest.importorskip("unifybench.judges")
    pytest.importorskip("unifybench.scorers.judged")
    pytest.importorskip("unifybench.scorers.knowledge")
    listed = {sid for sid, _, _ in list_scorers()}
    for protocol in ("legacy", "v2"):
        text = judges.OpenAIJudge(judges.text_judge_preset(protocol))
        vision = judges.OpenAIJudge(judges.vision_judge_preset(protocol))
        scorers, skipped = build_scorers(
            protocol, ["vqa", "knowledge"], text_judge=text, vision_judge=vision
        )
        assert skipped == []
        ids = [s.id for s in scorers]
        # legacy: @2 read replies as published, @3 sends the published request too
        judge_version = 3 if protocol == "legacy" else 1
        bleu_version = 2 if protocol == "legacy" else 1  # legacy reads the gold as written
        assert ids == [
            f"bleu/char-1-2/{protocol}@{bleu_version}",
            f"judge/deepseek-chat/{protocol}@{judge_version}",
            f"judge/gpt-4o-image/{protocol}@{judge_version}",
        ]
        offline, _ = build_scorers(protocol, ["text_only"], text_judge=judges.MiniLMJudge())
        ids += [s.id for s in offline]
        assert f"judge_minilm/all-minilm-l6-v2/{protocol}@1" in ids
        assert set(ids) <= listed
