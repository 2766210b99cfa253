"""Board separation, ranking, deltas and build failures, without a browser."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from leaderboard.build import SAMPLE_LABEL, build_site
from leaderboard.schema import load_schema
from leaderboard.tables import ALL, find_deltas, make_boards, make_entries, rank_values
from tests.leaderboard.conftest import REPO_ROOT, measured_submission, reported_submission
from unifybench.errors import ConfigError
from unifybench.submission.schema import Submission
from unifybench.submission.validate import SubmissionError


def _entries(*subs: dict) -> list:
    pairs = [(Path(f"s{i}.json"), Submission.model_validate(s)) for i, s in enumerate(subs)]
    return make_entries(pairs)


def test_rank_values_competition_ranking_and_direction() -> None:
    assert rank_values([0.5, 0.9, None, 0.9, 0.1], True, 3) == [3, 1, None, 1, 4]
    assert rank_values([0.5, 0.9, 0.1], False, 3) == [2, 3, 1]
    # equal as displayed -> tie
    assert rank_values([0.80004, 0.80001], True, 3) == [1, 1]


def test_boards_separate_datasets_and_protocols() -> None:
    schema = load_schema()
    entries = _entries(
        measured_submission("A", protocol="legacy", rec=0.9),
        measured_submission("B", protocol="legacy", rec=0.5),
        measured_submission("C", protocol="v2", rec=0.1),
        measured_submission("D", dataset="unifybench-sample", sample=True, rec=0.99),
    )
    boards = {(b.dataset, b.protocol): b for b in make_boards(entries, schema)}
    assert set(boards) == {
        ("HankYang428/unictokens_data", "legacy"),
        ("HankYang428/unictokens_data", "v2"),
        ("unifybench-sample", "legacy"),
    }
    legacy = boards[("HankYang428/unictokens_data", "legacy")]
    assert [r.entry.sub.method.name for r in legacy.rows] == ["A", "B"]
    assert [r.ranks["understanding"][ALL] for r in legacy.rows] == [1, 2]
    # C and D would win or lose elsewhere but each is first on its own board.
    assert boards[("HankYang428/unictokens_data", "v2")].rows[0].ranks["understanding"][ALL] == 1
    assert boards[("unifybench-sample", "legacy")].sample


def test_ranks_per_category_use_per_concept_means() -> None:
    schema = load_schema()
    a = measured_submission("A", rec=0.8)
    b = measured_submission("B", rec=0.7)
    # B is worse overall but perfect on animals.
    b["results"]["rec"]["weight"]["per_concept"].update({"bo": 1.0, "mam": 1.0})
    (board,) = make_boards(_entries(a, b), schema)
    by_name = {r.entry.sub.method.name: r for r in board.rows}
    assert by_name["A"].ranks["understanding"][ALL] == 1
    assert by_name["B"].ranks["understanding"]["animal"] == 1
    assert by_name["A"].cells["rec/weight"].values["human"] == pytest.approx(0.8)
    assert board.categories == ["human", "animal", "object"]


def test_reference_rows_are_not_ranked() -> None:
    schema = load_schema()
    ref = measured_submission("Real images", rec=1.0)
    ref["method"]["kind"] = "reference"
    (board,) = make_boards(_entries(ref, measured_submission("A", rec=0.5)), schema)
    ranks = {r.entry.sub.method.name: r.ranks["understanding"][ALL] for r in board.rows}
    assert ranks == {"A": 1, "Real images": None}


def test_approximate_metrics_get_their_own_column() -> None:
    schema = load_schema()
    a = measured_submission("A")
    a["results"]["vqa"] = {"judge_minilm": {"value": 0.6, "scorer": "judge_minilm/minilm/v2@1"}}
    b = measured_submission("B")
    b["results"]["vqa"] = {"judge": {"value": 0.4, "scorer": "judge/deepseek/legacy@1"}}
    (board,) = make_boards(_entries(a, b), schema)
    keys = [c.key for c in board.columns]
    assert "vqa/judge" in keys and "vqa/judge_minilm" in keys
    by_name = {r.entry.sub.method.name: r for r in board.rows}
    assert by_name["A"].cells["vqa/judge"].values[ALL] is None
    assert by_name["B"].cells["vqa/judge_minilm"].values[ALL] is None


def test_deltas_pair_measured_and_reported_of_same_method_and_dataset() -> None:
    schema = load_schema()
    entries = _entries(
        measured_submission("UniCTokens", rec=0.81),
        reported_submission("unictokens ", rec=0.79),  # same method, other spelling
        reported_submission("UniCTokens", rec=0.5, dataset="dreambench"),  # other benchmark
    )
    deltas = {d.column.key: d for d in find_deltas(entries, schema)}
    assert set(deltas) == {"rec/weight", "t2i/clip_i", "knowledge/judge"}
    assert deltas["rec/weight"].delta == pytest.approx(0.02)
    assert deltas["rec/weight"].reported.sub.benchmark.dataset == "HankYang428/unictokens_data"


def test_invalid_submission_fails_build_naming_file_and_field(write_submission, tmp_path) -> None:
    good = write_submission(measured_submission("A"), "good")
    bad = measured_submission("B")
    bad["results"]["t2i"]["fid"] = {"value": 12.0, "scorer": "fid/x/v2@1"}
    bad_path = write_submission(bad, "bad")
    site = tmp_path / "site"
    build_site([good], site)
    before = (site / "index.html").read_text()
    with pytest.raises(SubmissionError) as info:
        build_site([good, bad_path], site)
    assert str(bad_path) in str(info.value) and "results.t2i.fid" in str(info.value)
    assert (site / "index.html").read_text() == before  # the previous site is kept

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "unifybench",
            "leaderboard",
            "build",
            str(good),
            str(bad_path),
            "-o",
            str(site),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert f"{bad_path}: field 'results.t2i.fid'" in result.stderr
    assert "is not a metric of task 't2i'" in result.stderr


def test_build_refuses_a_folder_that_is_not_a_site(write_submission, tmp_path) -> None:
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.tex").write_text("keep me")
    with pytest.raises(ConfigError, match="not empty"):
        build_site([write_submission(measured_submission())], folder)
    assert (folder / "thesis.tex").exists()


def test_site_pages_labels_and_csp(write_submission, tmp_path) -> None:
    sample = measured_submission("CPU baseline", dataset="unifybench-sample", sample=True)
    partial = measured_submission("A")
    paths = [write_submission(sample, "sample"), write_submission(partial, "a")]
    report = build_site([*paths, REPO_ROOT / "submissions"], tmp_path / "site")
    site = report.out_dir
    seeds = [json.loads(p.read_text()) for p in (REPO_ROOT / "submissions").rglob("*.json")]
    seed_boards = {(s["benchmark"]["dataset"], s["benchmark"]["protocol"]) for s in seeds}
    # the two submissions of this test are legacy-protocol results on two datasets
    own = {("unifybench-sample", "legacy"), ("HankYang428/unictokens_data", "legacy")}
    assert report.n_boards == len(seed_boards | own)
    assert report.n_pages == 3 + report.n_boards + report.n_submissions
    board = (site / "board-unifybench-sample-legacy.html").read_text()
    assert SAMPLE_LABEL in board
    method = next((site / "m").glob("unifybench-sample-*")).read_text()
    assert SAMPLE_LABEL in method
    # coverage 90% on clip_i is flagged; tooltips carry scorer, n and coverage
    real = (site / "board-hankyang428-unictokens-data-legacy.html").read_text()
    assert "⚠ 90%" in real
    assert "scorer: clip_i/openai-vit-b32/legacy@1" in real and "n: 540 / 600" in real
    # nothing external: no http(s) resources, only links
    for page in [*site.glob("*.html"), *(site / "m").glob("*.html")]:
        html = page.read_text()
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?:", html), page
        assert "Content-Security-Policy" in html


def test_seed_site_has_citations_and_notes(tmp_path) -> None:
    site = build_site([REPO_ROOT / "submissions"], tmp_path / "site").out_dir
    omni = (site / "board-unifybench-omnipersona-editing-omnipersona.html").read_text()
    assert "OmniPersona (CVPR 2026), table number not transcribed" in omni
    assert "judge model may differ from deepseek-chat" in omni
    yl = (site / "board-yollava-yollava.html").read_text()
    assert 'href="https://github.com/WisconsinAIVision/YoLLaVA/issues/13"' in yl
    seeds = [json.loads(p.read_text()) for p in (REPO_ROOT / "submissions").rglob("*.json")]
    # Measured seeds exist only on the sample board, which says it is a smoke test.
    measured = [s for s in seeds if s["provenance"]["kind"] == "measured"]
    assert measured and all(s["benchmark"]["sample"] for s in measured)
    sample = (site / "board-unifybench-sample-v2.html").read_text()
    assert "smoke test, not research numbers" in sample


def test_unofficial_judge_is_flagged(write_submission, tmp_path) -> None:
    data = measured_submission("A")
    judge = data["results"]["knowledge"]["judge"]["judge"]
    data["benchmark"]["judges"] = [
        {"role": "vision", "identity": judge, "model": "gpt-4o-mini", "official": False}
    ]
    site = build_site([write_submission(data)], tmp_path / "site").out_dir
    html = (site / "board-hankyang428-unictokens-data-legacy.html").read_text()
    assert html.count('<span class="note-mark">‡</span>') == 1
    assert "not the official protocol judge" in html
