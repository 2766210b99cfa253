"""The submission format as JSON Schema, for people who write submissions without this package.

``docs/submission.schema.json`` is generated from :class:`Submission` by :func:`write_json_schema`;
a test fails when the committed file differs from the model, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from unifybench.submission.schema import SCHEMA_VERSION, Submission


def submission_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a submission file."""
    schema = Submission.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"UnifyBench submission (schema_version {SCHEMA_VERSION})",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def render_json_schema() -> str:
    """The exact text of ``docs/submission.schema.json``."""
    return json.dumps(submission_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_json_schema(path: str | Path) -> Path:
    """Write the JSON Schema to ``path`` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_json_schema(), encoding="utf-8")
    return path
