"""A legacy re-score from the judge cache reproduces the first scoring exactly (issue 10, defect 7).

A run is predicted and scored through the public API with the official text-judge preset pointed
at the loopback server, whose replies vary with the request: valid grades, grades the published
parser reads but the strict one does not ("0.7", sentences ending in "Score:: 1"), replies the
published script crashed on, garbage and empty replies, and re-asks answered well or badly. Then
``scores.jsonl`` is deleted and the run scored again with a fresh judge on the same cache: no
request may be sent, and every record must be byte-identical except the two fields that say
where the answer came from (``cached`` and ``attempts``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image

from tests.judges.conftest import KEY_ENV
from tests.support.reference import user_text, write_dataset
from unifybench import api
from unifybench.judges.parsing import REASK_SUFFIX

FIRST_REPLIES = [
    "1",
    "0.5",
    "0",
    "0.7",
    "Score:: 1",
    "The prediction names the hat but gets its colour wrong. Score:: 0.5",
    "Score::0",
    "Score: 1",
    "I would say it is correct.",
    "",
    "yes",
    "nan",
    "1.5",
    "-0",
    " 1\n",
    "0.25",
    "Score:: 1\nBecause the colour matches.",
    "**1**",
]
REASK_REPLIES = ["1", "0", "0.5", "Score: 1", "still not a number", ""]


def _pick(options: list[str], text: str) -> str:
    return options[int(hashlib.sha256(text.encode()).hexdigest(), 16) % len(options)]


def respond(body: dict[str, Any]) -> str:
    text = user_text(body)
    if text.endswith(REASK_SUFFIX):
        return _pick(REASK_REPLIES, text)
    return _pick(FIRST_REPLIES, text)


class TableMethod:
    """Answers every question with one of a few answers, chosen by the question."""

    name: ClassVar[str] = "table"
    capabilities: ClassVar[frozenset[str]] = frozenset({"understanding"})
    ANSWERS: ClassVar[list[str]] = ["A red hat.", "A blue scarf.", "I don't know.", "", "Red."]

    def params(self) -> dict[str, Any]:
        return {}

    def personalize(self, concept: Any, workdir: Path) -> dict[str, Any]:
        return {}

    def answer(self, state: Any, question: str, image: Image.Image | None) -> str:
        return _pick(self.ANSWERS, question) + f" ({len(question)})"

    def generate(self, state: Any, prompt: str, n: int, seed: int) -> list[Image.Image]:
        raise NotImplementedError


def _dataset(root: Path) -> Path:
    concepts = {}
    for c in range(3):
        items = []
        for i in range(110):
            kind = "vqa" if i % 2 else "text_only"
            question = f"<image>\nWhat does <c{c}> wear on day {i}? "
            gold = ["A red hat.", " A red hat. ", "Red.", "A blue scarf."][i % 4]
            items.append(
                {
                    "image": "black_512x512.png",
                    "type": kind,
                    "conversations": [
                        {"from": "human", "value": question},
                        {"from": "gpt", "value": gold},
                    ],
                }
            )
        concepts[f"c{c}"] = {"test_items": items}
    return write_dataset(root, concepts)


def _records(run_dir: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for line in (run_dir / "scores.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["metric"] == "judge":
            out[record["id"]] = record
    return out


def _without_provenance(record: dict[str, Any]) -> str:
    """The record as JSON without the fields that say where the answer came from."""
    meta = {k: v for k, v in record["metadata"].items() if k not in ("cached", "attempts")}
    return json.dumps({**record, "metadata": meta}, sort_keys=True)


def test_legacy_rescore_from_the_cache_is_byte_identical(
    server, judge_key, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("UNIFYBENCH_CACHE_DIR", str(tmp_path / "cache"))
    server.responder(respond)
    data = _dataset(tmp_path / "data")
    api.predict(
        TableMethod(),
        data=data,
        out=tmp_path / "runs",
        tasks=["vqa", "text_only"],
        protocol="legacy",
        progress=False,
    )
    run_dir = tmp_path / "runs" / "table"
    options = {"judge_base_url": server.base_url, "judge_key_env": KEY_ENV, "progress": False}
    api.score(run_dir, report=False, **options)
    first = _records(run_dir)
    sent = len(server.requests)
    assert len(first) == 330 and sent > 330  # some replies were re-asked
    assert {r["scorer"] for r in first.values()} == {"judge/deepseek-chat/legacy@3"}
    values = [r["value"] for r in first.values()]
    assert len(set(values)) >= 5  # 0, 0.25, 0.5, 0.7, 1, -0.0 ...
    assert any(r["metadata"].get("legacy_unreadable") for r in first.values())

    (run_dir / "scores.jsonl").unlink()
    api.score(run_dir, report=False, **options)
    again = _records(run_dir)
    assert len(server.requests) == sent  # zero requests: everything came from the cache
    assert all(r["metadata"]["cached"] for r in again.values())
    changed = [i for i in first if _without_provenance(first[i]) != _without_provenance(again[i])]
    assert not changed, f"{len(changed)} of {len(first)} records changed, e.g. {changed[:3]}"
    assert [json.dumps(first[i]["value"]) for i in first] == [
        json.dumps(again[i]["value"]) for i in first
    ]
