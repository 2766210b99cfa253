"""The configuration of one run, stored as ``run.json`` and checked when a run is resumed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from unifybench.errors import ConfigError, DataError
from unifybench.protocols import Protocol

# Fields that change what a method is asked or how it is asked: resuming with other values would
# mix two runs in one file. The data is compared by manifest hash (a moved folder is the same data)
# and by its location only when there is no hash.
_PREDICT_FIELDS = (
    "method",
    "params",
    "manifest_hash",
    "seed",
    "images_per_prompt",
    "benchmark",
    "protocol",
)


@dataclass
class RunConfig:
    """What was run: one method on one dataset with one seed.

    ``benchmark`` names the benchmark spec (its adapter loaded the data; its protocols apply),
    ``protocol`` one of its protocols. The protocol matters already when predicting: legacy flips
    test images at random (``test_image_flip``; seeded here, unseeded upstream) before the method
    sees them. ``concepts`` and ``tasks`` may grow when a run is resumed with more of them.
    """

    method: str
    params: dict[str, Any] = field(default_factory=dict)
    data: str = ""
    dataset: str = ""
    revision: str = ""
    manifest_hash: str | None = None
    sample: bool = False
    concepts: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    seed: int = 0
    images_per_prompt: int | None = None
    protocol: str = "v2"
    categories: dict[str, str] = field(default_factory=dict)  # concept id -> category
    benchmark: str = "unifybench"  # runs written before benchmarks were specs are UnifyBench's
    # Items per batched method call (None: the method's default_batch_size, 1 without hooks).
    # Not a predict field: batches never change a prediction, so a run may resume with another.
    batch_size: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def protocol_spec(self) -> Protocol:
        """The run's protocol (ConfigError when the benchmark does not offer it)."""
        return run_protocol(self.benchmark, self.protocol)

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path | None = None) -> RunConfig:
        known = set(cls.__dataclass_fields__)
        if "method" not in data:
            raise DataError(path or "run.json", "method", "the method name of the run")
        return cls(**{k: v for k, v in data.items() if k in known})

    def check_resumable(self, new: RunConfig, path: Path) -> None:
        """Raise ConfigError when ``new`` would predict differently from the stored run."""
        fields = list(_PREDICT_FIELDS)
        if self.manifest_hash is None or new.manifest_hash is None:
            fields.append("data")
        for name in fields:
            old_value, new_value = getattr(self, name), getattr(new, name)
            if old_value != new_value:
                raise ConfigError(
                    f"{path}: this run was made with {name}={old_value!r}, "
                    f"now {name}={new_value!r}; "
                    "use another --run-name (or --out) for a new run, or `unifybench score` to "
                    "re-score its predictions"
                )


@lru_cache(maxsize=64)
def run_protocol(benchmark: str, protocol: str) -> Protocol:
    """The protocol ``protocol`` of the benchmark ``benchmark`` (a runnable one)."""
    from unifybench.benchmarks import get_benchmark

    return get_benchmark(benchmark).runnable_protocol(protocol)


def read_config(path: Path) -> RunConfig:
    """Load ``run.json``; a clear DataError when it is missing or malformed."""
    if not path.exists():
        raise DataError(
            path, "", "a run directory with run.json (made by `unifybench run/predict`)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(path, "", f"valid JSON ({err.msg})") from err
    if not isinstance(data, dict):
        raise DataError(path, "", "a JSON object")
    return RunConfig.from_json(data, path)


def write_json(path: Path, data: Any, indent: int | None = 2) -> None:
    """Write a JSON file atomically (temporary file, then rename)."""
    import os

    tmp = path.with_name(path.name + ".tmp")
    text = json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
    tmp.write_text(text + "\n", "utf-8")
    os.replace(tmp, path)
