"""Metric specs: what a number means, which way is better, which values are possible.

A :class:`MetricSpec` is the one place a metric is described. Tasks list the metrics they report,
scorers the metrics they produce, the aggregator keeps only a task's metrics as results, the
submission validator rejects values and intervals outside :attr:`MetricSpec.range`, and the
leaderboard takes names, directions, digits and descriptions from here.

The metrics below are the shared vocabulary (they also appear in reported numbers). A scorer that
produces a new metric declares its :class:`MetricSpec` in its own :class:`ScorerSpec`
(``metrics=(MetricSpec(...),)``); :func:`metric_registry` finds it there. One name always means
one metric: two different specs under one name are an error.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

from unifybench.registry import Registry

Direction = Literal["higher", "lower"]
# A value whose magnitude exceeds this is rejected even for an unbounded metric: no metric of this
# harness comes near it, and 1e308 on a board is a broken submission, not a result.
ABSURD = 1e9


@dataclass(frozen=True)
class MetricSpec:
    """One metric. ``range`` is the closed interval of values the definition allows (a bound may
    be infinite); ``approximates`` names the official metric an unofficial stand-in approximates
    (it gets its own column and is never ranked with it); ``side`` marks a side figure that is
    reported beside a scorer's main metric (in ``extra``), never as a column of its own."""

    name: str
    display: str
    short: str
    description: str
    range: tuple[float, float] = (0.0, 1.0)
    direction: Direction = "higher"
    digits: int = 3
    quirks: str = ""
    approximates: str | None = None
    side: bool = False
    aggregation: str = "mean over concepts of the per-concept values"

    def __post_init__(self) -> None:
        problems = []
        if (
            not self.name
            or not self.name.replace("_", "").isalnum()
            or self.name != self.name.lower()
        ):
            problems.append(f"name must be lower-case letters, digits and _, got {self.name!r}")
        if self.direction not in ("higher", "lower"):
            problems.append(f"direction must be 'higher' or 'lower', got {self.direction!r}")
        lo, hi = self.range
        if math.isnan(lo) or math.isnan(hi) or lo >= hi:
            problems.append(f"range must be (low, high) with low < high, got {self.range!r}")
        if not 0 <= self.digits <= 6:
            problems.append(f"digits must be in 0..6, got {self.digits}")
        if not self.display or not self.short or not self.description:
            problems.append("display, short and description must not be empty")
        if problems:
            raise ValueError(f"metric {self.name!r}: " + "; ".join(problems))

    @property
    def approximate(self) -> bool:
        """An unofficial stand-in for another metric (own column, never ranked with it)."""
        return self.approximates is not None

    def contains(self, value: float) -> bool:
        """Whether ``value`` is a possible value of this metric (finite, within range, sane)."""
        return (
            math.isfinite(value)
            and self.range[0] <= value <= self.range[1]
            and abs(value) <= ABSURD
        )

    @property
    def range_text(self) -> str:
        """The range as written in cards: ``[0, 1]``, ``(-inf, 1]``."""
        lo, hi = self.range
        left = "(-inf" if math.isinf(lo) else f"[{lo:g}"
        right = "inf)" if math.isinf(hi) else f"{hi:g}]"
        return f"{left}, {right}"

    def format(self, value: float | None) -> str:
        """The number as the site prints it; an en dash for a missing value."""
        return "–" if value is None else f"{value:.{self.digits}f}"

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form (infinite bounds as null), as written into a run's scoring.json."""
        data = asdict(self)
        data["range"] = [None if math.isinf(b) else b for b in self.range]
        return data


def per_type_metric(metric: str, item_type: str) -> str:
    """The name of ``metric`` computed over the items of one type, e.g. ``accuracy[vqa_choice]``
    (the published choice scores are reported per item type)."""
    return f"{metric}[{item_type}]"


def split_per_type(name: str) -> tuple[str, str | None]:
    """``("accuracy", "vqa_choice")`` for ``accuracy[vqa_choice]``; ``(name, None)`` otherwise."""
    if name.endswith("]") and "[" in name:
        base, _, rest = name.partition("[")
        if base and rest[:-1]:
            return base, rest[:-1]
    return name, None


def _check(obj: Any) -> None:
    if not isinstance(obj, MetricSpec):
        raise TypeError(f"expected a MetricSpec, got {type(obj).__name__}")


_JUDGE_GRADES = "A model judge gives 0, 0.5 or 1 per item"

