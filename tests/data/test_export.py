"""Export of the test items to a datasets.Dataset."""

from __future__ import annotations

import pytest

from unifybench.data.export import COLUMNS, to_hf_dataset
from unifybench.errors import ConfigError

datasets = pytest.importorskip("datasets")


def test_export_all_items_with_paths(sample_benchmark) -> None:
    ds = to_hf_dataset(sample_benchmark)
    items = [i for c in sample_benchmark.concepts for i in sample_benchmark.understanding[c]]
    assert ds.column_names == list(COLUMNS) and len(ds) == len(items)
    row = ds[0]
    first = items[0]
    assert row == {
        "id": first.id,
        "concept": first.concept_id,
        "task": first.task,
        "question": first.question,
        "answer": first.answer,
        "image": str(first.image),
    }
    assert set(ds["task"]) == {"rec", "vqa", "text_only", "choice"}
    assert len(set(ds["id"])) == len(ds)


def test_export_selected_tasks_with_image_feature(sample_benchmark) -> None:
    ds = to_hf_dataset(sample_benchmark, tasks=["vqa"], images="feature")
    assert set(ds["task"]) == {"vqa"} and len(ds) == 15
    assert isinstance(ds.features["image"], datasets.Image)
    image = ds[0]["image"]
    assert image.size == (256, 256)


def test_export_rejects_unknown_tasks(sample_benchmark) -> None:
    with pytest.raises(ConfigError, match="t2i"):
        to_hf_dataset(sample_benchmark, tasks=["t2i"])
