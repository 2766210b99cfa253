"""Protocols: how a benchmark is evaluated, as a value object of named flags.

A protocol is not a string that code compares: it is a :class:`Protocol` whose flags the runner and
the scorers read (``protocol.yes_no_reader``, ``protocol.faceless_images``, ...). A benchmark
declares the protocols it offers (``BenchmarkSpec.protocols``); users pick one by name
(``--protocol legacy``) and results record its name. A protocol of a paper whose numbers are only
reported (never run here) has ``runnable=False``.

:data:`LEGACY` and :data:`V2` are UnifyBench's two protocols. Other benchmarks derive theirs with
``dataclasses.replace(V2, name=..., tag=..., ...)``. ``tag`` is the protocol part of scorer ids
(``rec/substring/legacy@1``): two protocols share a tag only when they behave identically for every
scorer, so a scorer id always names one computation (a test checks it).

To add a flag: add a field here with the value that keeps today's behaviour as its default, read it
where the behaviour lives, and set it in the protocols that differ. Never compare protocol names.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Any, Literal

from unifybench.errors import ConfigError

ImageFlip = Literal["never", "published"]
YesNoReader = Literal["substring", "word"]
ChoiceMatch = Literal["substring", "normalised"]
JudgeReading = Literal["strict", "published"]
FactsJoiner = Literal["lines", "spaces"]
ClipPreprocess = Literal["standard", "published"]
ClipPooling = Literal["concepts", "images"]
FacelessImages = Literal["zero", "drop"]

_CHOICES: dict[str, tuple[Any, ...]] = {
    "test_image_flip": ("never", "published"),
    "yes_no_reader": ("substring", "word"),
    "choice_match": ("substring", "normalised"),
    "judge_reading": ("strict", "published"),
    "knowledge_facts_joiner": ("lines", "spaces"),
    "clip_preprocess": ("standard", "published"),
    "clip_pooling": ("concepts", "images"),
    "faceless_images": ("zero", "drop"),
}


@dataclass(frozen=True)
class Protocol:
    """One evaluation protocol. Every flag's default is the fixed (``v2``) behaviour."""

    name: str
    display: str
    description: str
    tag: str = ""  # protocol part of scorer ids; "" means the name
    runnable: bool = True  # False: a paper's protocol, known here only from reported numbers

    # -- predict stage --------------------------------------------------------------------------
    # "published": a test image is mirrored with probability 0.25, drawn as the published
    # ``pdata.image_transform`` does (two draws at 0.5), seeded per item (defect 1).
    test_image_flip: ImageFlip = "never"

    # -- reading answers ------------------------------------------------------------------------
    # "substring": "yes"/"no" anywhere in the lower-cased answer (defect 2); "word": first word.
    yes_no_reader: YesNoReader = "word"
    # "substring": the gold string anywhere in the raw answer; "normalised": whole-word match.
    choice_match: ChoiceMatch = "normalised"

    # -- judges ---------------------------------------------------------------------------------
    text_judge_prompt: str = "text"  # built-in template of the text judge (docs/judges.md)
    vision_judge_prompt: str = "vision"
    judge_temperature: float = 0.0
    # The personal system prompt shown to the text judge inside the question (defect 4).
    judge_sees_system_prompt: bool = False
    # "published": the published parsers read the judge's first reply (Score:: split, float());
    # "strict": 0 / 0.5 / 1 only, one re-ask on an unreadable reply.
    judge_reading: JudgeReading = "strict"
    # Images judged per knowledge condition: None = all; n = a seeded sample of n (defect 8).
    judged_images_per_condition: int | None = None
    # How the concept's facts are joined in the knowledge judge's prompt.
    knowledge_facts_joiner: FactsJoiner = "lines"

    # -- generation metrics ---------------------------------------------------------------------
    # "published": [0,1] pixels mapped to [0.5,1] before CLIP normalisation (defect 5).
    clip_preprocess: ClipPreprocess = "standard"
    # "images": one mean over every image of every concept (published); "concepts": per concept.
    clip_pooling: ClipPooling = "concepts"
    # "drop": generated images without a detected face are left out (defect 6); "zero": count 0.
    faceless_images: FacelessImages = "zero"

    def __post_init__(self) -> None:
        problems = []
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            problems.append(f"name must be letters, digits, - and _, got {self.name!r}")
        if self.tag and not self.tag.replace("-", "").replace("_", "").isalnum():
            problems.append(f"tag must be letters, digits, - and _, got {self.tag!r}")
        for flag, allowed in _CHOICES.items():
            if getattr(self, flag) not in allowed:
                problems.append(f"{flag} must be one of {allowed}, got {getattr(self, flag)!r}")
        n = self.judged_images_per_condition
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            problems.append(f"judged_images_per_condition must be None or >= 1, got {n!r}")
        if not 0.0 <= self.judge_temperature <= 2.0:
            problems.append(f"judge_temperature must be in [0, 2], got {self.judge_temperature}")
        if problems:
            raise ConfigError(f"protocol {self.name!r}: " + "; ".join(problems))

    @property
    def id_tag(self) -> str:
        """The protocol part of scorer ids."""
        return self.tag or self.name

    def flags(self) -> dict[str, Any]:
        """Every behavioural flag (everything but the name, texts and tag)."""
        skip = {"name", "display", "description", "tag", "runnable"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}

    def to_json(self) -> dict[str, Any]:
        """All fields, as written into a run's scoring.json."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Protocol:
        """A protocol from :meth:`to_json` (unknown keys ignored, missing flags defaulted)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


V2 = Protocol(
    name="v2",
    display="v2 (fixed)",
    description="The same tasks with the published defects fixed (seeded, word-level yes/no, "
    "standard CLIP preprocessing, missing faces counted, stateless judge calls). Not comparable "
    "with legacy numbers.",
)

LEGACY = dataclasses.replace(
    V2,
    name="legacy",
    display="legacy",
    description="Reproduces the published UnifyBench scripts exactly, known defects included "
    "(unseeded flips, substring yes/no matching, CLIP pixel-range quirk, faces not found silently "
    "dropped, one shared GPT-4o chat session). Use it to compare with numbers from the UniCTokens "
    "paper.",
    test_image_flip="published",
    yes_no_reader="substring",
    choice_match="substring",
    text_judge_prompt="text-legacy",
    judge_sees_system_prompt=True,
    judge_reading="published",
    judged_images_per_condition=4,
    knowledge_facts_joiner="spaces",
    clip_preprocess="published",
    clip_pooling="images",
    faceless_images="drop",
)

# The protocols a bare name means where no benchmark is in context (a scorer built by hand with
# ``RecognitionScorer("legacy")``): UnifyBench's.
DEFAULT_PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (LEGACY, V2)}


def resolve_protocol(protocol: Protocol | str) -> Protocol:
    """A Protocol as it is, or UnifyBench's protocol of that name; ConfigError when unknown."""
    if isinstance(protocol, Protocol):
        return protocol
    found = DEFAULT_PROTOCOLS.get(protocol) if isinstance(protocol, str) else None
    if found is None:
        known = ", ".join(DEFAULT_PROTOCOLS)
        raise ConfigError(f"unknown protocol {protocol!r}; expected one of {known}")
    return found
