"""The knowledge-driven generation score: a vision judge grades generated images 0 / 0.5 / 1.

For each knowledge condition (a prompt of ``t2i_conditions.json`` after the first) a method makes
several images. The protocol flag ``judged_images_per_condition`` decides how many are judged:
legacy judges 4, like the published script, but chosen by a seeded sample (seed derived from the
global seed and the item id, so resuming or sharding changes nothing); v2 judges all. Every image
is a separate stateless call (the published script kept one chat for the whole run, defect 7).
Item value = mean over its judged images; the concept value (aggregate) = mean over conditions;
unscorable images are NaN, counted and skipped, never a division by zero. Other flags read here:
``vision_judge`` (request settings and reader, through ``judge.for_protocol``: legacy sends the
published request, temperature 1e-5, max_tokens 2000, JPEG q95 images, and reads replies as
published), ``knowledge_facts_joiner`` and ``knowledge_duplicate_conditions``.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable, Sequence

from unifybench.errors import ConfigError, ScorerUnavailable
from unifybench.judges.base import Judge, JudgeRequest, JudgeResult
from unifybench.protocols import Protocol
from unifybench.scorers.base import Score, ScoringInput, SpecScorer, nanmean
from unifybench.scorers.judged import for_protocol, judge_implementation, reading_version
from unifybench.scorers.spec import ScorerContext, ScorerSpec

# The id version follows the vision judge's reader (judged.reading_version): @2 read replies as
# the published script; @3 sends what it sent (temperature 1e-5, max_tokens 2000, JPEG q95),
# joins extra_info exactly as it did, counts a condition listed twice once (the later one), and
# keeps the reading in the judge cache.
LEGACY_IMAGES_PER_CONDITION = 4  # what the published script judged


def published_extra_info(extra_info: Sequence[str] | str) -> str:
    """``extra_info`` as the published image judge wrote it into its prompt.

    eval/4o_judge_t2i.py appends every entry followed by a space, the last one by a line break,
    without stripping or dropping empty entries; a string is iterated, so its characters are
    joined one by one. Nothing at all (no line break either) when there is no entry.
    """
    entries = list(extra_info)
    return " ".join(entries) + "\n" if entries else ""


def item_seed(seed: int, item_id: str) -> int:
    """A per-item seed from the global seed and the item id (stable across runs and machines)."""
    digest = hashlib.sha256(f"{seed}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def sample_images(n_images: int, k: int, seed: int, item_id: str) -> list[int]:
    """Indices of ``k`` of ``n_images`` images (all when fewer), a seeded sample, sorted."""
    if n_images <= k:
        return list(range(n_images))
    rng = random.Random(item_seed(seed, item_id))
    return sorted(rng.sample(range(n_images), k))


def legacy_sample(n_images: int, seed: int, item_id: str) -> list[int]:
    """Indices of the images legacy judges: 4 of ``n_images`` (all when fewer), sorted."""
    return sample_images(n_images, LEGACY_IMAGES_PER_CONDITION, seed, item_id)


class KnowledgeScorer(SpecScorer):
    """Judge the images of knowledge-driven prompts with a vision judge (one call per image)."""

    def __init__(
        self,
        judge: Judge,
        protocol: Protocol | str,
        seed: int = 0,
        *,
        tasks: Iterable[str] | None = None,
    ) -> None:
        from unifybench.protocols import resolve_protocol

        protocol = resolve_protocol(protocol)
        config = getattr(judge, "config", None)
        if getattr(config, "role", None) != "vision":
            raise ConfigError(
                f"the knowledge scorer needs a vision judge (role 'vision'); got {judge.identity}"
            )
        self.judge = for_protocol(judge, protocol)  # the protocol's request settings and reader
        self.seed = seed
        super().__init__(
            protocol, tasks=tasks, implementation=f"{judge_implementation(judge)}-image"
        )

    def check_ready(self) -> None:
        """Fail before any work when the judge cannot run (e.g. its key variable is unset)."""
        self.judge.check_ready()

    @staticmethod
    def request_fields(inp: ScoringInput, protocol: Protocol | str) -> dict[str, str]:
        """The prompt fields of one condition: concept token, info, extra_info and prompt.

        ``knowledge_facts_joiner`` "published" (legacy): ``extra_info`` is info.json's value joined
        exactly as eval/4o_judge_t2i.py joined it (:func:`published_extra_info`; a profile without
        it reads as an empty list); "lines" (v2): one cleaned sentence per line, "(none)" when
        there is none.
        """
        from unifybench.protocols import resolve_protocol

        concept = inp.concept
        if resolve_protocol(protocol).knowledge_facts_joiner == "published":
            raw = getattr(concept, "extra_info_raw", None)
            extra = published_extra_info(concept.extra_info if raw is None else raw)
        else:
            extra = "\n".join(concept.extra_info) or "(none)"
        return {
            "concept": concept.token,
            "info": concept.info,
            "extra_info": extra,
            "prompt": getattr(inp.item, "prompt", ""),
        }

    def selected(self, inp: ScoringInput) -> list[int]:
        """Indices of the input's images that are judged under this protocol."""
        n = len(inp.images)
        k = self.protocol.judged_images_per_condition
        return list(range(n)) if k is None else sample_images(n, k, self.seed, inp.item.id)

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """One Score per condition; all images of all conditions are judged in one batch."""
        plan: list[tuple[int, int]] = []  # (input position, image index)
        requests: list[JudgeRequest] = []
        for pos, inp in enumerate(inputs):
            if inp.item.task not in self.tasks:
                raise ConfigError(f"{self.id} scores {sorted(self.tasks)}, not {inp.item.task!r}")
            fields = self.request_fields(inp, self.protocol)
            for idx in self.selected(inp):
                plan.append((pos, idx))
                requests.append(
                    JudgeRequest(f"{inp.item.id}#{idx}", fields, images=(inp.images[idx],))
                )
        results = self.judge.score_many(requests) if requests else []
        if len(results) != len(requests):  # a judge must never drop an item
            raise RuntimeError(f"judge returned {len(results)} results for {len(requests)}")
        per_input: dict[int, list[tuple[int, JudgeResult]]] = {}
        for (pos, idx), res in zip(plan, results, strict=True):
            per_input.setdefault(pos, []).append((idx, res))
        info = self.judge.info()
        scores = []
        for pos, inp in enumerate(inputs):
            judged = per_input.get(pos, [])
            readings = [self._reading(r) for _, r in judged]
            values = [v for v, _ in readings]
            images = [
                {
                    "index": idx,
                    "file": inp.images[idx].name,
                    "value": None if math.isnan(v) else v,
                    "raw": r.raw,
                    "error": err,
                    "cached": r.cached,
                    "attempts": r.attempts,
                }
                for (idx, r), (v, err) in zip(judged, readings, strict=True)
            ]
            unscored = sum(1 for v in values if math.isnan(v))
            value = nanmean(values)
            if not judged:
                explanation = "no images to judge"
            elif unscored == len(judged):
                explanation = f"none of the {len(judged)} judged images could be scored"
            elif unscored:
                explanation = f"{unscored} of {len(judged)} judged images unscored"
            else:
                explanation = ""
            scores.append(
                Score(
                    value=value,
                    answer=None,
                    explanation=explanation,
                    metadata={
                        "judge": info.identity,
                        "prompt_hash": info.prompt_hash,
                        "protocol": self.protocol.name,
                        "seed": self.seed,
                        "condition": getattr(inp.item, "prompt", ""),
                        "index": getattr(inp.item, "index", pos),
                        "n_images": len(inp.images),
                        "n_judged": len(judged),
                        "n_unscored": unscored,
                        "images": images,
                    },
                )
            )
        return scores

    @staticmethod
    def _reading(result: JudgeResult) -> tuple[float, str | None]:
        """(value, error) of one judged image, as the judge's reader read it.

        legacy (reader ``legacy-vision``): the whole stripped reply as a float with no range
        check; a reply it cannot read leaves the image unscored, not re-asked (the published
        script skipped it). v2: the strict reading with one re-ask.
        """
        return result.value, result.error


