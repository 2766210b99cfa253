"""Test-only methods, scorers and a tiny benchmark for the runner tests.

Also imported by subprocesses (``--method tests.runner.support:SlowMethod``), so it stays light.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image

from unifybench.data.records import Benchmark, Concept, GenerationPrompt, UnderstandingItem
from unifybench.scorers.base import Score, ScoringInput, nanmean
from unifybench.scorers.spec import ScorerSpec

# --- methods -------------------------------------------------------------------------------


class EchoMethod:
    """Deterministic: answers 'Yes.' when the item's image is a training colour, echoes otherwise;
    generates solid images whose colour depends on the seed."""

    name: ClassVar[str] = "echo"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding", "generation"})
    calls: ClassVar[list[str]] = []

    def __init__(self, **params: Any) -> None:
        self.options = params

    def params(self) -> dict[str, Any]:
        return {"kind": "echo", **self.options}

    def personalize(self, concept: Concept, workdir: Path) -> dict[str, Any]:
        type(self).calls.append(f"personalize:{concept.id}")
        return {"concept": concept.id, "noun": concept.class_noun}

    def checkpoint_hash(self, state: dict[str, Any]) -> str:
        return f"echo-{state['concept']}"

    def answer(self, state: Any, question: str, image: Image.Image | None) -> str:
        type(self).calls.append(f"answer:{question}")
        if image is not None and "Is" in question:
            red = image.getpixel((0, 0))[0]
            return "Yes." if red > 127 else "No."
        return f"{state['noun']} {question.split()[-1]}"

    def generate(self, state: Any, prompt: str, n: int, seed: int) -> list[Image.Image]:
        type(self).calls.append(f"generate:{prompt}")
        return [Image.new("RGB", (8, 8), ((seed + k) % 256, 0, 0)) for k in range(n)]


class SlowMethod(EchoMethod):
    """EchoMethod that sleeps per item, for the kill-and-resume test. Appends every call to the
    file named by $UNIFYBENCH_TEST_CALLS (when set), so the test can count calls."""

    name: ClassVar[str] = "slow-echo"
    delay = float(os.environ.get("UNIFYBENCH_TEST_DELAY", "0.05"))

    def _log(self, what: str) -> None:
        path = os.environ.get("UNIFYBENCH_TEST_CALLS")
        if path:
            with open(path, "a") as fh:
                fh.write(what + "\n")

    def answer(self, state: Any, question: str, image: Image.Image | None) -> str:
        time.sleep(self.delay)
        self._log("answer")
        return super().answer(state, question, image)

    def generate(self, state: Any, prompt: str, n: int, seed: int) -> list[Image.Image]:
        time.sleep(self.delay)
        self._log("generate")
        return super().generate(state, prompt, n, seed)


class RaisingMethod(EchoMethod):
    """Raises on every second question and on generation of prompt index 1."""

    name: ClassVar[str] = "raising"

    def answer(self, state: Any, question: str, image: Image.Image | None) -> str:
        if question.endswith("1?"):
            raise RuntimeError("boom on purpose")
        return super().answer(state, question, image)

    def generate(self, state: Any, prompt: str, n: int, seed: int) -> list[Image.Image]:
        if "beach" in prompt:
            raise RuntimeError("no beach today")
        return super().generate(state, prompt, n, seed)


class WrongTypeMethod(EchoMethod):
    """Returns an int as an answer and a string instead of images."""

    name: ClassVar[str] = "wrong-type"

    def answer(self, state: Any, question: str, image: Image.Image | None) -> Any:
        return 42

    def generate(self, state: Any, prompt: str, n: int, seed: int) -> Any:
        return "not images"


class BadPersonalizeMethod(EchoMethod):
    """personalize fails for the concept 'cup'."""

    name: ClassVar[str] = "bad-personalize"

    def personalize(self, concept: Concept, workdir: Path) -> dict[str, Any]:
        if concept.id == "cup":
            raise OSError("weights for cup not found")
        return super().personalize(concept, workdir)


class UnderstandingOnly(EchoMethod):
    name: ClassVar[str] = "understanding-only"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding"})


# --- scorers -------------------------------------------------------------------------------


class RecTestScorer:
    """Yo'LLaVA-style weight over exact Yes./No. answers (test scorer, not the real one)."""

    id: ClassVar[str] = "weight/test-exact/v2@1"
    metric: ClassVar[str] = "weight"
    tasks: ClassVar[frozenset[str]] = frozenset({"rec"})

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        out = []
        for x in inputs:
            said_yes = (x.text or "").strip() == "Yes."
            positive = x.item.answer.strip() != "No."
            out.append(
                Score(
                    float(said_yes == positive),
                    "yes" if said_yes else "no",
                    metadata={"positive": positive},
                )
            )
        return out

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        return aggregate_rec_test(scores, None, self.metric)


