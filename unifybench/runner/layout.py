"""Where a run keeps its files. One run directory holds one method's run on one dataset.

::

    runs/<run>/
      run.json            the run's configuration (method, params, data, tasks, seed, protocol)
      plan.json           every planned item (id, concept, task, n images): coverage denominator
      predictions.jsonl   one record per item: text answer or image paths, or an error
      images/<concept>/<task>/<index>_<k>.png
      scoring.json        the scorers (and judges) of the latest score stage, and the ones skipped
      scores.jsonl        one record per (item, scorer[, judge])
      result.json         the aggregate, in the submission schema
      provenance.json     versions, git commit, packages, seeds, data hash, judges
      personalization.jsonl  one record per personalize call (status, seconds, checkpoint hash)
      work/<concept>/     the method's personalization scratch space
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunLayout:
    """Paths of one run directory."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "run.json"

    @property
    def plan(self) -> Path:
        return self.root / "plan.json"

    @property
    def predictions(self) -> Path:
        return self.root / "predictions.jsonl"

    @property
    def images(self) -> Path:
        return self.root / "images"

    @property
    def scoring(self) -> Path:
        return self.root / "scoring.json"

    @property
    def scores(self) -> Path:
        return self.root / "scores.jsonl"

    @property
    def result(self) -> Path:
        return self.root / "result.json"

    @property
    def provenance(self) -> Path:
        return self.root / "provenance.json"

    @property
    def personalization(self) -> Path:
        return self.root / "personalization.jsonl"

    def workdir(self, concept_id: str) -> Path:
        return self.root / "work" / concept_id

    def image_path(self, concept_id: str, task: str, index: int, k: int) -> Path:
        """Relative path (to the run dir) of the k-th image generated for one prompt."""
        return Path("images") / concept_id / task / f"{index}_{k}.png"
