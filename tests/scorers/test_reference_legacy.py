"""Legacy BLEU, recognition and choice equal the published code on its recorded outputs.

Fixtures: ``tests/fixtures/reference/legacy/`` (README there: arctanxarc/UniCTokens at 9f7a80c,
``eval/eval_p_mmu.py`` ``calculate_bleu``, ``run_one_test_item`` and ``statistic``; ``pdata.py``
``image_transform``). The test data are written to a dataset folder and read by the project's
loader, so the loader's handling of the raw items is part of what is compared.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.support.reference import load, worst, write_dataset
from unifybench.benchmarks.unifybench.loader import load_local
from unifybench.runner.seeds import item_seed, legacy_flip
from unifybench.scorers.base import ScoringInput
from unifybench.scorers.bleu import BleuScorer, bleu_char
from unifybench.scorers.recognition import ChoiceScorer, RecognitionScorer

TOLERANCE = 1e-9


def test_bleu_equals_published_calculate_bleu_on_every_recorded_pair() -> None:
    cases = load("bleu.json")["cases"]
    assert len(cases) > 1000 and not any("crash" in c for c in cases)
    diff = worst(((bleu_char(c["pred"], c["gold"]), c["value"]) for c in cases), "bleu")
    assert diff <= TOLERANCE, f"worst |ours - published| = {diff:.3g} over {len(cases)} pairs"


def _concepts() -> list[dict[str, Any]]:
    return load("mmu.json")["concepts"]


@pytest.fixture(scope="module")
def mmu(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The recorded test items in a dataset folder, loaded by the project's loader; each item
    paired with the answer the published code stored for it."""
    concepts = _concepts()
    root = tmp_path_factory.mktemp("mmu") / "data"
    spec = {}
    for c in concepts:
        items = []
        for entry in c["items"]:
            item = dict(entry["test_item"])
            item["image"] = "black_512x512.png"
            items.append(item)
        spec[c["concept"]] = {"test_items": items}
    benchmark = load_local(write_dataset(root, spec))
    out = {}
    for c in concepts:
        cid = c["concept"]
        loaded = benchmark.understanding[cid]
        assert len(loaded) == len(c["items"])
        cursor: dict[str, int] = defaultdict(int)
        pairs = []
        for entry, item in zip(c["items"], loaded, strict=True):
            kind = entry["test_item"]["type"]
            pred = c["pred_dict"][kind][cursor[kind]]  # what the published code stored
            cursor[kind] += 1
            pairs.append((item, kind, pred))
        out[cid] = {"benchmark": benchmark, "pairs": pairs, "record": c}
    return out


def _inputs(data: dict[str, Any], keep: Any) -> tuple[list[ScoringInput], list[int]]:
    benchmark = data["benchmark"]
    inputs, positions = [], []
    per_type: dict[str, int] = defaultdict(int)
    for item, kind, pred in data["pairs"]:
        if keep(kind):
            concept = benchmark.concepts[item.concept_id]
            inputs.append(ScoringInput(item=item, concept=concept, text=pred))
            positions.append(per_type[kind])
        per_type[kind] += 1
    return inputs, positions


def test_published_statistic_ran_on_every_recorded_concept() -> None:
    concepts = _concepts()
    assert len(concepts) == 8
    assert all("value" in c["statistic"] for c in concepts)  # no crash: judge replies readable


def test_rec_items_and_means_equal_published_statistic(mmu) -> None:
    diffs = []
    for data in mmu.values():
        results = data["record"]["statistic"]["value"]["rec"]
        inputs, positions = _inputs(data, lambda kind: kind == "rec")
        scorer = RecognitionScorer("legacy")
        scores = scorer.score(inputs)
        for score, pos in zip(scores, positions, strict=True):
            published = results["data"][pos]["score"]
            assert score.metadata["positive"] == ("recall" in published)
            diffs.append((score.value, published["accuracy"]))
        ours = scorer.aggregate(scores)
        for key, value in results["score"].items():
            diffs.append((ours[key], value))
        for key in {"recall", "no_recall"} - set(results["score"]):
            assert math.isnan(ours[key])  # the published dict has no key without such items
    assert worst(diffs, "rec items and means") <= TOLERANCE


