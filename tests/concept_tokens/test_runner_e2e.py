"""`unifybench run` with concept-tokens on the sample benchmark, on both tiny backbones."""

from __future__ import annotations

import json

import pytest

from tests.janus.test_runner_e2e import run_cli

FAST = ["epochs=1", "max_steps_per_epoch=2", "n_tokens=4", "generation_steps=2"]


@pytest.mark.slow
@pytest.mark.parametrize("backbone", ["janus", "showo"])
def test_concept_tokens_runs_on_the_sample_benchmark(backbone, sample_root, tmp_path):
    # The spelling: several pairs in one --param.
    params = [f"backbone={backbone},config=tiny", *FAST]
    run_dir = run_cli("concept-tokens", params, sample_root, tmp_path)
    record = json.loads((run_dir / "work" / "cup" / "concept_tokens_state.json").read_text())
    provenance = json.loads((run_dir / "provenance.json").read_text())
    hashes = json.dumps(provenance)
    assert record["checkpoint_sha256"] in hashes  # the concept's rows are recorded by hash
    assert record["backbone"] == backbone
