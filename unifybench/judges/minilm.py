"""An offline approximation of the text judge on real MiniLM sentence embeddings.

The cosine similarity of the prediction's and the gold answer's all-MiniLM-L6-v2 embeddings is
mapped to a grade: ``>= HIGH`` -> 1, ``>= LOW`` -> 0.5, else 0. It is NOT the published judge: its
metric is ``judge_minilm`` and it is never ranked with ``judge``.

Thresholds (HIGH = 0.75, LOW = 0.45) were set on a handful of hand-written pairs (docs/judges.md):
paraphrases scored 0.59-0.95 (six of seven >= 0.77), unrelated pairs 0.01-0.22, answers missing a
detail 0.63-0.87. Embeddings separate related from unrelated answers well but do not see
contradictions ("a red hat" vs "a blue hat": 0.84), so this judge over-rates fluent wrong answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from unifybench.judges.base import JudgeRequest, JudgeResult
from unifybench.pretrained import MINILM_HUB_ID, default_minilm_source, load_sentence_model
from unifybench.submission import JudgeInfo

# The judge's names for the shared loaders (unifybench.pretrained), kept for existing callers.
default_model_source = default_minilm_source
load_model = load_sentence_model

HIGH = 0.75
LOW = 0.45
HUB_MODEL_ID = MINILM_HUB_ID


def grade(cosine: float, high: float = HIGH, low: float = LOW) -> float:
    """The 0 / 0.5 / 1 grade of a cosine similarity."""
    if cosine >= high:
        return 1.0
    if cosine >= low:
        return 0.5
    return 0.0


class MiniLMJudge:
    """Offline text judge: cosine(prediction, gold) of MiniLM embeddings mapped to 0 / 0.5 / 1.

    Requests need the fields ``gold`` and ``prediction`` (``question`` is ignored). An empty
    prediction grades 0. The model is loaded on the first call, once per process.
    """

    official = False
    metric = "judge_minilm"

    def __init__(
        self,
        model_source: str | None = None,
        *,
        device: str = "cpu",
        high: float = HIGH,
        low: float = LOW,
    ) -> None:
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(f"need 0 <= low <= high <= 1, got low={low}, high={high}")
        self.model_source = model_source or default_model_source()
        self.device = device
        self.high = high
        self.low = low
        self.identity = f"offline-approximation/all-minilm-l6-v2@cos:{high:g}/{low:g}"

    def info(self) -> JudgeInfo:
        """The judge as recorded in result files (never official)."""
        return JudgeInfo(
            role="text",
            identity=self.identity,
            model=HUB_MODEL_ID,
            base_url=None,
            prompt_hash=None,
            temperature=None,
            official=False,
        )

    def check_ready(self) -> None:
        """Load the model now (raises ScorerUnavailable when the weights cannot be had)."""
        load_model(self.model_source, self.device)

    def score_many(self, requests: Sequence[JudgeRequest]) -> list[JudgeResult]:
        """One result per request; ``extra['cosine']`` holds the similarity."""
        if not requests:
            return []
        model = load_model(self.model_source, self.device)
        preds = [str(r.fields.get("prediction", "") or "") for r in requests]
        golds = [str(r.fields.get("gold", "") or "") for r in requests]
        pred_emb = model.encode(preds, normalize_embeddings=True, convert_to_numpy=True)
        gold_emb = model.encode(golds, normalize_embeddings=True, convert_to_numpy=True)
        cosines = (pred_emb * gold_emb).sum(axis=1)
        results = []
        for req, pred, cos in zip(requests, preds, cosines, strict=True):
            c = float(cos)
            if not pred.strip():
                value, note = 0.0, "empty prediction"
            elif math.isnan(c):
                value, note = math.nan, "embedding similarity is NaN"
            else:
                value, note = grade(c, self.high, self.low), None
            results.append(
                JudgeResult(
                    req.item_id,
                    value,
                    raw=f"cosine={c:.4f}",
                    error=note if math.isnan(value) else None,
                    identity=self.identity,
                    extra={"cosine": round(c, 6)} | ({"note": note} if note else {}),
                )
            )
        return results