BUILTIN: tuple[MetricSpec, ...] = (
    MetricSpec(
        "weight",
        "Weighted recognition accuracy",
        "weighted",
        "(recall on positives + recall on negatives) / 2, the Yo'LLaVA-style balanced accuracy "
        'over "Is <c> in this image?" questions. Mean per concept, then over concepts.',
        quirks='legacy reads yes/no as substrings of the lower-cased answer, so "not", "know" '
        'and "cannot" count as "no"; v2 matches whole words.',
    ),
    MetricSpec(
        "recall",
        "Recall on positives",
        "recall+",
        "Fraction of images that show the concept where the model answered yes.",
    ),
    MetricSpec(
        "no_recall",
        "Recall on negatives",
        "recall−",
        "Fraction of images that do not show the concept where the model answered no.",
    ),
    MetricSpec(
        "accuracy",
        "Accuracy",
        "acc",
        "Fraction of items answered correctly. Recognition: pooled over positives and negatives. "
        "Multiple choice (UnifyBench): correct when the gold string is a substring of the answer; "
        "pooled over item types, and under the legacy protocol also one accuracy per item type "
        '(the published script reports each type containing "choice" separately). Visual / '
        "text QA on the Yo'LLaVA benchmark: multiple-choice accuracy.",
    ),
    MetricSpec(
        "bleu",
        "Character BLEU",
        "BLEU",
        "nltk sentence BLEU over characters with 1- and 2-gram weights (0.7, 0.3), smoothing "
        "method 1 and brevity penalty, as the published scripts compute it.",
    ),
    MetricSpec(
        "judge",
        "Judge score",
        "judge",
        f"{_JUDGE_GRADES}. Visual / text QA: the official text judge is deepseek-chat given "
        "question, gold answer and prediction. Knowledge-driven generation: the official vision "
        "judge is GPT-4o given the concept profile, the prompt and a generated image.",
        quirks='legacy reads the text judge\'s reply with split("Score::") and the image '
        "judge's as a float with no range check, sending the published requests (no temperature "
        "for deepseek-chat, 1e-5 for GPT-4o); a different judge model gives different numbers, "
        "so check the judge in the tooltip.",
    ),
    MetricSpec(
        "judge_minilm",
        "MiniLM answer similarity (unofficial)",
        "≈judge MiniLM",
        "Offline approximation of the text judge: all-MiniLM-L6-v2 sentence-embedding similarity "
        "between gold answer and prediction, mapped to 0 / 0.5 / 1. Runs without an API key; "
        "never ranked with the judge score.",
        approximates="judge",
    ),
    MetricSpec(
        "clip_i",
        "CLIP-I",
        "CLIP-I",
        "Mean cosine similarity (OpenAI CLIP ViT-B/32 image embeddings) between each generated "
        "image and every training image of the concept; averaged over images, prompts and "
        "concepts. Raw cosine, so any value in [-1, 1] is possible.",
        range=(-1.0, 1.0),
        quirks="legacy maps [0,1] pixels to [0.5,1] before CLIP normalisation, as the published "
        "scorer does, and pools every image of every concept into one mean.",
    ),
    MetricSpec(
        "clip_t",
        "CLIP-T",
        "CLIP-T",
        "Cosine similarity between the generated image and its prompt with the concept "
        "placeholder replaced by the class noun (OpenAI CLIP ViT-B/32).",
        range=(-1.0, 1.0),
    ),
    MetricSpec(
        "dino",
        "DINO",
        "DINO",
        "Cosine similarity of DINO (v1) ViT-S CLS embeddings between generated and real subject "
        "images: ViT-S/16 in DreamBench (DreamBooth), ViT-S/8 in DreamBench++ (the scorer id "
        "names the backbone; different benchmarks are never ranked together).",
        range=(-1.0, 1.0),
    ),
    MetricSpec(
        "face_sim",
        "Face similarity (ArcFace)",
        "ArcFace",
        "InsightFace antelopev2 embedding of the largest face, cosine similarity averaged over "
        "all (training image, generated image) pairs of human concepts.",
        range=(-1.0, 1.0),
        quirks="legacy silently drops generated images where no face is found (survivorship "
        "bias); v2 counts them. The face detection rate is in the tooltip.",
    ),
    MetricSpec(
        "face_sim_dlib",
        "Face similarity (dlib, unofficial)",
        "≈face dlib",
        "Offline alternative to ArcFace: 1 - L2 distance of dlib ResNet face descriptors "
        "(128-d, not unit length, so unbounded below; about -2 at worst in practice). Runs "
        "without downloads; its scale differs from ArcFace cosine, so it is never ranked with "
        "face_sim.",
        range=(-math.inf, 1.0),
        approximates="face_sim",
    ),
    MetricSpec(
        "face_detection_rate",
        "Face detection rate",
        "faces",
        "Fraction of readable generated images in which a face was found (side figure of the "
        "face similarity scorers).",
        side=True,
    ),
)

_REGISTRY: Registry[MetricSpec] = Registry("metric", check=_check)
for _spec in BUILTIN:
    _REGISTRY.add(_spec.name, _spec, source="unifybench.metrics:BUILTIN")
# Scorers may declare metrics of their own (a MetricSpec in ScorerSpec.metrics).
_REGISTRY.provider("unifybench.scorers.registry", "declared_metrics")


def metric_registry() -> Registry[MetricSpec]:
    """Every metric: the built-in vocabulary and the metrics scorer modules declare."""
    return _REGISTRY


def get_metric(name: str) -> MetricSpec:
    """The spec of metric ``name``; ConfigError listing the known metrics when unknown."""
    return _REGISTRY.get(name)


def find_metric(name: str) -> MetricSpec | None:
    """The spec of metric ``name`` or None."""
    return _REGISTRY.find(name)
