"""A recognition prototype and its distance threshold, calibrated on the concept's training data.

The prototype is the mean of the training embeddings. Positive distances are leave-one-out (each
training image against the mean of the others); negative distances are those of the hard and random
negatives to the full prototype. The threshold maximises balanced accuracy ((TPR + TNR) / 2) of
the rule "yes iff distance <= threshold" over the midpoints between neighbouring distances; among
equally good thresholds the middle one is kept, so a clean gap gives its midpoint. When no
negative lies beyond the farthest positive (e.g. no negative shows a face), the upper end is the
prior threshold ``prior`` (or the farthest positive, if larger). Without positives (a single
training image) or without negatives, ``prior`` itself is used.
Training images contribute their first embedding (the largest face); a negative or test image is
as far as its nearest embedding (any face in it); an image without one (no face found) is
infinitely far.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Prototype:
    """A recognition rule: yes iff L2(embedding, mean) <= threshold."""

    kind: str
    mean: np.ndarray
    threshold: float
    method: str  # "balanced-accuracy" or "prior"
    positive_distances: tuple[float, ...] = ()
    negative_distances: tuple[float, ...] = ()
    n_train: int = 0
    n_train_without_embedding: int = 0
    n_negatives_without_embedding: int = 0
    notes: list[str] = field(default_factory=list)

    def distance(self, embeddings: list[np.ndarray]) -> float:
        """Smallest L2 distance of an image's embeddings (e.g. its faces) to the prototype.

        Infinity when the image has none (no face found).
        """
        import numpy as np

        if not embeddings:
            return math.inf
        return min(float(np.linalg.norm(e - self.mean)) for e in embeddings)

    def accepts(self, embeddings: list[np.ndarray]) -> bool:
        """The recognition decision: is any embedding of the image close enough?"""
        return self.distance(embeddings) <= self.threshold

    def summary(self) -> dict[str, object]:
        """JSON-ready description (written to the workdir as calibration.json)."""

        def finite(values: tuple[float, ...]) -> list[float | None]:
            return [round(v, 6) if math.isfinite(v) else None for v in values]

        return {
            "embedding": self.kind,
            "threshold": self.threshold,
            "method": self.method,
            "n_train": self.n_train,
            "n_train_without_embedding": self.n_train_without_embedding,
            "n_negatives_without_embedding": self.n_negatives_without_embedding,
            "positive_distances_leave_one_out": finite(self.positive_distances),
            "negative_distances": finite(self.negative_distances),
            "notes": list(self.notes),
        }


def best_threshold(positives: list[float], negatives: list[float], prior: float) -> float:
    """The balanced-accuracy-optimal threshold (the middle one among ties); inputs non-empty.

    Above the largest finite distance there is no negative to bound the threshold, so that end
    is ``max(largest distance, prior)`` rather than a hair above the farthest positive.
    """
    finite = sorted({d for d in positives + negatives if math.isfinite(d)})
    if not finite:
        return math.inf
    candidates = [finite[0] - 1e-6]
    candidates += [(a + b) / 2 for a, b in itertools.pairwise(finite)]
    candidates.append(max(finite[-1] + 1e-6, prior))

    def balanced(threshold: float) -> float:
        tpr = sum(d <= threshold for d in positives) / len(positives)
        tnr = sum(d > threshold for d in negatives) / len(negatives)
        return (tpr + tnr) / 2

    scores = [balanced(t) for t in candidates]
    top = max(scores)
    best = [t for t, s in zip(candidates, scores, strict=True) if s == top]
    return best[len(best) // 2]


def calibrate(
    kind: str,
    train: list[list[np.ndarray]],
    negatives: list[list[np.ndarray]],
    prior: float,
) -> Prototype | None:
    """Build the prototype from each training image's first (largest-face) embedding.

    ``negatives`` holds all embeddings of each negative image; its distance is the smallest.
    Returns None when no training image has an embedding.
    """
    import numpy as np

    usable = [e[0] for e in train if e]
    if not usable:
        return None
    stack = np.stack(usable).astype(np.float64)
    mean = stack.mean(axis=0)
    positives: list[float] = []
    if len(usable) > 1:
        total = stack.sum(axis=0)
        for row in stack:
            others = (total - row) / (len(usable) - 1)
            positives.append(float(np.linalg.norm(row - others)))
    negative_d = [
        min((float(np.linalg.norm(np.asarray(x, np.float64) - mean)) for x in e), default=math.inf)
        for e in negatives
    ]
    notes: list[str] = []
    if positives and negative_d:
        threshold, method = best_threshold(positives, negative_d, prior), "balanced-accuracy"
        if not math.isfinite(threshold):
            threshold, method = prior, "prior"
            notes.append("no finite distance to calibrate on")
    else:
        threshold, method = prior, "prior"
        notes.append("fewer than 2 training embeddings" if not positives else "no negatives")
    return Prototype(
        kind=kind,
        mean=mean.astype(np.float32),
        threshold=float(threshold),
        method=method,
        positive_distances=tuple(positives),
        negative_distances=tuple(negative_d),
        n_train=len(train),
        n_train_without_embedding=len(train) - len(usable),
        n_negatives_without_embedding=sum(not e for e in negatives),
        notes=notes,
    )
