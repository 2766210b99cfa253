"""Shared by the Ray tests and their subprocess (``python -m tests.ray.scenario``): run settings,
scorers, and a method that kills its own worker process once."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any, ClassVar

from methods.no_personalization import NoPersonalization

METHOD = "no-personalization"
PARAMS: dict[str, Any] = {"size": 64}
TASKS = "rec,choice,vqa,text_only,face"
SCORED_TASKS = ["rec", "choice", "vqa", "text_only", "face"]
RUN_KWARGS: dict[str, Any] = {
    "tasks": TASKS,
    "images_per_prompt": 1,
    "seed": 7,
    "protocol": "v2",
    "progress": False,
}


def scorers() -> tuple[list[Any], list[tuple[str, str]]]:
    """Real scorers that run offline: recognition, choice, BLEU, dlib face similarity."""
    from unifybench.scorers.registry import build_scorers

    return build_scorers("v2", SCORED_TASKS, face_backend="dlib", seed=RUN_KWARGS["seed"])


class KillOnce(NoPersonalization):
    """``no-personalization`` whose worker process SIGKILLs itself once, mid-unit.

    On the ``kill_after``-th answer for concept ``concept`` (counted per process) it creates
    ``marker`` and kills its own process, unless ``marker`` exists. Every answer call is appended
    to ``calls`` (``<pid> <concept> <question>``) so the test can count re-computed items.
    """

    name = "kill-once"

    def __init__(
        self, *, marker: str, calls: str, concept: str = "chelsea", kill_after: int = 5, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.marker, self.calls, self.concept, self.kill_after = marker, calls, concept, kill_after
        self._answers = 0

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled in a worker: log it, so the test can see a worker reuse its cached method.
        self.__dict__.update(state)
        with open(self.calls + ".loads", "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")

    def answer(self, state: Any, question: str, image: Any) -> str:
        with open(self.calls, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {state.concept_id} {question!r}\n")
        if state.concept_id == self.concept:
            self._answers += 1
            if self._answers >= self.kill_after and not Path(self.marker).exists():
                Path(self.marker).write_text(str(os.getpid()), encoding="utf-8")
                os.kill(os.getpid(), signal.SIGKILL)
        return super().answer(state, question, image)


def result_numbers(path: Path) -> dict[str, Any]:
    """The numbers of a result.json: per task and metric, value, CI, n, coverage, per concept."""
    import json

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    keep = ("value", "ci_low", "ci_high", "n", "n_total", "coverage", "per_concept", "scorer")
    return {
        task: {metric: {k: r.get(k) for k in keep} for metric, r in metrics.items()}
        for task, metrics in data["results"].items()
    }


def prediction_contents(run_dir: Path) -> list[dict[str, Any]]:
    """Prediction records without their timing, in file order."""
    from unifybench.runner.jsonl import read_records

    out = []
    for r in read_records(Path(run_dir) / "predictions.jsonl"):
        out.append({k: v for k, v in r.items() if k not in ("seconds", "method")})
    return out


def image_digests(run_dir: Path) -> dict[str, str]:
    """SHA-256 of every generated image, by path relative to the run folder."""
    import hashlib

    root = Path(run_dir)
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "images").rglob("*.png"))
    }


class GpuDeclared(NoPersonalization):
    """``no-personalization`` declaring one GPU per unit; logs ``<pid> <CUDA_VISIBLE_DEVICES>`` per
    personalization to ``log`` so the test can see where each unit ran."""

    name = "gpu-declared"
    resources: ClassVar[dict[str, Any]] = {"num_cpus": 1, "num_gpus": 1}

    def __init__(self, *, log: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.log = log

    def personalize(self, concept: Any, workdir: Path) -> Any:
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {os.environ.get('CUDA_VISIBLE_DEVICES')}\n")
        return super().personalize(concept, workdir)


class BrokenOnWorker(NoPersonalization):
    """Pickles in the driver, fails to unpickle in a worker: the unit fails outside run_unit."""

    name = "broken-on-worker"

    def __setstate__(self, state: dict[str, Any]) -> None:
        raise RuntimeError("this method cannot be loaded on a worker")


class TwoGpus(GpuDeclared):
    """Asks for two GPUs per unit (more than the test cluster has)."""

    name = "two-gpus"
    resources: ClassVar[dict[str, Any]] = {"num_cpus": 1, "num_gpus": 2}


class Slow(NoPersonalization):
    """``no-personalization`` that takes ``delay`` seconds per answer (time to kill the driver)."""

    name = "slow"

    def __init__(self, *, delay: float = 0.1, **kw: Any) -> None:
        super().__init__(**kw)
        self.delay = delay

    def answer(self, state: Any, question: str, image: Any) -> str:
        import time

        time.sleep(self.delay)
        return super().answer(state, question, image)
