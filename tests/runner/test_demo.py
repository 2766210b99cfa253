"""The demo (the README's main job), offline: baselines, offline scorers, plain skip reasons."""

from __future__ import annotations

import io
import json

import pytest

from unifybench.demo import run_demo


@pytest.mark.slow
def test_demo_offline(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    say = io.StringIO()
    report = run_demo(
        tmp_path / "demo",
        methods=["reference-images", "profile-retrieval"],
        images_per_prompt=1,
        progress=False,
        file=say,
    )
    text = say.getvalue()
    # every runnable benchmark's sample set; profile-retrieval (understanding only) fits no
    # DreamBench++ task
    assert set(report.runs) == {
        "reference-images",
        "profile-retrieval",
        "dreambench++:reference-images",
    }
    skipped = dict(report.skipped_scorers)
    for name in (
        "clip_i/openai-vit-b32/v2@1",
        "face_sim/arcface-antelopev2/v2@1",
        "judge[vqa,text_only]",
        "judge[knowledge]",
    ):
        assert name in skipped and name in text
    assert "DEEPSEEK_API_KEY" in skipped["judge[vqa,text_only]"]
    assert "images per prompt: 1 (the benchmark uses 4" in text
    profile = json.loads((report.runs["profile-retrieval"] / "result.json").read_text())
    assert profile["results"]["vqa"]["judge_minilm"]["coverage"] == 1.0
    assert profile["benchmark"]["sample"] is True
    reference = json.loads((report.runs["reference-images"] / "result.json").read_text())
    assert reference["results"]["face"]["face_sim_dlib"]["value"] > 0.5  # real photos of a face
    assert "scorer skipped: clip_i/openai-vit-b32/v2@1" in reference["notes"]
    dbpp = json.loads((report.runs["dreambench++:reference-images"] / "result.json").read_text())
    assert dbpp["benchmark"]["dataset"] == "dreambench-plus-sample"
    assert dbpp["results"]["subject"]["colour_hist"]["value"] > 0.5  # the offline stand-in
    assert (
        "dino/dino-vits8/dbpp-v2@1" in skipped
        and "images per prompt: 1 (the benchmark uses 1" in text
    )
    assert report.leaderboard is not None and report.leaderboard.exists()
    assert "Where to look" in text and str(report.leaderboard) in text