def aggregate_rec_test(scores: Sequence[Score], protocol: Any, metric: str) -> dict[str, float]:
    """RecTestScorer's aggregate as a module-level function: its spec records it in scoring.json,
    so a run re-aggregates without the scorer object."""
    pos = [s.value for s in scores if s.metadata.get("positive")]
    neg = [s.value for s in scores if not s.metadata.get("positive")]
    recall, no_recall = nanmean(pos), nanmean(neg)
    return {
        "weight": (recall + no_recall) / 2,
        "recall": recall,
        "no_recall": no_recall,
        "accuracy": nanmean([s.value for s in scores]),
    }


RecTestScorer.spec = ScorerSpec(  # type: ignore[attr-defined]
    name="test-rec",
    metrics=("weight", "recall", "no_recall", "accuracy"),
    card="test scorer: exact Yes./No. answers",
    build=lambda spec, protocol, context, tasks: RecTestScorer(),
    scorer_class="tests.runner.support:RecTestScorer",
    aggregate=aggregate_rec_test,
)


class OverlapScorer:
    """Fraction of gold words in the answer (vqa, text_only)."""

    id: ClassVar[str] = "bleu/test-overlap/v2@1"
    metric: ClassVar[str] = "bleu"
    tasks: ClassVar[frozenset[str]] = frozenset({"vqa", "text_only"})

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        out = []
        for x in inputs:
            gold = x.item.answer.lower().split()
            said = set((x.text or "").lower().split())
            out.append(Score(sum(w in said for w in gold) / max(len(gold), 1)))
        return out

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        return {"bleu": nanmean([s.value for s in scores])}


class RednessScorer:
    """Mean red channel of the generated images / 255; NaN ("no face") when red is below 20,
    with a detection-rate side figure."""

    id: ClassVar[str] = "face_sim_dlib/test-red/v2@1"
    metric: ClassVar[str] = "face_sim_dlib"
    tasks: ClassVar[frozenset[str]] = frozenset({"t2i", "face"})

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        out = []
        for x in inputs:
            reds = []
            for path in x.images:
                with Image.open(path) as img:
                    reds.append(img.convert("RGB").getpixel((0, 0))[0])
            mean = sum(reds) / len(reds)
            value = math.nan if mean < 20 else mean / 255
            out.append(Score(value, metadata={"detected": not math.isnan(value)}))
        return out

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        return {
            "face_sim_dlib": nanmean([s.value for s in scores]),
            "detection_rate": sum(bool(s.metadata.get("detected")) for s in scores) / len(scores),
        }


class FakeJudge:
    """A judge-like object with identity and info(), for provenance tests."""

    identity = "test/fake-judge@0000"
    official = False

    def info(self) -> Any:
        from unifybench.submission import JudgeInfo

        return JudgeInfo(role="text", identity=self.identity, model="fake", official=False)

    def check_ready(self) -> None:
        return None


class JudgedScorer(OverlapScorer):
    id: ClassVar[str] = "judge/test-judged/v2@1"
    metric: ClassVar[str] = "judge"

    def __init__(self, judge: FakeJudge) -> None:
        self.judge = judge

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        return {"judge": nanmean([s.value for s in scores])}


