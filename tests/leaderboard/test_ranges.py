"""Impossible numbers are refused (issue 14, item 4): each metric declares its range in its spec,
validation rejects values, intervals and per-concept values outside it (and non-finite or absurd
ones), naming the file and the field, and the board is never built with them."""

from __future__ import annotations

import json

import pytest

from leaderboard.build import build_site
from tests.leaderboard.conftest import measured_submission, reported_submission
from unifybench.submission.validate import SubmissionError, validate_paths


def _problems(write_submission, data) -> dict[str, str]:
    path = write_submission(data)
    found = validate_paths([path])
    assert all(p.file == str(path) for p in found)
    return {p.field: p.message for p in found}


@pytest.mark.parametrize("value", [7.0, -3.0, 1e308, -1e308])
def test_value_outside_the_metric_range_is_refused(write_submission, value: float) -> None:
    data = measured_submission()
    data["results"]["rec"]["weight"]["value"] = value
    problems = _problems(write_submission, data)
    assert "results.rec.weight.value" in problems
    assert "[0, 1]" in problems["results.rec.weight.value"]


def test_interval_outside_the_range_is_refused(write_submission) -> None:
    data = measured_submission()
    weight = data["results"]["rec"]["weight"]
    weight["ci_low"], weight["ci_high"] = -0.5, 1.7
    problems = _problems(write_submission, data)
    assert {"results.rec.weight.ci_low", "results.rec.weight.ci_high"} <= set(problems)


def test_per_concept_and_side_figures_are_checked(write_submission) -> None:
    data = measured_submission()
    data["results"]["t2i"]["clip_i"]["per_concept"]["bo"] = 2.5  # cosine: [-1, 1]
    data["results"]["t2i"]["clip_i"]["extra"] = {"face_detection_rate": 1.5, "n_unscored": 0}
    problems = _problems(write_submission, data)
    assert "results.t2i.clip_i.per_concept.bo" in problems
    assert "[-1, 1]" in problems["results.t2i.clip_i.per_concept.bo"]
    assert "results.t2i.clip_i.extra.face_detection_rate" in problems


def test_non_finite_numbers_are_refused_everywhere(write_submission) -> None:
    data = measured_submission()
    data["results"]["rec"]["weight"]["per_concept"]["bo"] = float("nan")
    data["results"]["rec"]["weight"]["ci_high"] = float("inf")
    problems = _problems(write_submission, data)
    assert "finite" in problems["results.rec.weight.per_concept.bo"]
    assert "finite" in problems["results.rec.weight.ci_high"]


def test_negative_counts_and_half_intervals_are_refused(write_submission) -> None:
    data = measured_submission()
    weight = data["results"]["rec"]["weight"]
    weight["n"], weight["n_total"], weight["coverage"] = -1, 60, None
    weight["ci_low"], weight["ci_high"] = 0.7, None
    problems = _problems(write_submission, data)
    assert "results.rec.weight.n" in problems and "results.rec.weight.ci_high" in problems


def test_values_at_the_bounds_and_negative_cosines_are_valid(write_submission) -> None:
    data = measured_submission(clip_i=-0.2)  # a raw cosine may be negative
    data["results"]["rec"]["weight"].update(value=1.0, ci_low=0.0, ci_high=1.0)
    assert validate_paths([write_submission(data)]) == []
    from unifybench.metrics import get_metric

    assert get_metric("clip_i").range == (-1.0, 1.0)
    assert get_metric("face_sim_dlib").contains(-1.8)  # 1 - L2 of unnormalised descriptors


def test_reported_numbers_are_checked_too(write_submission) -> None:
    data = reported_submission(rec=92.4)  # a percentage transcribed as is
    problems = _problems(write_submission, data)
    assert "got 92.4" in problems["results.rec.weight.value"]


def test_the_board_never_prints_an_impossible_number(write_submission, tmp_path) -> None:
    good = write_submission(measured_submission("A"), "good")
    bad = measured_submission("B", rec=0.5)
    bad["results"]["rec"]["weight"]["value"] = 7.0
    bad_path = write_submission(bad, "bad")
    site = tmp_path / "site"
    with pytest.raises(SubmissionError) as info:
        build_site([good, bad_path], site)
    assert f"{bad_path}: field 'results.rec.weight.value'" in str(info.value)
    assert not site.exists() or "7.000" not in json.dumps(
        [p.read_text() for p in site.rglob("*.html")]
    )
