"""The specs agree with each other, and everything generated from them agrees with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from unifybench.benchmarks import all_benchmarks
from unifybench.catalog import metrics_index_markdown, scorer_ids_by_metric, scorer_rows
from unifybench.metrics import find_metric, metric_registry
from unifybench.scorers.registry import REGISTRY, all_scorers, get_scorer
from unifybench.tasks import all_tasks, find_task

ROOT = Path(__file__).resolve().parents[2]


def test_every_task_names_known_metrics_scorers_and_a_consistent_judge() -> None:
    for task in all_tasks():
        for metric in task.metrics:
            spec = find_metric(metric)
            assert spec is not None, f"task {task.name}: unknown metric {metric}"
            assert not spec.side, f"task {task.name}: {metric} is a side figure, not a result"
        scorer_names = set(task.scorers) | {n for v in task.scorers_by_protocol.values() for n in v}
        roles = set()
        for name in scorer_names:
            scorer = get_scorer(name)
            missing = set(scorer.reported_metrics) - set(task.metrics)
            assert not missing, f"task {task.name} does not report {missing} of scorer {name}"
            if scorer.replaces:
                assert scorer.replaces in scorer_names, (
                    f"{name} replaces a scorer {task.name} lacks"
                )
            if scorer.judge_role:
                roles.add(scorer.judge_role)
        assert roles == ({task.judge_role} - {None}), f"task {task.name}: judge role {roles}"


def test_every_scorer_scores_some_task_and_declares_known_metrics() -> None:
    assert not REGISTRY.unavailable(), REGISTRY.unavailable()
    used = {n for t in all_tasks() for n in t.scorers}
    for spec in all_scorers():
        assert spec.name in used, f"no task lists scorer {spec.name}"
        for metric in spec.metric_names:
            assert spec.metric_spec(metric) is not None, f"{spec.name}: unknown metric {metric}"
        assert spec.scorer_class.count(":") == 1


def test_benchmarks_name_known_tasks_and_protocol_tags_name_one_computation() -> None:
    by_tag: dict[str, dict] = {}
    for bench in all_benchmarks():
        for task in bench.tasks:
            assert find_task(task) is not None, f"benchmark {bench.name}: unknown task {task}"
        for protocol in bench.protocols:
            if not protocol.runnable:
                continue
            flags = protocol.flags()
            seen = by_tag.setdefault(protocol.id_tag, flags)
            # Two protocols that share a scorer-id tag must compute the same thing.
            assert seen == flags, f"protocol tag {protocol.id_tag} means two different protocols"


def test_scorer_ids_are_unique() -> None:
    ids = [row["id"] for row in scorer_rows()]
    assert len(ids) == len(set(ids))
    unifybench = [i for i in ids if i.split("/")[2].split("@")[0] in ("legacy", "v2")]
    assert len(unifybench) == 20  # 10 scorer specs x the 2 UnifyBench protocols
    # another benchmark's protocol lists only the scorers its tasks use
    assert not [i for i in ids if i.startswith("rec/") and "/dbpp-" in i]


def test_metrics_doc_index_is_generated_from_the_registry() -> None:
    """docs/metrics.md's index is the registry's; regenerate with `python -m unifybench.catalog`."""
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert metrics_index_markdown() in text, (
        "docs/metrics.md's scorer index differs from the registry: run "
        "`python -m unifybench.catalog docs/metrics.md`"
    )
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    for row in scorer_rows():
        assert any(f"`{row['id']}`" in h for h in headings), f"no metric card for {row['id']}"


def test_leaderboard_shows_what_the_registry_says() -> None:
    from leaderboard.schema import load_schema

    schema = load_schema()
    ids = scorer_ids_by_metric()
    registry = metric_registry()
    shown = set(schema.metrics)
    assert shown == {m.name for m in registry.values() if not m.side}
    for name, card in schema.metrics.items():
        spec = registry.get(name)
        assert card.scorers == ids.get(name, [])
        assert (card.direction, card.range, card.digits) == (
            spec.direction,
            spec.range,
            spec.digits,
        )
    columns = {c.key for c in schema.columns}
    assert columns == {f"{t.name}/{m}" for t in all_tasks() for m in t.metrics}
    listed = {sid for sids in ids.values() for sid in sids}
    assert listed == {row["id"] for row in scorer_rows()}  # all 20, none missing


@pytest.mark.parametrize("task", [t.name for t in all_tasks()])
def test_each_task_has_a_board_group_main_or_column(task: str) -> None:
    from leaderboard.schema import load_schema

    spec = find_task(task)
    schema = load_schema()
    assert f"{task}/{spec.headline}" in schema.column_keys
