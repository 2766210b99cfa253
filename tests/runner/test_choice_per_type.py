"""Legacy choice results per item type go through aggregation, validation and the leaderboard.

The published script scores every ``type`` containing "choice" separately (issue 10, defect 9):
legacy results carry ``choice/accuracy[<type>]`` beside the pooled ``choice/accuracy``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image

from tests.support.reference import write_dataset
from unifybench import api
from unifybench.submission.validate import validate_paths


class FirstOption:
    """Always answers "A"."""

    name: ClassVar[str] = "first-option"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding"})

    def params(self) -> dict[str, Any]:
        return {}

    def personalize(self, concept: Any, workdir: Path) -> dict[str, Any]:
        return {}

    def answer(self, state: Any, question: str, image: Image.Image | None) -> str:
        return "A"

    def generate(self, state: Any, prompt: str, n: int, seed: int) -> list[Image.Image]:
        raise NotImplementedError


def _item(kind: str, gold: str) -> dict[str, Any]:
    return {
        "image": "black_512x512.png",
        "type": kind,
        "conversations": [
            {"from": "human", "value": "<image>\nWhich one? A or B?"},
            {"from": "gpt", "value": gold},
        ],
    }


def test_legacy_reports_each_choice_type_and_the_pooled_accuracy(tmp_path) -> None:
    data = write_dataset(
        tmp_path / "data",
        {
            # vqa_choice: 1/2 right; text_only_choice: 2/2 right
            "ann": {
                "test_items": [
                    _item("vqa_choice", "A"),
                    _item("vqa_choice", "B"),
                    _item("text_only_choice", "A"),
                ]
            },
            # vqa_choice: 0/1; text_only_choice: 1/1
            "cup": {
                "test_items": [
                    _item("vqa_choice", "B"),
                    _item("text_only_choice", "A"),
                    _item("text_only_choice", "A"),
                ]
            },
        },
    )
    for concept in ("ann", "cup"):  # a generated dataset may differ in profile details
        info = json.loads((data / "concept/train" / concept / "info.json").read_text())
        assert info["generation_type"] == "object"
    (outcome,) = api.run(
        FirstOption(),
        data=data,
        out=tmp_path / "runs",
        tasks=["choice"],
        protocol="legacy",
        progress=False,
        report=False,
    )
    choice = outcome.result.results["choice"]
    assert set(choice) == {"accuracy", "accuracy[text_only_choice]", "accuracy[vqa_choice]"}
    assert choice["accuracy[vqa_choice]"].per_concept == {"ann": 0.5, "cup": 0.0}
    assert choice["accuracy[vqa_choice]"].value == 0.25
    assert choice["accuracy[text_only_choice]"].value == 1.0
    assert choice["accuracy"].per_concept == {"ann": 2 / 3, "cup": 2 / 3}  # pooled, as before
    assert {r.scorer for r in choice.values()} == {"choice/substring/legacy@2"}

    result = outcome.run_dir / "result.json"
    assert validate_paths([result]) == []

    from leaderboard.build import build_site

    build_site([result], tmp_path / "site")
    [board] = (tmp_path / "site").glob("board-*.html")
    html = board.read_text(encoding="utf-8")
    assert "Accuracy (vqa_choice)" in html and "Accuracy (text_only_choice)" in html


def test_v2_reports_only_the_pooled_accuracy(tmp_path) -> None:
    data = write_dataset(
        tmp_path / "data",
        {"ann": {"test_items": [_item("vqa_choice", "A"), _item("text_only_choice", "B")]}},
    )
    (outcome,) = api.run(
        FirstOption(),
        data=data,
        out=tmp_path / "runs",
        tasks=["choice"],
        protocol="v2",
        progress=False,
        report=False,
    )
    assert set(outcome.result.results["choice"]) == {"accuracy"}


def test_a_per_type_metric_of_another_column_is_refused(tmp_path) -> None:
    sub = {
        "method": {"name": "x"},
        "benchmark": {"dataset": "d", "protocol": "legacy"},
        "results": {"rec": {"weight[vqa_choice]": {"value": 0.5, "scorer": "s"}}},
        "provenance": {"kind": "measured", "run_id": "r", "date": "d", "unifybench_version": "v"},
    }
    path = tmp_path / "sub.json"
    path.write_text(json.dumps(sub))
    [problem] = validate_paths([path])
    assert problem.field == "results.rec.weight[vqa_choice]"
