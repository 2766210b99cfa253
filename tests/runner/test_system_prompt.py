"""The legacy text judge sees the method's personal system prompt (published defect 4); v2 never."""

from __future__ import annotations

import json

import pytest

from tests.runner.support import read_jsonl
from tests.support.openai_server import FakeOpenAI
from unifybench import api

KEY_VAR = "UB_TEST_JUDGE_KEY"


@pytest.mark.parametrize("protocol", ["legacy", "v2"])
def test_system_prompt_reaches_only_the_legacy_judge(sample_root, tmp_path, monkeypatch, protocol):
    with FakeOpenAI() as server:
        monkeypatch.setenv(KEY_VAR, server.api_key)
        (outcome,) = api.run(
            "tests.runner.support:SystemPromptMethod",
            data=sample_root,
            out=tmp_path,
            concepts="cup",
            tasks="text_only",
            judge_base_url=server.base_url,
            judge_key_env=KEY_VAR,
            protocol=protocol,
            progress=False,
        )
        bodies = [json.dumps(r) for r in server.requests]
    assert bodies, "the text judge was never called"
    personalization = read_jsonl(outcome.run_dir / "personalization.jsonl")
    assert personalization[0]["system_prompt"] == "<cup> is <token_0><token_1>.\n"
    shown = [("<token_0><token_1>" in body) for body in bodies]
    assert all(shown) if protocol == "legacy" else not any(shown)
