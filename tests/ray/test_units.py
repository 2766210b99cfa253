"""Executor plumbing that needs no Ray cluster: units, replay-safe messages, resources, options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from unifybench.errors import ConfigError
from unifybench.runner.executors import add_executor_options, make_executor
from unifybench.runner.executors.ray_executor import (
    RayExecutor,
    method_resources,
    worker_pythonpath,
)
from unifybench.runner.executors.units import plan_units, run_unit
from unifybench.runner.plan import PlanItem

REPO = Path(__file__).resolve().parents[2]


def _items(concept: str, n: int) -> list[PlanItem]:
    return [PlanItem(f"{concept}/rec/{k}", concept, "rec", k) for k in range(n)]


def test_one_unit_per_concept_by_default() -> None:
    units = plan_units({"a": _items("a", 5), "b": _items("b", 2)})
    assert [(u.key, len(u.items)) for u in units] == [("a", 5), ("b", 2)]
    assert [u.index for u in units] == [0, 1]


def test_shards_interleave_and_cover_every_item() -> None:
    by_concept = {"a": _items("a", 5), "b": _items("b", 1)}
    units = plan_units(by_concept, shards=2)
    assert [(u.key, [p.index for p in u.items]) for u in units] == [
        ("a#0/2", [0, 2, 4]),
        ("a#1/2", [1, 3]),
        ("b", [0]),  # never more shards than items
    ]
    assert units[0].workdir(Path("/r")) == Path("/r/work/a/shard-0")
    assert units[2].workdir(Path("/r")) == Path("/r/work/b")
    with pytest.raises(ValueError):
        plan_units(by_concept, shards=0)


def _run_unit(sample_benchmark: Any, tmp_path: Path, done: frozenset[str]) -> list[dict]:
    from methods.no_personalization import NoPersonalization
    from unifybench.runner.config import RunConfig
    from unifybench.runner.predict import _item_index

    concept = "astro"
    items = [
        PlanItem(i.id, concept, i.task, i.index) for i in sample_benchmark.items(concept, "rec")
    ]
    (unit,) = plan_units({concept: items})
    config = RunConfig(method="no-personalization", seed=3, protocol="v2")
    return list(
        run_unit(
            NoPersonalization(size=8),
            sample_benchmark.concepts[concept],
            unit,
            _item_index(sample_benchmark),
            tmp_path,
            config,
            done,
        )
    )


def test_a_replayed_unit_yields_the_same_number_of_messages(
    sample_benchmark: Any, tmp_path: Path
) -> None:
    first = _run_unit(sample_benchmark, tmp_path, frozenset())
    ids = [m["record"]["id"] for m in first[1:]]
    assert first[0]["kind"] == "personalization" and first[0]["info"]["status"] == "ok"
    assert all(m["kind"] == "record" for m in first[1:])
    replay = _run_unit(sample_benchmark, tmp_path, frozenset(ids[:4]))
    assert len(replay) == len(first)
    assert [m["kind"] for m in replay[1:5]] == ["skip"] * 4
    untimed = [[{**m["record"], "seconds": None} for m in ms[5:]] for ms in (replay, first)]
    assert untimed[0] == untimed[1]  # the same records for the items still to do
    nothing_left = _run_unit(sample_benchmark, tmp_path, frozenset(ids))
    assert len(nothing_left) == len(first) and nothing_left[0]["info"] is None


def test_a_unit_batches_like_the_local_loop_and_replays_per_item(
    sample_benchmark: Any, tmp_path: Path
) -> None:
    """A unit of a method with batch hooks calls them (batch size from the run config) and still
    yields one message per item in the unit's order, the same records as item by item, also
    when replayed with some items done (the remaining ones then form other batches)."""
    from tests.runner.support import BatchedEcho
    from unifybench.runner.config import RunConfig
    from unifybench.runner.predict import _item_index

    concept = "astro"
    items = [
        PlanItem(i.id, concept, i.task, i.index)
        for task in ("rec", "vqa")
        for i in sample_benchmark.items(concept, task)
    ]
    (unit,) = plan_units({concept: items})

    def messages(batch_size: int, done: frozenset[str]) -> list[dict]:
        config = RunConfig(method="batched-echo", seed=3, protocol="v2", batch_size=batch_size)
        index = _item_index(sample_benchmark)
        BatchedEcho.batch_calls.clear()
        return list(
            run_unit(
                BatchedEcho(),
                sample_benchmark.concepts[concept],
                unit,
                index,
                tmp_path,
                config,
                done,
            )
        )

    def untimed(ms: list[dict]) -> list[Any]:
        return [
            {k: v for k, v in m["record"].items() if k not in ("seconds", "batch")}
            if m["kind"] == "record"
            else m
            for m in ms[1:]
        ]

    single = messages(1, frozenset())
    batched = messages(4, frozenset())
    assert BatchedEcho.batch_calls and all(n <= 4 for _, n in BatchedEcho.batch_calls)
    assert untimed(batched) == untimed(single)
    assert [m["record"]["id"] for m in batched[1:]] == [p.id for p in items]
    done = frozenset(p.id for p in items[1:6:2])
    replay = messages(4, done)
    assert len(replay) == len(single)
    for m, s_, p in zip(replay[1:], untimed(single), items, strict=True):
        if p.id in done:
            assert m == {"kind": "skip", "id": p.id}
        else:
            assert untimed([{}, m])[0] == s_


class _Declares:
    def __init__(self, resources: Any) -> None:
        self.resources = resources


def test_method_resources() -> None:
    assert method_resources(object()) == {"num_cpus": 1}
    assert method_resources(_Declares({"num_gpus": 1})) == {"num_cpus": 1, "num_gpus": 1}
    assert method_resources(_Declares({"num_cpus": 4, "num_gpus": 0.5})) == {
        "num_cpus": 4,
        "num_gpus": 0.5,
    }
    with pytest.raises(ConfigError, match="unknown resource key"):
        method_resources(_Declares({"gpus": 1}))
    with pytest.raises(ConfigError, match="num_gpus"):
        method_resources(_Declares({"num_gpus": -1}))
    with pytest.raises(ConfigError, match="must be a dict"):
        method_resources(_Declares(2))
    # --ray-resources overrides what the method declares
    assert method_resources(_Declares({"num_cpus": 2}), {"num_gpus": 1}) == {
        "num_cpus": 2,
        "num_gpus": 1,
    }
    assert method_resources(object(), {"num_cpus": 3}) == {"num_cpus": 3}
    with pytest.raises(ConfigError, match="unknown resource key"):
        method_resources(object(), {"gpu": 1})


def test_make_executor() -> None:
    assert make_executor("local") is None
    executor = make_executor("ray", ray_address="127.0.0.1:6379", ray_shards=2, ray_max_retries=1)
    assert isinstance(executor, RayExecutor)
    assert (executor.address, executor.shards, executor.max_retries) == ("127.0.0.1:6379", 2, 1)
    with pytest.raises(ConfigError, match="unknown executor"):
        make_executor("dask")
    with pytest.raises(ConfigError, match="--executor ray"):
        make_executor("local", ray_address="auto")
    with pytest.raises(ConfigError, match="--ray-shards"):
        make_executor("ray", ray_shards=0)
    assert make_executor("ray", ray_resources='{"num_gpus": 1}').resources == {"num_gpus": 1}
    with pytest.raises(ConfigError, match="not JSON"):
        make_executor("ray", ray_resources="num_gpus=1")
    with pytest.raises(ConfigError, match="JSON object"):
        make_executor("ray", ray_resources="[1]")


def test_cli_options_parse() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_executor_options(parser)
    args = parser.parse_args(["--executor", "ray", "--ray-address", "auto", "--ray-shards", "3"])
    assert (args.executor, args.ray_address, args.ray_shards) == ("ray", "auto", 3)
    assert parser.parse_args([]).executor == "local"


def test_cli_help_does_not_import_ray() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from unifybench.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):\n"
        "    main(['run', '--help'])\n"
        "assert '--executor' in out.getvalue() and '--ray-address' in out.getvalue()\n"
        "print('ray' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_workers_import_the_drivers_code() -> None:
    first = worker_pythonpath().split(":")[0]
    assert Path(first) == REPO and (Path(first) / "unifybench" / "__init__.py").exists()
