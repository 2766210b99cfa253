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


def test_for_protocol_switches_builtin_prompts_and_request_settings(tmp_path) -> None:
    v2 = OpenAIJudge(text_judge_preset())
    legacy = v2.for_protocol("legacy")
    assert legacy.config.prompt == "text-legacy" and legacy.identity != v2.identity
    assert legacy.config == text_judge_preset("legacy")  # the published request and reader
    assert v2.for_protocol("v2") is v2
    assert legacy.for_protocol("v2").config == v2.config
    vision = OpenAIJudge(vision_judge_preset())
    vision_legacy = vision.for_protocol("legacy")
    assert vision_legacy.config == vision_judge_preset("legacy")
    assert vision_legacy.config.prompt == "vision-legacy"
    assert (vision_legacy.config.temperature, vision_legacy.config.max_tokens) == (1e-5, 2000)
    assert vision_legacy.identity != vision.identity
    # a custom prompt file keeps its request settings; only the reading follows the protocol
    custom = tmp_path / "mine.txt"
    custom.write_text("[user]\n$question $gold $prediction\n")
    mine = OpenAIJudge(text_judge_preset(prompt=str(custom), temperature=0.3))
    switched = mine.for_protocol("legacy").config
    assert switched.reader == "legacy-text" and switched.temperature == 0.3
    assert switched.prompt == str(custom) and switched.max_tokens == 16


def test_legacy_presets_send_what_the_published_scripts_sent() -> None:
    """eval/eval_p_mmu.py: model, messages, stream=False; eval/api.py: model, messages,
    temperature 1e-5, max_tokens 2000 (tests/judges/test_reference_legacy.py compares the
    recorded payloads)."""
    messages = [{"role": "user", "content": "q"}]
    text = OpenAIJudge(text_judge_preset("legacy")).request_body(messages)
    assert text == {"model": "deepseek-chat", "messages": messages, "stream": False}
    vision = OpenAIJudge(vision_judge_preset("legacy")).request_body(messages)
    assert vision == {
        "model": "gpt-4o",
        "messages": messages,
        "temperature": 1e-5,
        "max_tokens": 2000,
    }
    assert OpenAIJudge(text_judge_preset("legacy")).identity.split("@")[1].startswith("tdefault/")
    v2 = OpenAIJudge(text_judge_preset("v2")).request_body(messages)
    assert v2 == {
        "model": "deepseek-chat",
        "messages": messages,
        "temperature": 0.0,
        "max_tokens": 16,
    }


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
