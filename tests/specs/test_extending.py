"""Adding a task, a scorer and a benchmark is one spec each (docs/extending.md), end to end.

A toy benchmark with its own protocol, task, scorer and metric is registered in-process (what a
module of unifybench/benchmarks/, unifybench/tasks/ and unifybench/scorers/ or an entry point
does), run with ``--data toy:`` semantics on its sample set, validated and shown on a board;
nothing else in the harness changes.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from unifybench.benchmarks import BENCHMARKS, BenchmarkAdapter, BenchmarkSpec, DatasetSpec
from unifybench.data.problems import CheckReport, Problems, read_json
from unifybench.data.records import Benchmark, Concept, UnderstandingItem
from unifybench.metrics import MetricSpec, metric_registry
from unifybench.protocols import V2, Protocol
from unifybench.scorers.base import Score, ScoringInput, SpecScorer
from unifybench.scorers.registry import REGISTRY, register_scorer
from unifybench.scorers.spec import ScorerSpec
from unifybench.tasks import TASKS, TaskSpec

# -- the new protocol, metric, scorer, task and benchmark ------------------------------------

TOY = dataclasses.replace(V2, name="toy", tag="toy", display="toy", description="Toy protocol.")
SHOUTING = dataclasses.replace(TOY, name="shouting", tag="toy-shouting", choice_match="substring")
ECHO = MetricSpec("echo_match", "Echo match", "echo", "1 when the answer repeats the gold word.")


class EchoScorer(SpecScorer):
    """1.0 when the answer contains the gold word (case-insensitively unless the protocol's
    ``choice_match`` flag says "substring", which here means case-sensitive)."""

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        out = []
        for inp in inputs:
            gold, text = inp.item.answer, inp.text or ""  # type: ignore[union-attr]
            if self.protocol.choice_match != "substring":
                gold, text = gold.lower(), text.lower()
            out.append(Score(1.0 if gold in text else 0.0, answer=text))
        return out


def _build(spec: ScorerSpec, protocol: Protocol, context: Any, tasks: tuple[str, ...]) -> Any:
    return EchoScorer(protocol, tasks=tasks)


ECHO_SCORER = ScorerSpec(
    name="toy_echo",
    metrics=(ECHO,),
    card="1 when the answer contains the gold word",
    implementation="contains",
    build=_build,
    scorer_class="tests.specs.test_extending:EchoScorer",
)
EchoScorer.spec = ECHO_SCORER

ECHO_TASK = TaskSpec(
    name="toy_echo",
    display="Toy echo",
    short="Echo",
    description="Repeat the word.",
    capability="understanding",
    metrics=("echo_match",),
    headline="echo_match",
    scorers=("toy_echo",),
    group="understanding",
    order=90,
)


class ToyAdapter(BenchmarkAdapter):
    """A benchmark whose source is one JSON file: {concept: [[question, gold], ...]}."""

    spec: ClassVar[BenchmarkSpec]
    sample_marker: ClassVar[str] = "# toy sample"

    def load(self, source: str, *, concepts=None, revision=None, **options: Any) -> Benchmark:
        root = Path(source)
        data = read_json(root / "toy.json", Problems(), what="the toy items")
        found = {
            c: Concept(c, "object", "thing", f"<{c}> is a thing.", (), "object", (), ())
            for c in data
        }
        items = {
            c: tuple(
                UnderstandingItem(f"{c}/toy_echo/{i}", c, "toy_echo", i, q, a, None)
                for i, (q, a) in enumerate(pairs)
            )
            for c, pairs in data.items()
        }
        return Benchmark(root, found, items, name=root.name, adapter="toy")

    def check(self, source: str) -> CheckReport:
        report = CheckReport(Path(source), benchmark="Toy")
        problems = Problems(collect=True)
        read_json(Path(source) / "toy.json", problems, what="the toy items")
        report.add_problems(problems)
        return report

    def write_sample(self, out_dir: str | Path) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "README.md").write_text("# toy sample\n", encoding="utf-8")
        pairs = {"pen": [["Say Yes.", "Yes."], ["Say cat", "Cat"]], "mug": [["Say mug", "mug"]]}
        (out / "toy.json").write_text(json.dumps(pairs), encoding="utf-8")
        return out


TOY_BENCHMARK = BenchmarkSpec(
    name="toy",
    display="Toy benchmark",
    description="A benchmark of one JSON file.",
    protocols=(TOY, SHOUTING),
    tasks=("toy_echo",),
    datasets=(DatasetSpec("toy-sample", "Toy sample", sample=True),),
    adapter="tests.specs.test_extending:ToyAdapter",
)
ToyAdapter.spec = TOY_BENCHMARK


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """Register the toy specs as a module of each package (or an entry point) would."""
    monkeypatch.setenv("UNIFYBENCH_CACHE_DIR", str(tmp_path / "cache"))
    TASKS.add("toy_echo", ECHO_TASK)
    register_scorer(ECHO_SCORER)
    BENCHMARKS.add("toy", TOY_BENCHMARK)
    yield
    BENCHMARKS.remove("toy")
    REGISTRY.remove("toy_echo")
    TASKS.remove("toy_echo")
    metric_registry().remove("echo_match")


def test_a_new_benchmark_runs_validates_and_gets_a_board(toy, tmp_path) -> None:
    from leaderboard.build import build_site
    from tests.runner.support import EchoMethod
    from unifybench import api
    from unifybench.submission.validate import validate_paths

    (outcome,) = api.run(EchoMethod(), data="toy:", out=tmp_path / "runs", progress=False)
    result = outcome.result
    assert result.benchmark.dataset == "toy-sample" and result.benchmark.sample
    assert result.benchmark.protocol == "toy"  # the benchmark's default protocol
    echo = result.results["toy_echo"]["echo_match"]
    assert echo.scorer == "toy_echo/contains/toy@1"
    assert echo.per_concept == {"pen": 1.0, "mug": 1.0}  # "thing cat" matches "Cat"
    path = outcome.run_dir / "result.json"
    assert validate_paths([path]) == []
    site = build_site([path], tmp_path / "site")
    assert site.n_boards == 1
    board = next((tmp_path / "site").glob("board-*.html")).read_text(encoding="utf-8")
    assert "Toy sample" in board and "Echo echo" in board

    # The other protocol flips one flag, so the same predictions score differently.
    api.score(outcome.run_dir, protocol="shouting", progress=False)
    again = api.aggregate(outcome.run_dir).results["toy_echo"]["echo_match"]
    assert again.scorer == "toy_echo/contains/toy-shouting@1"
    assert again.per_concept == {"pen": 0.5, "mug": 1.0}  # case-sensitive now
    assert not math.isnan(again.value)


def test_data_option_addresses_benchmarks_by_name(toy, tmp_path, capsys) -> None:
    from unifybench.benchmarks import split_data
    from unifybench.cli import main
    from unifybench.errors import ConfigError

    assert split_data("toy:/x")[0].name == "toy" and split_data("toy:/x")[1] == "/x"
    assert split_data("toy:")[1] is None  # the sample set
    assert split_data(str(tmp_path))[0].name == "unifybench"  # a bare folder stays UnifyBench
    assert main(["data", "sample", str(tmp_path / "s"), "--benchmark", "toy"]) == 0
    assert f"unifybench data check toy:{tmp_path / 's'}" in capsys.readouterr().out
    assert main(["data", "check", f"toy:{tmp_path / 's'}"]) == 0
    assert "Toy dataset check" in capsys.readouterr().out
    (tmp_path / "s" / "toy.json").write_text("{", encoding="utf-8")
    assert main(["data", "check", f"toy:{tmp_path / 's'}"]) == 1
    assert "toy.json: field 'line 1 column 2'" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="unknown protocol 'legacy' for benchmark toy"):
        from tests.runner.support import EchoMethod
        from unifybench import api

        api.predict(EchoMethod(), data="toy:", protocol="legacy", out=tmp_path / "r")


def test_registries_refuse_two_specs_under_one_name(toy) -> None:
    from unifybench.errors import ConfigError

    other = dataclasses.replace(ECHO, display="Another echo")
    with pytest.raises(ConfigError, match="two metrics are named 'echo_match'"):
        metric_registry().add("echo_match", other)
    with pytest.raises(ConfigError, match="two tasks are named 'toy_echo'"):
        TASKS.add("toy_echo", dataclasses.replace(ECHO_TASK, display="x"))
    with pytest.raises(ConfigError, match="expected a TaskSpec"):
        TASKS.add("bad", object())  # type: ignore[arg-type]
