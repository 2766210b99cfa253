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
FactsJoiner = Literal["lines", "published"]
DuplicateConditions = Literal["each", "last"]
ClipPreprocess = Literal["standard", "published"]
ClipPooling = Literal["concepts", "images"]
FacelessImages = Literal["zero", "drop"]
JudgeReader = Literal["strict", "legacy-text", "legacy-vision", "score-0-4", "legacy-dreambench"]
ImageEncoding = Literal["as-stored", "jpeg-q95", "square512-jpeg-q75"]
ImageScorePooling = Literal["concepts", "images"]

_CHOICES: dict[str, tuple[Any, ...]] = {
    "test_image_flip": ("never", "published"),
    "yes_no_reader": ("substring", "word"),
    "choice_match": ("substring", "normalised"),
    "knowledge_facts_joiner": ("lines", "published"),
    "knowledge_duplicate_conditions": ("each", "last"),
    "clip_preprocess": ("standard", "published"),
    "clip_pooling": ("concepts", "images"),
    "faceless_images": ("zero", "drop"),
    "image_score_pooling": ("concepts", "images"),
}
JUDGE_READERS: tuple[str, ...] = (
    "strict",
    "legacy-text",
    "legacy-vision",
    "score-0-4",
    "legacy-dreambench",
)
IMAGE_ENCODINGS: tuple[str, ...] = ("as-stored", "jpeg-q95", "square512-jpeg-q75")


