"""End-to-end runner behaviour on a tiny in-test benchmark with test scorers (fast, in process)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.runner.support import (
    BadPersonalizeMethod,
    EchoMethod,
    FakeJudge,
    RaisingMethod,
    UnderstandingOnly,
    WrongTypeMethod,
    make_scorers,
    read_jsonl,
)
from unifybench import api
from unifybench.errors import ConfigError
from unifybench.scorers.base import Score
from unifybench.submission import Submission


def _run(method: Any, tiny: Any, out: Path, **kw: Any) -> api.RunOutcome:
    (outcome,) = api.run(
        method,
        data=tiny,
        out=out,
        scorers=make_scorers(),
        judges=[FakeJudge()],
        progress=False,
        **kw,
    )
    return outcome


def _numbers(result: Submission) -> dict[str, Any]:
    return {
        (task, metric): (r.value, r.n, r.n_total, r.ci_low, r.ci_high, r.per_concept)
        for task, metrics in result.results.items()
        for metric, r in metrics.items()
    }


def test_end_to_end_writes_all_stage_files(tiny, tmp_path):
    outcome = _run(EchoMethod(), tiny, tmp_path / "runs")
    run_dir = outcome.run_dir
    assert run_dir == tmp_path / "runs" / "echo"
    for name in (
        "run.json",
        "plan.json",
        "predictions.jsonl",
        "scoring.json",
        "scores.jsonl",
        "result.json",
        "provenance.json",
    ):
        assert (run_dir / name).exists(), name

    preds = read_jsonl(run_dir / "predictions.jsonl")
    plan = json.loads((run_dir / "plan.json").read_text())["items"]
    assert sorted(p["id"] for p in preds) == sorted(p["id"] for p in plan)
    assert all(p["status"] == "ok" for p in preds)
    gen = next(p for p in preds if p["id"] == "cup/t2i/2")
    assert gen["images"] == ["images/cup/t2i/2_0.png", "images/cup/t2i/2_1.png"]
    assert all((run_dir / rel).exists() for rel in gen["images"])
    assert {p["protocol"] for p in preds} == {"v2"}

    result = Submission.model_validate_json((run_dir / "result.json").read_text())
    rec = result.results["rec"]
    assert set(rec) == {"weight", "recall", "no_recall", "accuracy"}
    assert rec["weight"].value == 1.0 and rec["weight"].n == 8 and rec["weight"].coverage == 1.0
    assert rec["weight"].per_concept == {"ann": 1.0, "cup": 1.0}
    # vqa echoes "<noun> <last word>" -> overlap per item known exactly
    assert result.results["vqa"]["bleu"].scorer == "bleu/test-overlap/v2@1"
    assert result.results["vqa"]["judge"].judge == "test/fake-judge@0000"
    face = result.results["face"]["face_sim_dlib"]
    assert face.n_total == 1 and face.per_concept.keys() == {"ann"}
    assert "detection_rate" in result.results["t2i"]["face_sim_dlib"].extra
    assert result.concepts == {"ann": "human", "cup": "object"}
    assert result.benchmark.judges[0].identity == "test/fake-judge@0000"
    assert result.benchmark.dataset == "unifybench-tiny-test" and result.benchmark.sample is False


def test_mean_over_concepts_and_seeded_ci(tiny, tmp_path):
    result = _run(EchoMethod(), tiny, tmp_path / "a").result
    again = _run(EchoMethod(), tiny, tmp_path / "b").result
    t2i = result.results["t2i"]["face_sim_dlib"]
    present = [v for v in t2i.per_concept.values() if v is not None]
    assert t2i.value == pytest.approx(sum(present) / len(present))
    assert t2i.ci_low is not None and t2i.ci_low <= t2i.value <= t2i.ci_high
    assert _numbers(result) == _numbers(again)


def test_resume_after_truncated_kill_equals_uninterrupted(tiny, tmp_path):
    full = _run(EchoMethod(), tiny, tmp_path / "full").result
    part_dir = tmp_path / "part"
    api.predict(EchoMethod(), data=tiny, out=part_dir, progress=False)
    preds = (part_dir / "echo" / "predictions.jsonl").read_text().splitlines(keepends=True)
    # Simulate a SIGKILL: 5 complete records, then half a line.
    (part_dir / "echo" / "predictions.jsonl").write_text("".join(preds[:5]) + preds[5][:17])
    EchoMethod.calls.clear()
    resumed = _run(EchoMethod(), tiny, part_dir).result
    ids = [r["id"] for r in read_jsonl(part_dir / "echo" / "predictions.jsonl")]
    assert len(ids) == len(set(ids)) == len(preds)
    asked = [c for c in EchoMethod.calls if not c.startswith("personalize")]
    assert len(asked) == len(preds) - 5
    assert _numbers(resumed) == _numbers(full)


def test_raising_method_gives_error_records_and_partial_coverage(tiny, tmp_path, capsys):
    outcome = _run(RaisingMethod(), tiny, tmp_path)
    preds = read_jsonl(outcome.run_dir / "predictions.jsonl")
    errors = [p for p in preds if p["status"] == "error"]
    assert {p["id"] for p in errors} == {
        "ann/rec/1",
        "cup/rec/1",
        "ann/vqa/1",
        "cup/vqa/1",
        "ann/t2i/1",
        "cup/t2i/1",
    }
    assert all(p["error"].startswith("RuntimeError: ") for p in errors)
    result = outcome.result
    rec = result.results["rec"]["weight"]
    assert rec.n == 6 and rec.n_total == 8 and rec.coverage == pytest.approx(0.75)
    assert rec.extra["n_prediction_errors"] == 2
    assert "coverage below 100%" in result.notes and "rec/weight 75%" in result.notes

    from unifybench.runner.summary import print_summary

    print_summary(result)
    shown = capsys.readouterr().out
    assert "PARTIAL" in shown and "75%" in shown


def test_wrong_types_are_errors(tiny, tmp_path):
    outcome = _run(WrongTypeMethod(), tiny, tmp_path)
    preds = {p["id"]: p for p in read_jsonl(outcome.run_dir / "predictions.jsonl")}
    assert preds["ann/rec/0"]["status"] == "error"
    assert "answer() must return str, got int" in preds["ann/rec/0"]["error"]
    assert "generate() must return a list of PIL images, got str" in preds["cup/t2i/0"]["error"]
    assert outcome.result.results["rec"]["weight"].value is None
    assert outcome.result.results["rec"]["weight"].coverage == 0.0


def test_personalize_failure_marks_concept_items_and_goes_on(tiny, tmp_path):
    outcome = _run(BadPersonalizeMethod(), tiny, tmp_path)
    preds = read_jsonl(outcome.run_dir / "predictions.jsonl")
    by_status = Counter((p["concept"], p["status"]) for p in preds)
    assert by_status[("cup", "ok")] == 0 and by_status[("cup", "error")] == 10
    assert by_status[("ann", "error")] == 0 and by_status[("ann", "ok")] == 11
    assert all("personalize failed: OSError" in p["error"] for p in preds if p["concept"] == "cup")
    rec = outcome.result.results["rec"]["weight"]
    assert rec.per_concept == {"ann": 1.0, "cup": None} and rec.coverage == 0.5


class Flaky(EchoMethod):
    name: ClassVar[str] = "flaky"
    fail: ClassVar[bool] = True

    def answer(self, state, question, image):
        if type(self).fail:
            raise RuntimeError("flaky")
        return super().answer(state, question, image)


def test_errors_kept_unless_retry_errors(tiny, tmp_path):
    Flaky.fail = True
    api.predict(Flaky(), data=tiny, out=tmp_path, tasks="rec", progress=False)
    Flaky.fail = False
    api.predict(Flaky(), data=tiny, out=tmp_path, tasks="rec", progress=False)
    preds = read_jsonl(tmp_path / "flaky" / "predictions.jsonl")
    assert {p["status"] for p in preds} == {"error"}
    api.predict(Flaky(), data=tiny, out=tmp_path, tasks="rec", retry_errors=True, progress=False)
    preds = read_jsonl(tmp_path / "flaky" / "predictions.jsonl")
    assert len(preds) == len({p["id"] for p in preds}) == 8
    assert {p["status"] for p in preds} == {"ok"}


def test_rescore_and_reaggregate_never_call_the_method(tiny, tmp_path):
    outcome = _run(EchoMethod(), tiny, tmp_path)
    before = _numbers(outcome.result)
    EchoMethod.calls.clear()
    scores_before = (outcome.run_dir / "scores.jsonl").read_text()
    api.score(
        outcome.run_dir, scorers=make_scorers(), judges=[FakeJudge()], data=tiny, progress=False
    )
    assert (outcome.run_dir / "scores.jsonl").read_text() == scores_before  # all keys done
    again = api.aggregate(outcome.run_dir, scorers=make_scorers())
    assert EchoMethod.calls == []
    assert _numbers(again) == before

    # Re-score with a smaller scorer set: only those are aggregated, nothing regenerated.
    from tests.runner.support import RecTestScorer

    api.score(outcome.run_dir, scorers=[RecTestScorer()], data=tiny, progress=False)
    only_rec = api.aggregate(outcome.run_dir)  # aggregators resolved without live scorers
    assert set(only_rec.results) == {"rec"}
    assert set(only_rec.results["rec"]) == {"weight", "recall", "no_recall", "accuracy"}
    assert _numbers(only_rec)[("rec", "weight")] == before[("rec", "weight")]
    assert "plain mean" not in only_rec.notes
    assert EchoMethod.calls == []


def test_scorer_errors_are_records_and_retried(tiny, tmp_path):
    class Broken:
        id = "bleu/broken/v2@1"
        metric = "bleu"
        tasks = frozenset({"vqa"})
        broken = True

        def score(self, inputs):
            if Broken.broken:
                raise ValueError("judge unreachable")
            return [Score(0.5) for _ in inputs]

        def aggregate(self, scores):
            return {"bleu": sum(s.value for s in scores) / len(scores)}

    api.predict(EchoMethod(), data=tiny, out=tmp_path, progress=False)
    run_dir = tmp_path / "echo"
    api.score(run_dir, scorers=[Broken()], data=tiny, progress=False)
    recs = read_jsonl(run_dir / "scores.jsonl")
    assert {r["status"] for r in recs} == {"error"} and len(recs) == 6
    assert recs[0]["error"] == "ValueError: judge unreachable"
    res = api.aggregate(run_dir, scorers=[Broken()])
    assert res.results["vqa"]["bleu"].coverage == 0 and res.results["vqa"]["bleu"].value is None
    Broken.broken = False
    api.score(run_dir, scorers=[Broken()], data=tiny, progress=False)
    recs = read_jsonl(run_dir / "scores.jsonl")
    assert len(recs) == 6 and {r["status"] for r in recs} == {"ok"}
    assert api.aggregate(run_dir, scorers=[Broken()]).results["vqa"]["bleu"].value == 0.5


def test_provenance_recorded_and_no_secret_in_run_dir(tiny, tmp_path, monkeypatch):
    secret = "sk-test-DO-NOT-LEAK-1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("DEEPSEEK_API_KEY", secret)
    outcome = _run(EchoMethod(size=3), tiny, tmp_path, seed=7)
    prov = json.loads((outcome.run_dir / "provenance.json").read_text())
    for key in (
        "unifybench_version",
        "git_commit",
        "git_dirty",
        "packages",
        "machine",
        "method",
        "seed",
        "protocol",
        "data",
        "scoring",
        "personalization",
    ):
        assert key in prov, key
    assert prov["method"]["params"] == {"kind": "echo", "size": 3}
    assert prov["seed"] == 7 and prov["protocol"] == "v2"
    assert prov["packages"]["pydantic"]
    assert [x["stage"] for x in prov["sessions"]] == ["predict", "score"]
    if (Path(__file__).resolve().parents[2] / ".git").exists():  # a git checkout: commit recorded
        assert len(prov["git_commit"]) == 40 and isinstance(prov["git_dirty"], bool)
        assert result_commit(outcome) == prov["git_commit"]
    assert prov["personalization"]["ann"]["checkpoint_hash"] == "echo-ann"
    assert prov["scoring"]["judges"][0]["identity"] == "test/fake-judge@0000"
    assert "weight/test-exact/v2@1" in prov["scoring"]["scorers"]
    result = outcome.result
    assert result.method.params == {"kind": "echo", "size": 3}
    assert result.method.checkpoint_hash.startswith("sha256:")
    assert result.provenance.kind == "measured" and result.provenance.seed == 7
    assert result.provenance.unifybench_version
    assert result.benchmark.protocol == "v2"
    assert "weight/test-exact/v2@1" in result.benchmark.scorers
    for path in outcome.run_dir.rglob("*"):
        if path.is_file() and path.suffix != ".png":
            assert secret not in path.read_text(), path


def test_resume_with_other_config_is_refused(tiny, tmp_path):
    api.predict(EchoMethod(), data=tiny, out=tmp_path, tasks="rec", progress=False)
    with pytest.raises(ConfigError, match="seed"):
        api.predict(EchoMethod(), data=tiny, out=tmp_path, tasks="rec", seed=1, progress=False)
    # More tasks on the same run are fine: the plan grows, finished items are kept.
    api.predict(EchoMethod(), data=tiny, out=tmp_path, tasks="vqa", progress=False)
    config = json.loads((tmp_path / "echo" / "run.json").read_text())
    assert config["tasks"] == ["rec", "vqa"]
    assert len(read_jsonl(tmp_path / "echo" / "predictions.jsonl")) == 14


def test_capabilities_limit_the_plan(tiny, tmp_path):
    (outcome,) = api.predict(UnderstandingOnly(), data=tiny, out=tmp_path, progress=False)
    tasks = {p["task"] for p in json.loads((outcome.run_dir / "plan.json").read_text())["items"]}
    assert tasks == {"rec", "vqa"}


def test_legacy_protocol_flips_test_images_seeded(tiny, tmp_path):
    (outcome,) = api.predict(
        EchoMethod(), data=tiny, out=tmp_path, tasks="rec", protocol="legacy", progress=False
    )
    preds = read_jsonl(outcome.run_dir / "predictions.jsonl")
    assert {p["protocol"] for p in preds} == {"legacy"}
    flips = [p["flipped"] for p in preds]
    assert True in flips and False in flips
    (again,) = api.predict(
        EchoMethod(), data=tiny, out=tmp_path / "b", tasks="rec", protocol="legacy", progress=False
    )
    assert [p["flipped"] for p in read_jsonl(again.run_dir / "predictions.jsonl")] == flips


class FlipRecorder(EchoMethod):
    """Records what the runner hands over: the image's first pixel column and the flip keyword."""

    def __init__(self, after_crop: bool, **params: Any) -> None:
        super().__init__(**params)
        self.flips_after_crop = after_crop
        self.seen: list[tuple[str, Any, Any]] = []

    def answer(self, state: Any, question: str, image: Any, **kwargs: Any) -> str:
        left = None if image is None else image.getpixel((0, 0))
        self.seen.append((question, left, kwargs.get("flip")))
        return "yes"