def make_scorers() -> list[Any]:
    return [RecTestScorer(), OverlapScorer(), RednessScorer(), JudgedScorer(FakeJudge())]


# --- a tiny benchmark ----------------------------------------------------------------------


def _png(path: Path, colour: tuple[int, int, int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 16), colour).save(path)
    return path


def tiny_benchmark(root: Path) -> Benchmark:
    """Two concepts (a person 'ann', an object 'cup'); rec, vqa, t2i and face items."""
    concepts: dict[str, Concept] = {}
    understanding: dict[str, tuple[UnderstandingItem, ...]] = {}
    generation: dict[str, tuple[GenerationPrompt, ...]] = {}
    specs = {"ann": ("human", "woman", "live_subject"), "cup": ("object", "cup", "object")}
    for cid, (category, noun, gen_type) in specs.items():
        train = tuple(_png(root / cid / f"train{i}.png", (200, 10 * i, 0)) for i in range(2))
        pos = _png(root / cid / "pos.png", (220, 0, 0))
        neg = _png(root / cid / "neg.png", (10, 0, 0))
        concepts[cid] = Concept(
            cid, category, noun, f"<{cid}> is a {noun}.", (), gen_type, train, (pos,)
        )
        rec = [
            UnderstandingItem(
                f"{cid}/rec/{i}",
                cid,
                "rec",
                i,
                f"Is <{cid}> in this photo {i}?",
                "Yes." if i % 2 == 0 else "No.",
                pos if i % 2 == 0 else neg,
            )
            for i in range(4)
        ]
        vqa = [
            UnderstandingItem(
                f"{cid}/vqa/{i}", cid, "vqa", i, f"What is <{cid}> {i}?", f"a {noun} {i}?", None
            )
            for i in range(3)
        ]
        understanding[cid] = tuple(rec + vqa)
        prompts = ["a <sks> in the jungle", "a <sks> on the beach", "a red <sks>"]
        gens = [
            GenerationPrompt(
                f"{cid}/t2i/{i}",
                cid,
                "t2i",
                i,
                p.replace("<sks>", f"<{cid}>"),
                p.replace("<sks>", noun),
                n_images=2,
            )
            for i, p in enumerate(prompts)
        ]
        if category == "human":
            gens.append(
                GenerationPrompt(
                    f"{cid}/face/0",
                    cid,
                    "face",
                    0,
                    f"A photo of <{cid}>.",
                    f"A photo of {noun}.",
                    n_images=2,
                )
            )
        generation[cid] = tuple(gens)
    return Benchmark(
        root=root,
        concepts=concepts,
        understanding=understanding,
        generation=generation,
        name="unifybench-tiny-test",
        revision="t1",
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class SystemPromptMethod(EchoMethod):
    """EchoMethod with a personal system prompt of raw token strings, like UniCTokens."""

    name: ClassVar[str] = "echo-system-prompt"

    def system_prompt(self, state: dict[str, Any]) -> str:
        return f"<{state['concept']}> is <token_0><token_1>.\n"


# --- methods with batch hooks -----------------------------------------------------------------


class BatchedEcho(EchoMethod):
    """EchoMethod with ``answer_batch`` / ``generate_batch`` (item by item inside, so each
    result equals the single call); records every hook call as (hook, batch length)."""

    name: ClassVar[str] = "batched-echo"
    default_batch_size: ClassVar[int] = 3
    batch_calls: ClassVar[list[tuple[str, int]]] = []

    def answer_batch(self, state: Any, questions: Sequence[str], images: Sequence[Any]) -> Any:
        type(self).batch_calls.append(("answer_batch", len(questions)))
        return [
            EchoMethod.answer(self, state, q, im) for q, im in zip(questions, images, strict=True)
        ]

    def generate_batch(
        self, state: Any, prompts: Sequence[str], n: int, seeds: Sequence[int]
    ) -> Any:
        type(self).batch_calls.append(("generate_batch", len(prompts)))
        return [
            EchoMethod.generate(self, state, p, n, s) for p, s in zip(prompts, seeds, strict=True)
        ]


class SlowBatchedEcho(SlowMethod):
    """SlowMethod with batch hooks that sleep ``delay`` per item of the batch, for the
    kill-mid-batch test; each hook call appends ``<hook> <items>`` to $UNIFYBENCH_TEST_CALLS."""

    name: ClassVar[str] = "slow-batched-echo"
    default_batch_size: ClassVar[int] = 4

    def answer_batch(self, state: Any, questions: Sequence[str], images: Sequence[Any]) -> Any:
        time.sleep(self.delay * len(questions))
        self._log(f"answer_batch {len(questions)}")
        return [
            EchoMethod.answer(self, state, q, im) for q, im in zip(questions, images, strict=True)
        ]

    def generate_batch(
        self, state: Any, prompts: Sequence[str], n: int, seeds: Sequence[int]
    ) -> Any:
        time.sleep(self.delay * len(prompts))
        self._log(f"generate_batch {len(prompts)}")
        return [
            EchoMethod.generate(self, state, p, n, s) for p, s in zip(prompts, seeds, strict=True)
        ]


class FlakyBatch(BatchedEcho):
    """Batch hooks that go wrong in one way (``failure``: raise, count, type), and single calls
    that fail for questions ending "1?" (a genuinely bad item)."""

    name: ClassVar[str] = "flaky-batch"

    def __init__(self, failure: str = "raise", **params: Any) -> None:
        super().__init__(**params)
        self.failure = failure

    def answer(self, state: Any, question: str, image: Image.Image | None) -> str:
        if question.endswith("1?"):
            raise RuntimeError("bad item")
        return super().answer(state, question, image)

    def answer_batch(self, state: Any, questions: Sequence[str], images: Sequence[Any]) -> Any:
        out = super().answer_batch(state, questions, images)
        if self.failure == "raise":
            raise RuntimeError("the whole batch fell over")
        if self.failure == "count":
            return out[:-1]
        return [7] * len(out)

    def generate_batch(
        self, state: Any, prompts: Sequence[str], n: int, seeds: Sequence[int]
    ) -> Any:
        out = super().generate_batch(state, prompts, n, seeds)
        if self.failure == "raise":
            raise RuntimeError("the whole batch fell over")
        if self.failure == "count":
            return [images[:-1] for images in out]  # one image short per item
        return [["not an image"] * n for _ in out]


class FlipBatch(BatchedEcho):
    """Flips after its own crop; ``answer(..., flip=)`` and ``answer_batch(..., flips=)`` put
    the flip and the left pixel's red value in the answer. ``batch_flips=False``: its
    answer_batch has no ``flips`` parameter."""

    name: ClassVar[str] = "flip-batch"
    flips_after_crop: ClassVar[bool] = True

    def answer(self, state: Any, question: str, image: Any, *, flip: bool = False) -> str:
        red = image.getpixel((0, 0))[0] if image is not None else None
        return f"flip={flip} red={red} {question}"

    def answer_batch(
        self, state: Any, questions: Sequence[str], images: Sequence[Any], *, flips=None
    ) -> Any:
        type(self).batch_calls.append(("answer_batch", len(questions)))
        flips = flips or [False] * len(questions)
        return [
            self.answer(state, q, im, flip=f)
            for q, im, f in zip(questions, images, flips, strict=True)
        ]


class FlipBatchWithoutFlips(FlipBatch):
    """FlipBatch whose answer_batch takes no ``flips``: flipped items must go one by one."""

    name: ClassVar[str] = "flip-batch-no-flips"

    def answer_batch(  # type: ignore[override]
        self, state: Any, questions: Sequence[str], images: Sequence[Any]
    ) -> Any:
        return super().answer_batch(state, questions, images)