def test_choice_scored_per_type_as_published(mmu) -> None:
    diffs, types = [], set()
    for data in mmu.values():
        results = data["record"]["statistic"]["value"]
        inputs, _ = _inputs(data, lambda kind: "choice" in kind)
        scorer = ChoiceScorer("legacy")
        scores = scorer.score(inputs)
        ours = scorer.aggregate(scores)
        published_types = {k for k in results if "choice" in k}
        assert {k for k in ours if k != "accuracy"} == {f"accuracy[{t}]" for t in published_types}
        for kind in published_types:
            types.add(kind)
            diffs.append((ours[f"accuracy[{kind}]"], results[kind]["score"]["accuracy"]))
            per_item = [s.value for s in scores if s.metadata["type"] == kind]
            assert per_item == [d["score"]["accuracy"] for d in results[kind]["data"]]
        pooled = [d["score"]["accuracy"] for k in published_types for d in results[k]["data"]]
        diffs.append((ours["accuracy"], sum(pooled) / len(pooled)))  # the pooled figure beside
    assert len(types) >= 4 and worst(diffs, "choice per type") <= TOLERANCE


def test_bleu_items_and_means_equal_published_statistic(mmu) -> None:
    diffs = []
    for data in mmu.values():
        results = data["record"]["statistic"]["value"]
        for kind in ("vqa", "text_only"):
            if kind not in results:
                continue
            inputs, positions = _inputs(data, lambda k, kind=kind: k == kind)
            scorer = BleuScorer("legacy")
            scores = scorer.score(inputs)
            for score, pos in zip(scores, positions, strict=True):
                diffs.append((score.value, results[kind]["data"][pos]["score"]["bleu"]))
            diffs.append((scorer.aggregate(scores)["bleu"], results[kind]["score"]["bleu"]))
    assert len(diffs) > 60 and worst(diffs, "bleu items and means (statistic)") <= TOLERANCE


def test_loader_keeps_what_the_published_code_read(mmu) -> None:
    """Gold answers and questions as written (published: no strip; "<image>\\n" removed)."""
    for data in mmu.values():
        record = data["record"]
        questions = {k: [q["question"] for q in v] for k, v in record["question_dict"].items()}
        system_prompt = record["system_prompt"]
        cursor: dict[str, int] = defaultdict(int)
        for item, kind, _ in data["pairs"]:
            i = cursor[kind]
            cursor[kind] += 1
            assert item.legacy_answer == record["gt_dict"][kind][i]
            assert system_prompt + item.legacy_question == questions[kind][i]
            assert item.legacy_type == kind


def test_flip_rule_and_rate_equal_published_image_transform() -> None:
    """pdata.image_transform flips iff two successive draws are below 0.5 (rate 0.25)."""
    record = load("flip.json")
    cases = record["cases"]
    assert all(c["flipped"] == (c["draws"][0] < 0.5 and c["draws"][1] < 0.5) for c in cases)
    assert 0.2 < record["flip_rate"] < 0.3
    # the runner's legacy flip: the same rule on its own seeded stream, one per item
    for seed in range(200):
        coin = random.Random(seed)
        assert legacy_flip(seed) == (coin.random() < 0.5 and coin.random() < 0.5)
    flips = sum(legacy_flip(item_seed(0, f"bo/vqa/{i}")) for i in range(4000))
    assert abs(flips / 4000 - 0.25) < 0.03  # about 4.4 standard deviations


def test_fixture_files_are_where_the_readme_says() -> None:
    here = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "legacy"
    for name in ("README.md", "record.py", "bleu.json", "mmu.json", "flip.json"):
        assert (here / name).is_file(), name