@pytest.mark.parametrize("after_crop", [False, True])
def test_legacy_flip_is_handed_to_methods_that_flip_after_their_crop(tiny, tmp_path, after_crop):
    """The published transform flips after resize + centre crop: a method declaring
    ``flips_after_crop`` gets ``flip=`` and the unflipped image; others get a mirrored image."""
    from PIL import Image

    for items in tiny.understanding.values():
        for item in items:
            if item.image is not None:  # left half red, right half blue: a flip is visible
                im = Image.new("RGB", (8, 4), (0, 0, 255))
                im.paste((255, 0, 0), (0, 0, 4, 4))
                im.save(item.image)
    method = FlipRecorder(after_crop)
    (outcome,) = api.predict(
        method, data=tiny, out=tmp_path, tasks="rec", protocol="legacy", progress=False
    )
    flips = [p["flipped"] for p in read_jsonl(outcome.run_dir / "predictions.jsonl")]
    assert True in flips and False in flips
    for (_, left, flip_kw), flipped in zip(method.seen, flips, strict=True):
        if after_crop:
            assert flip_kw is flipped and left == (255, 0, 0)
        else:
            assert flip_kw is None and left == ((0, 0, 255) if flipped else (255, 0, 0))


def test_legacy_questions_are_the_turns_as_written(tiny, tmp_path):
    """Under legacy the method sees the question as the published script built it (only
    ``"<image>\\n"`` removed); v2 sees the cleaned question."""
    import dataclasses

    for cid, items in tiny.understanding.items():
        tiny.understanding[cid] = tuple(
            dataclasses.replace(i, question_raw=f"<image>\n {i.question}\n") for i in items
        )
    written = sorted(
        f" {i.question}\n"
        for items in tiny.understanding.values()
        for i in items
        if i.task == "vqa"
    )
    method = FlipRecorder(False)
    api.predict(method, data=tiny, out=tmp_path, tasks="vqa", protocol="legacy", progress=False)
    assert sorted(q for q, _, _ in method.seen) == written
    method = FlipRecorder(False)
    api.predict(method, data=tiny, out=tmp_path / "v2", tasks="vqa", protocol="v2", progress=False)
    assert sorted(q for q, _, _ in method.seen) == sorted(w.strip() for w in written)


