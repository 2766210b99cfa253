"""Small pieces of the runner: JSONL files, seeds, confidence intervals."""

from __future__ import annotations

import pytest

from unifybench.errors import DataError
from unifybench.runner.aggregate import bootstrap_ci
from unifybench.runner.jsonl import JsonlWriter, read_records, repair
from unifybench.runner.seeds import item_seed


def test_truncated_tail_is_ignored_then_repaired(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": "a/rec/0"}\n{"id": "a/rec/1"}\n{"id": "a/re')
    assert [r["id"] for r in read_records(path)] == ["a/rec/0", "a/rec/1"]
    with JsonlWriter(path) as writer:  # opening repairs before appending
        writer.write({"id": "a/rec/2"})
    assert path.read_text() == '{"id": "a/rec/0"}\n{"id": "a/rec/1"}\n{"id": "a/rec/2"}\n'
    assert repair(path) is False


def test_corrupt_line_in_the_middle_is_a_data_error(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": 1}\nnot json\n{"id": 2}\n')
    with pytest.raises(DataError, match="line 2"):
        read_records(path)


def test_missing_file_reads_as_empty(tmp_path):
    assert read_records(tmp_path / "none.jsonl") == []


def test_item_seeds_are_stable_distinct_and_31_bit():
    assert item_seed(0, "bo/vqa/3") == item_seed(0, "bo/vqa/3")
    seeds = {item_seed(0, f"bo/vqa/{i}") for i in range(1000)}
    assert len(seeds) == 1000 and all(0 <= s < 2**31 for s in seeds)
    assert item_seed(1, "bo/vqa/3") != item_seed(0, "bo/vqa/3")


def test_bootstrap_ci_is_seeded_and_brackets_the_mean():
    values = [0.2, 0.4, 0.9, 0.5, 0.7]
    low, high = bootstrap_ci(values, seed=5)
    assert (low, high) == bootstrap_ci(values, seed=5)
    assert low <= sum(values) / len(values) <= high and low >= 0.2 and high <= 0.9
    assert bootstrap_ci([0.3], seed=5) == (None, None)
    assert bootstrap_ci([0.5, 0.5, 0.5], seed=1) == (0.5, 0.5)


def test_legacy_flip_rate_is_the_published_quarter():
    from unifybench.runner.seeds import item_seed, legacy_flip

    flips = [legacy_flip(item_seed(0, f"c/rec/{i}")) for i in range(4000)]
    assert 0.22 < sum(flips) / len(flips) < 0.28  # two 0.5 draws, as pdata.image_transform
    assert flips == [legacy_flip(item_seed(0, f"c/rec/{i}")) for i in range(4000)]
