import pytest

from unifybench.errors import ConfigError
from unifybench.judges import JudgeConfig, OpenAIJudge, text_judge_preset, vision_judge_preset
from unifybench.judges.config import default_cache_dir


def test_text_preset_is_the_published_deepseek_judge() -> None:
    cfg = text_judge_preset()
    assert (cfg.model, cfg.base_url, cfg.api_key_env) == (
        "deepseek-chat",
        "https://api.deepseek.com/v1",
        "DEEPSEEK_API_KEY",
    )
    assert cfg.temperature == 0.0 and cfg.official and cfg.prompt == "text"
    assert text_judge_preset("legacy").prompt == "text-legacy"
    assert text_judge_preset(concurrency=4).concurrency == 4


def test_vision_preset_is_gpt4o() -> None:
    cfg = vision_judge_preset()
    assert (cfg.role, cfg.model, cfg.api_key_env, cfg.prompt) == (
        "vision",
        "gpt-4o",
        "OPENAI_API_KEY",
        "vision",
    )
    assert cfg.official


def test_identity_and_info() -> None:
    judge = OpenAIJudge(text_judge_preset())
    tpl_hash = judge.template.sha256
    assert judge.identity == f"openai-compatible/deepseek-chat@t0/prompt:{tpl_hash[:12]}"
    info = judge.info()
    assert info.identity == judge.identity and info.prompt_hash == tpl_hash
    assert info.official and info.role == "text" and info.temperature == 0.0
    assert OpenAIJudge(text_judge_preset(temperature=0.7)).identity.endswith(
        f"@t0.7/prompt:{tpl_hash[:12]}"
    )


def test_for_protocol_switches_only_builtin_text_prompts() -> None:
    v2 = OpenAIJudge(text_judge_preset())
    legacy = v2.for_protocol("legacy")
    assert legacy.config.prompt == "text-legacy" and legacy.identity != v2.identity
    assert v2.for_protocol("v2") is v2
    vision = OpenAIJudge(vision_judge_preset())
    assert vision.for_protocol("legacy") is vision


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role": "audio"}, "role"),
        ({"base_url": "api.deepseek.com"}, "base_url"),
        ({"api_key_env": "sk-abc123-not-a-name"}, "NAME of an environment variable"),
        ({"temperature": -1.0}, "temperature"),
        ({"concurrency": 0}, "concurrency"),
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
def test_invalid_config_is_a_clear_error(changes: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        JudgeConfig(**changes)


def test_default_cache_dir_follows_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("UNIFYBENCH_CACHE", str(tmp_path))
    assert default_cache_dir() == tmp_path / "judges"
    assert JudgeConfig().resolved_cache_dir == tmp_path / "judges"


def test_default_cache_dir_honours_the_project_cache_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """UNIFYBENCH_CACHE_DIR (used by the data layer and the runner, and set per test session by
    tests/conftest.py) also moves the judge cache, so tests never share a cache in the home."""
    monkeypatch.delenv("UNIFYBENCH_CACHE", raising=False)
    monkeypatch.setenv("UNIFYBENCH_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c" / "judges"
    monkeypatch.setenv("UNIFYBENCH_CACHE", str(tmp_path / "j"))  # the judge-specific one wins
    assert default_cache_dir() == tmp_path / "j" / "judges"