def test_frames_for_notebooks(tiny, tmp_path):
    outcome = _run(EchoMethod(), tiny, tmp_path)
    frame = api.results_frame(outcome.run_dir)
    assert {"task", "metric", "value", "n", "n_total", "coverage", "ci_low"} <= set(frame.columns)
    row = frame[(frame.task == "rec") & (frame.metric == "weight")].iloc[0]
    assert row.value == 1.0 and row.n == 8
    per = api.per_concept_frame(outcome.result)
    assert set(per[per.task == "rec"].concept) == {"ann", "cup"}
    assert set(per.category) == {"human", "object"}


def test_a_live_writer_locks_the_run_dir_and_a_dead_one_does_not(tiny, tmp_path):
    import socket
    import subprocess
    import sys

    run_dir = tmp_path / "echo"
    run_dir.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (run_dir / ".lock").write_text(f"{sleeper.pid} {socket.gethostname()}")
        with pytest.raises(ConfigError, match=f"process {sleeper.pid}"):
            api.predict(EchoMethod(), data=tiny, out=tmp_path, tasks="rec", progress=False)
    finally:
        sleeper.kill()
        sleeper.wait()
    # The holder is gone (as after a SIGKILL): the lock is taken over and released at the end.
    api.predict(EchoMethod(), data=tiny, out=tmp_path, tasks="rec", progress=False)
    assert not (run_dir / ".lock").exists()
    assert len(read_jsonl(run_dir / "predictions.jsonl")) == 8