@dataclass(frozen=True)
class JudgeRequests:
    """How a protocol asks a judge of one role and reads its replies.

    ``prompt``: the built-in template (docs/judges.md); ``temperature``, ``max_tokens`` and
    ``stream`` are sent only when not None (None leaves them to the provider, as the published
    text judge did); ``reader``: ``strict`` (0, 0.5 or 1, one re-ask) or the published readings
    (``legacy-text``: the float after the last "Score::" in [0, 1]; ``legacy-vision``: the reply
    as a float, any value); ``image_encoding``: images as stored or re-encoded as JPEG q95 (what
    the published image judge sent).
    """

    prompt: str
    temperature: float | None = 0.0
    max_tokens: int | None = 16
    stream: bool | None = None
    reader: JudgeReader = "strict"
    image_encoding: ImageEncoding = "as-stored"

    def __post_init__(self) -> None:
        problems = []
        if self.temperature is not None and not 0.0 <= self.temperature <= 2.0:
            problems.append(f"temperature must be in [0, 2] or None, got {self.temperature}")
        if self.max_tokens is not None and self.max_tokens < 1:
            problems.append(f"max_tokens must be >= 1 or None, got {self.max_tokens}")
        if self.reader not in JUDGE_READERS:
            problems.append(f"reader must be one of {', '.join(JUDGE_READERS)}: {self.reader!r}")
        if self.image_encoding not in IMAGE_ENCODINGS:
            problems.append(
                f"image_encoding must be one of {', '.join(IMAGE_ENCODINGS)}: "
                f"{self.image_encoding!r}"
            )
        if problems:
            raise ConfigError("judge requests: " + "; ".join(problems))

    def settings(self) -> dict[str, Any]:
        """The fields as judge configuration overrides (``JudgeConfig`` has the same names)."""
        return dataclasses.asdict(self)


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
    # ``pdata.image_transform`` does (two draws at 0.5), seeded per item (defect 1). A method
    # with ``flips_after_crop`` gets the draw (``answer(..., flip=)``) and flips after its crop.
    test_image_flip: ImageFlip = "never"
    # The question a method is asked as the test data wrote it (only "<image>\n" removed, as the
    # published script built its prompt); False: the loader's cleaned question.
    questions_as_written: bool = False

    # -- reading answers ------------------------------------------------------------------------
    # "substring": "yes"/"no" anywhere in the lower-cased answer (defect 2); "word": first word.
    yes_no_reader: YesNoReader = "word"
    # "substring": the gold string anywhere in the raw answer; "normalised": whole-word match.
    choice_match: ChoiceMatch = "normalised"

    # Gold answers (and judge questions) as the test data wrote them, unstripped, as the published
    # scorer read them; False: the loader's cleaned text.
    gold_as_written: bool = False
    # Also one accuracy per item type (accuracy[vqa_choice], ...), as the published script reports.
    choice_per_type: bool = False

    # -- judges ---------------------------------------------------------------------------------
    text_judge: JudgeRequests = JudgeRequests(prompt="text")
    vision_judge: JudgeRequests = JudgeRequests(prompt="vision")
    # The personal system prompt shown to the text judge inside the question (defect 4).
    judge_sees_system_prompt: bool = False
    # Images judged per knowledge condition: None = all; n = a seeded sample of n (defect 8).
    judged_images_per_condition: int | None = None
    # How the concept's facts enter the knowledge judge's prompt: one per line ("(none)" when
    # empty), or "published": info.json's raw value joined as eval/4o_judge_t2i.py did.
    knowledge_facts_joiner: FactsJoiner = "lines"
    # "last": a condition listed twice counts once, its later judgement (the published script
    # keyed results by the condition's text); "each": every listed condition counts.
    knowledge_duplicate_conditions: DuplicateConditions = "each"

    # -- generation metrics ---------------------------------------------------------------------
    # "published": [0,1] pixels mapped to [0.5,1] before CLIP normalisation (defect 5).
    clip_preprocess: ClipPreprocess = "standard"
    # "images": one mean over every image of every concept (published); "concepts": per concept.
    clip_pooling: ClipPooling = "concepts"
    # "drop": generated images without a detected face are left out (defect 6); "zero": count 0.
    faceless_images: FacelessImages = "zero"
    # DINO and the subject judges (DreamBench++): "images" pools every image of every concept
    # into one mean, as the published DreamBench++ scripts do; "concepts" weighs concepts equally.
    image_score_pooling: ImageScorePooling = "concepts"

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
        for role in ("text_judge", "vision_judge"):
            if not isinstance(getattr(self, role), JudgeRequests):
                problems.append(f"{role} must be JudgeRequests, got {getattr(self, role)!r}")
        if problems:
            raise ConfigError(f"protocol {self.name!r}: " + "; ".join(problems))

    @property
    def id_tag(self) -> str:
        """The protocol part of scorer ids."""
        return self.tag or self.name

    def judge_requests(self, role: str) -> JudgeRequests:
        """The judge request settings of a judge role (``text`` or ``vision``)."""
        if role not in ("text", "vision"):
            raise ConfigError(f"role must be 'text' or 'vision', got {role!r}")
        return self.text_judge if role == "text" else self.vision_judge

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
        values = {k: v for k, v in data.items() if k in known}
        for role in ("text_judge", "vision_judge"):
            if isinstance(values.get(role), dict):
                allowed = {f.name for f in fields(JudgeRequests)}
                values[role] = JudgeRequests(
                    **{k: v for k, v in values[role].items() if k in allowed}
                )
        return cls(**values)


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
    description="Reproduces the published UnifyBench scripts, known defects included (test-image "
    "flips at rate 0.25, substring yes/no matching, CLIP pixel-range quirk, faces not found "
    "silently dropped, the published judge requests and reply readings, choice reported per item "
    "type), checked against their recorded outputs; unseeded draws are seeded and judge calls are "
    "stateless. Use it to compare with numbers from the UniCTokens paper.",
    test_image_flip="published",
    questions_as_written=True,
    yes_no_reader="substring",
    choice_match="substring",
    gold_as_written=True,
    choice_per_type=True,
    # What the published scripts sent (arctanxarc/UniCTokens): the text judge (eval/eval_p_mmu.py)
    # only model, messages and stream=False (no temperature, no max_tokens: the provider's
    # defaults); the image judge (eval/api.py) temperature 1e-5, max_tokens 2000, a JPEG q95 image.
    text_judge=JudgeRequests(
        prompt="text-legacy",
        temperature=None,
        max_tokens=None,
        stream=False,
        reader="legacy-text",
    ),
    vision_judge=JudgeRequests(
        prompt="vision-legacy",
        temperature=1e-5,
        max_tokens=2000,
        reader="legacy-vision",
        image_encoding="jpeg-q95",
    ),
    judge_sees_system_prompt=True,
    judged_images_per_condition=4,
    knowledge_facts_joiner="published",
    knowledge_duplicate_conditions="last",
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
