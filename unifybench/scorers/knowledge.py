"""The knowledge-driven generation score: a vision judge grades generated images 0 / 0.5 / 1.

For each knowledge condition (a prompt of ``t2i_conditions.json`` after the first) a method makes
several images. ``legacy`` judges 4 of them, like the published script, but chosen by a seeded
sample (seed derived from the global seed and the item id, so resuming or sharding changes nothing);
``v2`` judges all. Every image is a separate stateless call (the published script kept one chat for
the whole run, defect 7). Item value = mean over its judged images; the concept value (aggregate) =
mean over conditions; unscorable images are NaN, counted and skipped, never a division by zero.
Under ``legacy`` the judge sends the published request (temperature 1e-5, max_tokens 2000, JPEG
q95 images) with ``extra_info`` joined as published, and reads replies as published.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence

from unifybench.errors import ConfigError
from unifybench.judges.base import Judge, JudgeRequest, JudgeResult
from unifybench.scorers.base import Score, ScoringInput, nanmean
from unifybench.scorers.judged import check_protocol, for_protocol, judge_implementation

VERSION = 1
# legacy versions: @2 read replies as the published script; @3 sends what it sent (temperature
# 1e-5, max_tokens 2000, JPEG q95), joins extra_info exactly as it did, counts a condition listed
# twice once (the later one), and keeps the reading in the judge cache
LEGACY_VERSION = 3
LEGACY_IMAGES_PER_CONDITION = 4


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


def legacy_sample(n_images: int, seed: int, item_id: str) -> list[int]:
    """Indices of the images legacy judges: 4 of ``n_images`` (all when fewer), sorted."""
    if n_images <= LEGACY_IMAGES_PER_CONDITION:
        return list(range(n_images))
    rng = random.Random(item_seed(seed, item_id))
    return sorted(rng.sample(range(n_images), LEGACY_IMAGES_PER_CONDITION))


class KnowledgeScorer:
    """Judge the images of ``knowledge`` items with a vision judge (one call per image)."""

    tasks = frozenset({"knowledge"})
    metric = "judge"

    def __init__(self, judge: Judge, protocol: str, seed: int = 0) -> None:
        check_protocol(protocol)
        config = getattr(judge, "config", None)
        if getattr(config, "role", None) != "vision":
            raise ConfigError(
                f"the knowledge scorer needs a vision judge (role 'vision'); got {judge.identity}"
            )
        self.judge = for_protocol(judge, protocol)  # legacy: the published request and reading
        self.protocol = protocol
        self.seed = seed
        version = LEGACY_VERSION if protocol == "legacy" else VERSION
        self.id: str = f"judge/{judge_implementation(judge)}-image/{protocol}@{version}"

    def check_ready(self) -> None:
        """Fail before any work when the judge cannot run (e.g. its key variable is unset)."""
        self.judge.check_ready()

    @staticmethod
    def request_fields(inp: ScoringInput, protocol: str) -> dict[str, str]:
        """The prompt fields of one condition: concept token, info, extra_info and prompt.

        legacy: ``extra_info`` is info.json's value joined exactly as eval/4o_judge_t2i.py joined
        it (:func:`published_extra_info`; a profile without it reads as an empty list); v2: one
        cleaned sentence per line, "(none)" when there is none.
        """
        concept = inp.concept
        if protocol == "legacy":
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
        if self.protocol == "legacy":
            return legacy_sample(n, self.seed, inp.item.id)
        return list(range(n))

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        """One Score per condition; all images of all conditions are judged in one batch."""
        plan: list[tuple[int, int]] = []  # (input position, image index)
        requests: list[JudgeRequest] = []
        for pos, inp in enumerate(inputs):
            if inp.item.task not in self.tasks:
                raise ConfigError(f"{self.id} scores 'knowledge' items, not {inp.item.task!r}")
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
                        "protocol": self.protocol,
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

    def aggregate(self, scores: Sequence[Score]) -> dict[str, float]:
        """``{"judge": mean over conditions}`` of one concept (unscored conditions skipped).

        legacy: a condition listed more than once counts once, with its last occurrence (the
        published script keyed its results by the condition's text, so the later judgement
        replaced the earlier one).
        """
        if getattr(self, "protocol", "v2") == "legacy" and all(
            "condition" in s.metadata for s in scores
        ):
            ordered = sorted(scores, key=lambda s: s.metadata.get("index", 0))
            last = {s.metadata["condition"]: s.value for s in ordered}
            return {self.metric: nanmean(list(last.values()))}
        return {self.metric: nanmean([s.value for s in scores])}
