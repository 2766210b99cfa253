"""DreamBench++'s judge scores: concept preservation and prompt following, 0-4 divided by 4.

A vision judge grades every generated image (one stateless request each):

- concept preservation: the reference image first, the generated image second; the template is
  ``dreambench-style`` for a concept of category ``style`` and ``dreambench-subject`` otherwise;
- prompt following: the prompt as written (``item.clip_text``) and the generated image, template
  ``dreambench-text``.

The templates are this project's wording of the published prompts' scoring rules
(yuangpeng/dreambench_plus ``dreambench_plus/prompts/*_full.txt``; docs/judges.md). Request
settings and reader come from the protocol's ``vision_judge`` (legacy: temperature 1, images
resized to 512x512 JPEG, the published reading with the request repeated up to 3 times; v2:
temperature 0, the strict 0-4 reading with one re-ask). Item value = mean over its images; the
concept value = mean over all its images; ``image_score_pooling`` ``images`` pools every image of
every concept into one mean, as the published ``benchmarking.py`` does. Per-type values:
concept preservation per category (``concept_preservation[animal]``), prompt following per
prompt group (``prompt_following[imaginative]``), as the published tables break them down.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from unifybench.errors import ConfigError, ScorerUnavailable
from unifybench.judges.base import Judge, JudgeRequest, JudgeResult
from unifybench.metrics import MetricSpec, per_type_metric
from unifybench.protocols import Protocol
from unifybench.scorers.base import POOL_WEIGHT, Score, ScoringInput, SpecScorer, nanmean
from unifybench.scorers.judged import judge_implementation
from unifybench.scorers.spec import ScorerContext, ScorerSpec

SUBJECT, STYLE, TEXT = "dreambench-subject", "dreambench-style", "dreambench-text"


class TemplateJudges:
    """One configured judge per template, each with the protocol's vision request settings.

    ``identity`` is the judge's identity with ``prompts:<hash>`` over all its templates when
    there are several (each result records the hash of the template it used).
    """

    def __init__(self, base: Judge, templates: Sequence[str], protocol: Protocol) -> None:
        config = getattr(base, "config", None)
        settings = protocol.vision_judge.settings()
        settings.pop("prompt")
        if config is not None and hasattr(config, "with_"):
            self.judges = {t: type(base)(config.with_(prompt=t, **settings)) for t in templates}
        else:  # a judge without a configuration (a custom object): used as it is
            self.judges = {t: base for t in templates}
        first = self.judges[templates[0]]
        self.official = bool(getattr(first, "official", False))
        self.config = getattr(first, "config", None)
        info = first.info()
        if len(set(self.judges.values())) > 1:
            joined = "\n".join(f"{t}:{j.info().prompt_hash}" for t, j in self.judges.items())
            digest = hashlib.sha256(joined.encode()).hexdigest()
            prefix = first.identity.rsplit("/prompt:", 1)[0]
            self.identity = f"{prefix}/prompts:{digest[:12]}"
            self._info = info.model_copy(update={"identity": self.identity, "prompt_hash": digest})
        else:
            self.identity = first.identity
            self._info = info

    def info(self) -> Any:
        return self._info

    def check_ready(self) -> None:
        for judge in set(self.judges.values()):
            judge.check_ready()

    def score(self, requests: Sequence[tuple[str, JudgeRequest]]) -> list[JudgeResult]:
        """One result per (template, request), in order."""
        by_template: dict[str, list[int]] = defaultdict(list)
        for i, (template, _) in enumerate(requests):
            by_template[template].append(i)
        results: list[JudgeResult | None] = [None] * len(requests)
        for template, positions in by_template.items():
            done = self.judges[template].score_many([requests[i][1] for i in positions])
            if len(done) != len(positions):  # a judge must never drop an item
                raise RuntimeError(f"judge returned {len(done)} results for {len(positions)}")
            for i, result in zip(positions, done, strict=True):
                results[i] = result
        return results  # type: ignore[return-value]

    def prompt_hash(self, template: str) -> str | None:
        return self.judges[template].info().prompt_hash


class SubjectJudgeScorer(SpecScorer):
    """Concept preservation (``aspect="cp"``) or prompt following (``"pf"``) by a vision judge."""

    def __init__(
        self,
        judge: Judge,
        protocol: Protocol | str,
        *,
        aspect: str,
        tasks: Iterable[str] | None = None,
    ) -> None:
        from unifybench.protocols import resolve_protocol

        if aspect not in ASPECTS:
            raise ConfigError(f"aspect must be one of {sorted(ASPECTS)}, got {aspect!r}")
        role = getattr(getattr(judge, "config", None), "role", "vision")
        if role != "vision":
            raise ConfigError(f"the {aspect} scorer needs a vision judge; got {judge.identity}")
        protocol = resolve_protocol(protocol)
        self.aspect = aspect
        self.spec = ASPECTS[aspect]
        templates = (SUBJECT, STYLE) if aspect == "cp" else (TEXT,)
        self.judge = TemplateJudges(judge, templates, protocol)
        super().__init__(protocol, tasks=tasks, implementation=judge_implementation(self.judge))

    def check_ready(self) -> None:
        """Fail before any work when the judge cannot run (e.g. its key variable is unset)."""
        self.judge.check_ready()

    def request(self, inp: ScoringInput, index: int) -> tuple[str, JudgeRequest] | str:
        """(template, request) for one generated image, or why it cannot be judged."""
        image = inp.images[index]
        item_id = f"{inp.item.id}#{index}"
        if self.aspect == "pf":
            prompt = getattr(inp.item, "clip_text", "") or getattr(inp.item, "prompt", "")
            return TEXT, JudgeRequest(item_id, {"prompt": prompt}, images=(image,))
        if not inp.concept.train_images:
            return f"concept {inp.concept.id} has no reference image"
        template = STYLE if inp.concept.category == "style" else SUBJECT
        reference = inp.concept.train_images[0]
        return template, JudgeRequest(item_id, {}, images=(reference, image))

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """One Score per prompt; all images of all prompts are judged in one batch."""
        plan: list[tuple[int, int, str]] = []
        requests: list[tuple[str, JudgeRequest]] = []
        refused: dict[tuple[int, int], str] = {}
        for pos, inp in enumerate(inputs):
            if inp.item.task not in self.tasks:
                raise ConfigError(f"{self.id} scores {sorted(self.tasks)}, not {inp.item.task!r}")
            for idx in range(len(inp.images)):
                made = self.request(inp, idx)
                if isinstance(made, str):
                    refused[(pos, idx)] = made
                    continue
                plan.append((pos, idx, made[0]))
                requests.append(made)
        results = self.judge.score(requests) if requests else []
        judged: dict[tuple[int, int], tuple[str, JudgeResult]] = {
            (pos, idx): (template, r) for (pos, idx, template), r in zip(plan, results, strict=True)
        }
        return [self._score_of(pos, inp, judged, refused) for pos, inp in enumerate(inputs)]

    def _score_of(
        self,
        pos: int,
        inp: ScoringInput,
        judged: dict[tuple[int, int], tuple[str, JudgeResult]],
        refused: dict[tuple[int, int], str],
    ) -> Score:
        images: list[dict[str, Any]] = []
        values: list[float] = []
        for idx, path in enumerate(inp.images):
            if (pos, idx) in refused:
                values.append(math.nan)
                images.append({"index": idx, "file": path.name, "value": None,
                               "error": refused[(pos, idx)]})  # fmt: skip
                continue
            template, r = judged[(pos, idx)]
            values.append(r.value)
            images.append(
                {
                    "index": idx,
                    "file": path.name,
                    "value": None if math.isnan(r.value) else r.value,
                    "raw": r.raw,
                    "error": r.error,
                    "template": template,
                    "prompt_hash": self.judge.prompt_hash(template),
                    "cached": r.cached,
                    "attempts": r.attempts,
                }
            )
        unscored = sum(1 for v in values if math.isnan(v))
        explanation = (
            "no images to judge"
            if not values
            else (f"{unscored} of {len(values)} images unscored" if unscored else "")
        )
        item = inp.item
        return Score(
            value=nanmean(values),
            explanation=explanation,
            metadata={
                "judge": self.judge.identity,
                "protocol": self.protocol.name,
                "category": inp.concept.category,
                "group": getattr(item, "group", ""),
                "rating_key": f"{inp.concept.id}-{getattr(item, 'index', pos)}",
                "per_image": [None if math.isnan(v) else v for v in values],
                "n_images": len(values),
                "n_unscored": unscored,
                "images": images,
            },
        )


def aggregate_judged(scores: Sequence[Score], protocol: Protocol, metric: str) -> dict[str, float]:
    """One concept's value: the mean over all its judged images; per-type values by category
    (concept preservation) or prompt group (prompt following); ``image_score_pooling`` "images"
    adds the concept's number of judged images as its weight (the published pooled mean)."""
    by_type: dict[str, list[float]] = defaultdict(list)
    values: list[float] = []
    for s in scores:
        kind = s.metadata.get("category" if metric == CP_METRIC else "group") or ""
        for v in s.metadata.get("per_image", [s.value]):
            if v is not None and not math.isnan(v):
                values.append(v)
                if kind:
                    by_type[kind].append(v)
    out = {metric: sum(values) / len(values) if values else math.nan}
    for kind, kept in sorted(by_type.items()):
        out[per_type_metric(metric, kind)] = sum(kept) / len(kept)
    if protocol.image_score_pooling == "images":
        out[POOL_WEIGHT] = float(len(values))
    return out