def result_commit(outcome: api.RunOutcome) -> str | None:
    return outcome.result.provenance.git_commit


def test_method_kind_reaches_the_result(tiny, tmp_path):
    class Reference(EchoMethod):
        name = "echo-reference"
        kind = "reference"

    class Confused(EchoMethod):
        name = "echo-confused"
        kind = "oracle"

    assert _run(EchoMethod(), tiny, tmp_path / "a").result.method.kind == "method"
    assert _run(Reference(), tiny, tmp_path / "b").result.method.kind == "reference"
    with pytest.raises(ConfigError, match="kind='oracle'"):
        _run(Confused(), tiny, tmp_path / "c")


def test_scoring_batches_span_concepts_and_keep_each_items_concept(tiny, tmp_path):
    from tests.runner.support import OverlapScorer

    class Recording(OverlapScorer):
        batches: ClassVar[list[list[tuple[str, str]]]] = []

        def score(self, inputs):
            type(self).batches.append([(x.item.concept_id, x.concept.id) for x in inputs])
            return super().score(inputs)

    (outcome,) = api.run(
        EchoMethod(), data=tiny, out=tmp_path, scorers=[Recording()], progress=False
    )
    batches = Recording.batches
    # vqa of both concepts in one call (a judge can run them concurrently) ...
    assert any(len({item for item, _ in b}) > 1 for b in batches)
    # ... and every input still carries its own concept.
    assert all(item == concept for b in batches for item, concept in b)
    per_concept = outcome.result.results["vqa"]["bleu"].per_concept
    assert set(per_concept) == {"ann", "cup"}
