"""Stage 3: score. Saved predictions -> ``scores.jsonl``, one record per (item, scorer[, judge]).

The method is never called here: changing a scorer or a judge re-scores saved predictions and
never regenerates anything. Resume: (item, scorer id, judge identity) keys already scored with
status ok are skipped; error records of the active scorers are removed first and retried, so a
key never appears twice. ``scoring.json`` names the active scorers; aggregation uses only those.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unifybench.runner.config import write_json
from unifybench.runner.jsonl import JsonlWriter, read_records, repair, rewrite
from unifybench.runner.layout import RunLayout
from unifybench.runner.lock import run_lock
from unifybench.runner.predict import error_message, load_predictions
from unifybench.runner.provenance import now_iso, personalization_records, record_session
from unifybench.scorers.base import Score, ScoringInput

if TYPE_CHECKING:
    from unifybench.data.records import Benchmark
    from unifybench.protocols import Protocol
    from unifybench.scorers.base import Scorer

DEFAULT_BATCH = 64


@dataclass
class ScoreSummary:
    """What one score call did."""

    run_dir: Path
    scored: int = 0
    skipped: int = 0
    errors: int = 0
    scorers: list[str] = field(default_factory=list)
    not_scored: dict[str, str] = field(default_factory=dict)  # scorer id -> why nothing was scored


def judge_identity(scorer: Any) -> str | None:
    """The identity of the judge behind a scorer, if any (``scorer.judge.identity``)."""
    identity = getattr(scorer, "judge_identity", None)
    if isinstance(identity, str):
        return identity
    judge = getattr(scorer, "judge", None)
    identity = getattr(judge, "identity", None)
    return identity if isinstance(identity, str) else None


def scorer_protocol(scorer_id: str) -> str:
    """The protocol part of ``<metric>/<impl>/<protocol>@<version>`` ('' when absent)."""
    parts = scorer_id.split("@", 1)[0].split("/")
    return parts[2] if len(parts) >= 3 else ""


def score_key(record: dict[str, Any]) -> tuple[str, str, str]:
    return (record.get("id", ""), record.get("scorer", ""), record.get("judge") or "")


def jsonable(value: Any) -> Any:
    """A JSON-safe copy: NaN/inf -> None, numpy scalars -> Python, tuples -> lists, else str."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    item = getattr(value, "item", None)  # numpy / torch scalars
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    if isinstance(value, Path):
        return value.as_posix()
    return str(value)


def score_to_record(
    base: dict[str, Any], scorer_id: str, metric: str, judge: str | None, score: Score
) -> dict[str, Any]:
    """One Score as a JSONL record (value None for NaN)."""
    value = float(score.value) if score.value is not None else math.nan
    return {
        **base,
        "scorer": scorer_id,
        "metric": metric,
        "judge": judge,
        "protocol": scorer_protocol(scorer_id),
        "status": "ok",
        "value": value if math.isfinite(value) else None,
        "answer": jsonable(score.answer),
        "explanation": str(score.explanation or ""),
        "metadata": jsonable(dict(score.metadata or {})),
        "error": None,
    }


def record_to_score(record: dict[str, Any]) -> Score:
    """A stored record back as a Score (None -> NaN)."""
    value = record.get("value")
    return Score(
        value=math.nan if value is None else float(value),
        answer=record.get("answer"),
        explanation=record.get("explanation") or "",
        metadata=dict(record.get("metadata") or {}),
    )


def run_scoring(
    run_dir: Path,
    benchmark: Benchmark,
    scorers: Sequence[Scorer],
    *,
    skipped: Sequence[tuple[str, str]] = (),
    protocol: Protocol | str,
    judges: Sequence[Any] = (),
    batch_size: int = DEFAULT_BATCH,
    progress: bool | None = None,
) -> ScoreSummary:
    """Score every ok prediction with every applicable scorer. See the module docstring.

    ``protocol``: the Protocol the scorers were built for, or its name among the protocols of
    the run's benchmark; it is written into ``scoring.json`` with every flag.
    """
    if isinstance(protocol, str):
        from unifybench.runner.config import read_config, run_protocol

        protocol = run_protocol(read_config(RunLayout(run_dir).config).benchmark, protocol)
    with run_lock(run_dir):
        return _run_scoring(
            run_dir, benchmark, scorers, skipped, protocol, judges, batch_size, progress
        )


