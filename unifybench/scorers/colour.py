"""An offline, unofficial stand-in for DINO: colour-histogram similarity to the reference.

For each generated image: the histogram intersection of its joint RGB histogram (8 x 8 x 8
bins, image resized to 64 x 64, each histogram summing to 1) with each reference image's, mean
over the references; 1 = the same colour distribution, 0 = no colour in common. It needs no
weights, so the demo and the sample boards have an image-similarity number offline. It sees
colours only (no shape, no identity): a crude floor-versus-ceiling check of the pipeline, never
ranked with DINO (own metric, ``replaces="dino"``: used on request or in the demo).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unifybench.metrics import MetricSpec
from unifybench.protocols import Protocol
from unifybench.scorers.base import Score, ScoringInput, SpecScorer
from unifybench.scorers.dino import aggregate_dino, open_like_published
from unifybench.scorers.spec import ScorerContext, ScorerSpec

BINS = 8
SIDE = 64


def colour_histogram(path: Path) -> Any:
    """The normalised joint RGB histogram (BINS**3,) of an image file."""
    import numpy as np
    from PIL import Image

    img = open_like_published(Path(path).read_bytes()).resize((SIDE, SIDE), Image.Resampling.BOX)
    pixels = np.asarray(img, dtype=np.int64) * BINS // 256
    index = (pixels[..., 0] * BINS + pixels[..., 1]) * BINS + pixels[..., 2]
    hist = np.bincount(index.ravel(), minlength=BINS**3).astype(np.float64)
    return hist / hist.sum()


class ColourHistogramScorer(SpecScorer):
    """Histogram intersection of each generated image with the concept's reference images."""

    def __init__(self, protocol: Protocol | str, *, tasks: Any = None) -> None:
        super().__init__(protocol, tasks=tasks)
        self._cache: dict[Path, Any] = {}

    def _hist(self, path: Path) -> Any:
        if path not in self._cache:
            self._cache[path] = colour_histogram(path)
        return self._cache[path]

    def score(self, inputs: Sequence[ScoringInput]) -> list[Score]:
        import numpy as np

        out = []
        for inp in inputs:
            problems: list[str] = []
            refs = []
            for ref in inp.concept.train_images:
                try:
                    refs.append(self._hist(Path(ref)))
                except Exception as err:  # unreadable reference: left out, said so
                    problems.append(f"{ref}: {type(err).__name__}: {err}")
            per_image: list[float] = []
            for path in inp.images:
                try:
                    gen = colour_histogram(path)
                    sims = [float(np.minimum(gen, r).sum()) for r in refs]
                    per_image.append(sum(sims) / len(sims) if sims else math.nan)
                except Exception as err:  # unreadable image: unscored
                    problems.append(f"{path}: {type(err).__name__}: {err}")
                    per_image.append(math.nan)
            kept = [v for v in per_image if not math.isnan(v)]
            out.append(
                Score(
                    value=sum(kept) / len(kept) if kept else math.nan,
                    explanation="; ".join(problems),
                    metadata={"per_image": per_image, "n_images": len(per_image)},
                )
            )
        return out


def _build(
    spec: ScorerSpec, protocol: Protocol, context: ScorerContext, tasks: tuple[str, ...]
) -> ColourHistogramScorer:
    return ColourHistogramScorer(protocol, tasks=tasks)


COLOUR_HIST = ScorerSpec(
    name="colour_hist",
    metrics=(
        MetricSpec(
            "colour_hist",
            "Colour histogram similarity (unofficial)",
            "≈DINO colour",
            "Offline stand-in for DINO: histogram intersection of the joint RGB histograms "
            "(8x8x8 bins) of each generated image and the reference image(s), 1 = same colours. "
            "Sees colour only, not shape or identity; needs no weights. Never ranked with DINO.",
            approximates="dino",
        ),
    ),
    card="offline stand-in: RGB colour-histogram intersection with the reference (colour only); "
    "never ranked with dino",
    implementation="rgb-8x8x8",
    build=_build,
    aggregate=aggregate_dino,
    replaces="dino",
    scorer_class="unifybench.scorers.colour:ColourHistogramScorer",
)
SCORERS = (COLOUR_HIST,)
ColourHistogramScorer.spec = COLOUR_HIST