def _builder(aspect: str) -> Any:
    def build(
        spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
    ) -> SubjectJudgeScorer:
        judge = context.judge_for("vision", "judge")
        if judge is None:
            raise ScorerUnavailable("no vision judge configured")
        return SubjectJudgeScorer(judge, protocol, aspect=aspect, tasks=tasks)

    return build


def _card(what: str) -> Any:
    def card(protocol: Protocol) -> str:
        reading = (
            "published reading, temperature 1, 512px JPEG"
            if protocol.vision_judge.reader == "legacy-dreambench"
            else "strict reading, temperature 0"
        )
        pooled = "; pooled over all images" if protocol.image_score_pooling == "images" else ""
        return f"vision judge (official gpt-4o) grades {what} 0-4, divided by 4; {reading}{pooled}"

    return card


CP_METRIC, PF_METRIC = "concept_preservation", "prompt_following"
_QUIRK = (
    "The judge prompts are this project's wording of the published scoring rules, so numbers "
    "are close to, not equal to, the paper's (check the judge's agreement with the released "
    "human ratings, docs/judges.md). Under legacy a reply is read as published (any integer, no "
    "range check), so a judge answering outside 0-4 gives a value outside [0, 1], which "
    "validation rejects."
)
REFERENCE = "yuangpeng/dreambench_plus dreambench_plus/eval_{}.py, benchmarking.py"
CONCEPT_PRESERVATION = ScorerSpec(
    name=CP_METRIC,
    metrics=(
        MetricSpec(
            CP_METRIC,
            "Concept preservation (judge)",
            "CP",
            "A vision judge grades 0-4 how faithfully the generated image keeps the reference's "
            "subject (shape, colour, texture, face) or, for a style reference, its style "
            "(colour, strokes, manner); divided by 4. DreamBench++'s concept preservation.",
            quirks=_QUIRK,
        ),
    ),
    card=_card("subject or style fidelity to the reference"),
    implementation="gpt-4o",
    build=_builder("cp"),
    aggregate=aggregate_judged,
    judge_role="vision",
    judge_metric="judge",
    scorer_class="unifybench.scorers.subject_judge:SubjectJudgeScorer",
    reference=REFERENCE.format("concept_preservation"),
)
PROMPT_FOLLOWING = ScorerSpec(
    name=PF_METRIC,
    metrics=(
        MetricSpec(
            PF_METRIC,
            "Prompt following (judge)",
            "PF",
            "A vision judge grades 0-4 how well the generated image shows what its prompt asks "
            "for (relevance, accuracy, completeness, context); divided by 4. DreamBench++'s "
            "prompt following.",
            quirks=_QUIRK,
        ),
    ),
    card=_card("how well the image follows its prompt"),
    implementation="gpt-4o",
    build=_builder("pf"),
    aggregate=aggregate_judged,
    judge_role="vision",
    judge_metric="judge",
    scorer_class="unifybench.scorers.subject_judge:SubjectJudgeScorer",
    reference=REFERENCE.format("prompt_following"),
)
SCORERS = (CONCEPT_PRESERVATION, PROMPT_FOLLOWING)
ASPECTS = {"cp": CONCEPT_PRESERVATION, "pf": PROMPT_FOLLOWING}
SubjectJudgeScorer.spec = CONCEPT_PRESERVATION
