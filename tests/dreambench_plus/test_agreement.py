"""Judge/human agreement: the statistics equal the published analysis's packages; files of the
release's shapes are read; a run's scores are compared with them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from unifybench.benchmarks.dreambench_plus.agreement import (
    agreement,
    krippendorff_alpha_interval,
    main,
    pearson,
    read_humans,
    read_judge,
)
from unifybench.errors import DataError

FIXTURE = Path(__file__).parents[1] / "fixtures/reference/dreambench_plus/agreement.json"


def test_statistics_equal_the_reference_packages() -> None:
    worst = 0.0
    for case in json.loads(FIXTURE.read_text())["cases"]:
        raters = case["raters"]
        worst = max(worst, abs(krippendorff_alpha_interval(raters) - case["alpha"]))
        worst = max(worst, abs(pearson(raters[0], raters[1])[0] - case["pearson_0_1"]))
    assert worst < 1e-9


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


KEYS = [f"object_00_t-shirt-{i}" for i in range(9)] + [f"style_00_ukiyo-e-{i}" for i in range(9)]


def _human_tree(root: Path, merged: bool) -> Path:
    a = [i % 5 for i in range(18)]
    b = [min(4, v + (i % 2)) for i, v in enumerate(a)]
    for group, scores in (("group1", a), ("group2", b)):
        if merged:
            for aspect in ("cp", "pf"):
                _write(root / "merged_data" / group / f"dreambooth_sd-{aspect}.json",
                       dict(zip(KEYS, scores, strict=True)))  # fmt: skip
        else:  # raw files split by annotator batch: {key: [cp, pf]}
            pairs = {k: [v, 4 - v] for k, v in zip(KEYS, scores, strict=True)}
            _write(
                root / "raw_data" / group / "batch1-dreambooth_sd.json",
                dict(list(pairs.items())[:9]),
            )
            _write(
                root / "raw_data" / group / "batch2-dreambooth_sd.json",
                dict(list(pairs.items())[9:]),
            )
    return root


@pytest.mark.parametrize("merged", [True, False])
def test_release_shaped_human_files(tmp_path: Path, merged: bool) -> None:
    humans = read_humans(_human_tree(tmp_path / "data_human_rating", merged), "dreambooth_sd", "cp")
    assert sorted(humans) == ["group1", "group2"] and len(humans["group1"]) == 18
    judge = {k: float(v) for k, v in humans["group1"].items()}
    result = agreement(humans, judge, "cp")
    assert result.items == 18 and result.alpha_judge > 0.5 and result.pearson_judge > 0.5
    assert not math.isnan(result.alpha_humans)
    if not merged:
        pf = read_humans(tmp_path / "data_human_rating", "dreambooth_sd", "pf")
        assert pf["group1"][KEYS[1]] == 3.0  # the second entry of the raw pair


def test_judge_sources(tmp_path: Path) -> None:
    _write(tmp_path / "gpt" / "dreambooth_sd.json", {KEYS[0]: 3})
    _write(tmp_path / "items" / "dreambooth_sd-object_00_t-shirt-0.json",
           {"method": "DreamBooth SD", "collection_id": "object_00_t-shirt", "prompt_index": 0,
            "score": 2, "content": "Score: 2"})  # fmt: skip
    run = tmp_path / "run"
    run.mkdir()
    records = [
        {"scorer": "concept_preservation/gpt-4o/dbpp-v2@1", "value": 0.75,
         "metadata": {"rating_key": KEYS[0]}},
        {"scorer": "prompt_following/gpt-4o/dbpp-v2@1", "value": 0.25,
         "metadata": {"rating_key": KEYS[0]}},
        {"scorer": "dino/dino-vits8/dbpp-v2@1", "value": 0.5, "metadata": {}},
    ]  # fmt: skip
    (run / "scores.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    assert read_judge(tmp_path / "gpt" / "dreambooth_sd.json", "cp") == {KEYS[0]: 3.0}
    assert read_judge(tmp_path / "items", "cp") == {KEYS[0]: 2.0}
    assert read_judge(run, "cp") == {KEYS[0]: 3.0} and read_judge(run, "pf") == {KEYS[0]: 1.0}
    _write(tmp_path / "bad.json", {KEYS[0]: "three"})
    with pytest.raises(DataError, match="a score 0-4"):
        read_judge(tmp_path / "bad.json", "cp")


def test_command_prints_both_aspects(tmp_path: Path, capsys) -> None:
    root = _human_tree(tmp_path / "data_human_rating", True)
    judge = tmp_path / "judge.json"
    _write(judge, {k: 2 for k in KEYS})
    assert main(["--human", str(root), "--method", "dreambooth_sd", "--judge", str(judge)]) == 0
    out = capsys.readouterr().out
    assert "J-H alpha" in out and out.count("\n") == 3