def aggregate_knowledge(
    scores: Sequence[Score], protocol: Protocol, metric: str
) -> dict[str, float]:
    """``{"judge": mean over conditions}`` of one concept (unscored conditions skipped).

    ``knowledge_duplicate_conditions`` "last" (legacy): a condition listed more than once counts
    once, with its last occurrence (the published script keyed its results by the condition's
    text, so the later judgement replaced the earlier one); scores of runs made before conditions
    were recorded count each, as they did.
    """
    if protocol.knowledge_duplicate_conditions == "last" and all(
        "condition" in s.metadata for s in scores
    ):
        ordered = sorted(scores, key=lambda s: s.metadata.get("index", 0))
        last = {s.metadata["condition"]: s.value for s in ordered}
        return {metric: nanmean(list(last.values()))}
    return {metric: nanmean([s.value for s in scores])}


def _build(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> KnowledgeScorer:
    judge = context.judge_for("vision", "judge")
    if judge is None:
        raise ScorerUnavailable("no vision judge configured")
    return KnowledgeScorer(judge, protocol, seed=context.seed, tasks=tasks)


def _card(protocol: Protocol) -> str:
    k = protocol.judged_images_per_condition
    card = (
        "vision judge (official preset gpt-4o) grades 0/0.5/1 whether an image shows the "
        "concept's knowledge; "
        + ("all images" if k is None else f"{k} seeded images per condition")
    )
    if protocol.vision_judge.reader != "strict":
        card += "; the published request, reply reading and facts"
    return card


VISION_JUDGE = ScorerSpec(
    name="judge_image",
    family="judge",
    metrics=("judge",),
    card=_card,
    implementation="gpt-4o-image",
    version=reading_version("vision"),
    build=_build,
    aggregate=aggregate_knowledge,
    judge_role="vision",
    judge_metric="judge",
    scorer_class="unifybench.scorers.knowledge:KnowledgeScorer",
    reference="arctanxarc/UniCTokens eval/4o_judge_t2i.py with eval/api.py",
)
SCORERS = (VISION_JUDGE,)
KnowledgeScorer.spec = VISION_JUDGE