def _run_scoring(
    run_dir: Path,
    benchmark: Benchmark,
    scorers: Sequence[Scorer],
    skipped: Sequence[tuple[str, str]],
    protocol: Protocol,
    judges: Sequence[Any],
    batch_size: int,
    progress: bool | None,
) -> ScoreSummary:
    layout = RunLayout(run_dir)
    predictions = load_predictions(run_dir)
    active = {(s.id, judge_identity(s) or "") for s in scorers}
    repair(layout.scores)
    existing = read_records(layout.scores)
    kept = [r for r in existing if r.get("status") == "ok" or score_key(r)[1:] not in active]
    if len(kept) != len(existing):
        rewrite(layout.scores, kept)
    done = {score_key(r) for r in kept}

    summary = ScoreSummary(run_dir, scorers=[s.id for s in scorers])
    record_session(
        layout.provenance, "score", protocol=protocol.name, scorers=[s.id for s in scorers]
    )
    write_json(layout.scoring, _scoring_manifest(scorers, skipped, protocol, judges))

    work: list[tuple[Scorer, str | None, list[dict[str, Any]]]] = []
    for scorer in scorers:
        judge = judge_identity(scorer)
        todo = [
            p
            for p in predictions.values()
            if p.get("status") == "ok" and p.get("task") in scorer.tasks
        ]
        if not todo:
            summary.not_scored[scorer.id] = "no ok predictions for its tasks " + ",".join(
                sorted(scorer.tasks)
            )
        pending = [p for p in todo if (p["id"], scorer.id, judge or "") not in done]
        summary.skipped += len(todo) - len(pending)
        if pending:
            work.append((scorer, judge, pending))

    from tqdm import tqdm

    total = sum(len(p) for _, _, p in work)
    bar = tqdm(
        total=total,
        desc="score",
        unit="item",
        file=sys.stderr,
        disable=(not progress) if progress is not None else None,
    )
    items = _item_index(benchmark)
    system_prompts = {
        concept: record.get("system_prompt")
        for concept, record in personalization_records(layout.personalization).items()
    }
    with JsonlWriter(layout.scores) as writer:
        for scorer, judge, pending in work:
            bar.set_postfix_str(scorer.id)
            # Chunks may span concepts (each input carries its concept), so a judge always gets
            # batch_size items to run concurrently, not one concept's handful.
            for start in range(0, len(pending), batch_size):
                chunk = pending[start : start + batch_size]
                for record in _score_chunk(
                    scorer, judge, chunk, benchmark, items, run_dir, system_prompts
                ):
                    writer.write(record)
                    if record["status"] == "ok":
                        summary.scored += 1
                    else:
                        summary.errors += 1
                bar.update(len(chunk))
    bar.close()
    return summary


def _scoring_manifest(
    scorers: Sequence[Any],
    skipped: Sequence[tuple[str, str]],
    protocol: Protocol,
    judges: Sequence[Any],
) -> dict[str, Any]:
    # The judge a scorer actually uses (it may switch prompts per protocol) is ``scorer.judge``;
    # ``judges`` adds any a custom scorer uses without exposing it. One entry per identity.
    judge_infos: list[dict[str, Any]] = []
    seen: set[str] = set()
    for judge in [getattr(s, "judge", None) for s in scorers] + list(judges):
        info = getattr(judge, "info", None)
        if not callable(info):
            continue
        data = jsonable(info().model_dump())
        if data.get("identity") not in seen:
            seen.add(data.get("identity"))
            judge_infos.append(data)
    return {
        "date": now_iso(),
        "protocol": protocol.name,
        # Every flag of the protocol and the spec of every scorer (its metrics and aggregate
        # function), so that aggregation from stored scores needs no scorer object.
        "protocol_spec": jsonable(protocol.to_json()),
        "scorers": [_scorer_entry(s, protocol) for s in scorers],
        "skipped": [{"name": name, "reason": reason} for name, reason in skipped],
        "judges": judge_infos,
    }


def _scorer_entry(scorer: Any, protocol: Protocol) -> dict[str, Any]:
    entry = {
        "id": scorer.id,
        "metric": scorer.metric,
        "tasks": sorted(scorer.tasks),
        "judge": judge_identity(scorer),
        "class": f"{type(scorer).__module__}:{type(scorer).__qualname__}",
    }
    spec = getattr(scorer, "spec", None)
    to_json = getattr(spec, "to_json", None)
    if callable(to_json):
        entry["spec"] = jsonable(to_json(protocol))
    return entry


def _item_index(benchmark: Benchmark) -> dict[str, Any]:
    index: dict[str, Any] = {}
    for pool in (benchmark.understanding, benchmark.generation):
        for items in pool.values():
            for item in items:
                index[item.id] = item
    return index


def _score_chunk(
    scorer: Scorer,
    judge: str | None,
    chunk: list[dict[str, Any]],
    benchmark: Benchmark,
    items: dict[str, Any],
    run_dir: Path,
    system_prompts: dict[str, str | None],
) -> list[dict[str, Any]]:
    bases = [{"id": p["id"], "concept": p["concept"], "task": p["task"]} for p in chunk]
    try:
        inputs = []
        for p in chunk:
            if p["id"] not in items:
                raise KeyError(f"item {p['id']} is not in the benchmark at {benchmark.root}")
            inputs.append(
                ScoringInput(
                    item=items[p["id"]],
                    concept=benchmark.concepts[p["concept"]],
                    text=p.get("output"),
                    images=tuple(run_dir / rel for rel in (p.get("images") or ())),
                    system_prompt=system_prompts.get(p["concept"]),
                )
            )
        scores = scorer.score(inputs)
        if len(scores) != len(inputs):
            raise ValueError(f"scorer returned {len(scores)} scores for {len(inputs)} inputs")
        return [
            score_to_record(base, scorer.id, scorer.metric, judge, s)
            for base, s in zip(bases, scores, strict=True)
        ]
    except Exception as err:
        message = error_message(err)
        return [
            {
                **base,
                "scorer": scorer.id,
                "metric": scorer.metric,
                "judge": judge,
                "protocol": scorer_protocol(scorer.id),
                "status": "error",
                "value": None,
                "answer": None,
                "explanation": "",
                "metadata": {},
                "error": message,
            }
            for base in bases
        ]


def load_scoring(run_dir: Path) -> dict[str, Any]:
    """The stored scoring.json ({} when the run was never scored)."""
    import json

    path = RunLayout(run_dir).scoring
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
