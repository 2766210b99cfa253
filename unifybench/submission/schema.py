"""Pydantic models of ``result.json`` (written by the runner) and of a submission.

A submission is a ``result.json`` without per-item records. ``results`` maps task -> metric ->
:class:`MetricResult`. Reported numbers (from a paper) use the same shape with
``provenance.kind == "reported"`` and whatever n / coverage the paper gives (often unknown: None).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# names of per-type results (``accuracy[vqa_choice]``), defined with the metric specs
from unifybench.metrics import per_type_metric, split_per_type  # noqa: F401

SCHEMA_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MetricResult(_Strict):
    """One number with everything needed to judge it."""

    value: float | None = Field(description="Mean over concepts; None when nothing could be scored")
    scorer: str = Field(description="Versioned scorer id, e.g. 'clip_i/openai-vit-b32/v2@1'")
    judge: str | None = Field(default=None, description="Judge identity when a judge produced it")
    n: int | None = Field(default=None, description="Items scored")
    n_total: int | None = Field(default=None, description="Items planned")
    coverage: float | None = Field(default=None, ge=0.0, le=1.0, description="n / n_total")
    ci_low: float | None = None
    ci_high: float | None = None
    per_concept: dict[str, float | None] = Field(default_factory=dict)
    extra: dict[str, float | int | str | None] = Field(
        default_factory=dict, description="Side figures, e.g. face detection rate"
    )
    note: str = Field(
        default="",
        description="Caveat shown beside the number, e.g. 'judge may differ from deepseek-chat'",
    )


class MethodInfo(_Strict):
    name: str
    version: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    checkpoint_hash: str | None = None
    paper: str | None = Field(default=None, description="Link to the method's paper")
    kind: Literal["method", "baseline", "reference"] = Field(
        default="method",
        description=(
            "'baseline' for a no-personalisation row, 'reference' for a row that is not a method "
            "(e.g. real images); reference rows are shown but never ranked"
        ),
    )


class JudgeInfo(_Strict):
    role: str = Field(description="'text' (VQA / text QA) or 'vision' (knowledge-driven images)")
    identity: str = Field(
        description="provider/model@prompt-hash, e.g. 'openai-compatible/deepseek-chat@3f2a..'"
    )
    model: str
    base_url: str | None = None
    prompt_hash: str | None = None
    temperature: float | None = None
    official: bool = Field(description="True only for the published protocol's judge model")


class BenchmarkInfo(_Strict):
    dataset: str = Field(
        description="e.g. 'HankYang428/unictokens_data', 'unifybench-sample', 'dreambench'"
    )
    revision: str = ""
    manifest_hash: str | None = None
    protocol: str = Field(description="'legacy', 'v2', or a paper's own protocol name")
    sample: bool = Field(default=False, description="True for the smoke-test sample benchmark")
    scorers: list[str] = Field(default_factory=list)
    judges: list[JudgeInfo] = Field(default_factory=list)


# Mirrors Provenance._reported_needs_citation in the exported JSON Schema.
_REPORTED_NEEDS_CITATION = {
    "if": {"properties": {"kind": {"const": "reported"}}, "required": ["kind"]},
    "then": {
        "required": ["paper"],
        "properties": {"paper": {"type": "string", "minLength": 1}},
        "anyOf": [
            {"required": ["table"], "properties": {"table": {"type": "string", "minLength": 1}}},
            {
                "required": ["paper_version"],
                "properties": {"paper_version": {"type": "string", "minLength": 1}},
            },
        ],
    },
}


class Provenance(_Strict):
    """Where the numbers come from: a run of this harness (measured) or a paper (reported).

    Measured: ``run_id``, ``date`` and ``unifybench_version`` are required by
    ``unifybench validate``.
    Reported: ``paper`` and ``table`` or ``paper_version`` are required here.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_REPORTED_NEEDS_CITATION)

    kind: Literal["measured", "reported"]
    # measured
    run_id: str | None = None
    date: str | None = None
    machine: str | None = None
    unifybench_version: str | None = None
    git_commit: str | None = None
    git_dirty: bool | None = None
    packages: dict[str, str] = Field(default_factory=dict)
    seed: int | None = None
    # reported
    paper: str | None = None
    table: str | None = None
    paper_version: str | None = None
    page: str | None = None
    url: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _reported_needs_citation(self) -> Provenance:
        # A reported number without a citation cannot be checked by anyone: refuse it here.
        if self.kind == "reported":
            if not (self.paper or "").strip():
                raise ValueError("a reported number must cite its paper in provenance.paper")
            if not ((self.table or "").strip() or (self.paper_version or "").strip()):
                raise ValueError(
                    "a reported number must give provenance.table or provenance.paper_version "
                    "(write e.g. 'table not transcribed' when the table number is unknown)"
                )
        return self


class Submission(_Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    method: MethodInfo
    benchmark: BenchmarkInfo
    concepts: dict[str, str] = Field(
        default_factory=dict, description="concept id -> category (human / animal / object / style)"
    )
    results: dict[str, dict[str, MetricResult]] = Field(description="task -> metric -> result")
    provenance: Provenance
    notes: str = ""
