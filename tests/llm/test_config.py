"""Where the backend's settings come from: options > editor > environment > epic.toml /
pyproject.toml > the local model."""

from __future__ import annotations

import pytest

from epic_lang.llm.cache import CachedBackend
from epic_lang.llm.config import LLMConfigError, backend_from_options, resolve
from epic_lang.llm.interface import LLMRequest
from epic_lang.llm.local_model import LocalModelBackend
from epic_lang.llm.openai_client import OpenAIBackend

ENV_NAMES = (
    "EPIC_LLM_BASE_URL",
    "EPIC_LLM_MODEL",
    "EPIC_LLM_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "EPIC_CACHE_DIR",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))


def user_config(tmp_path, text: str) -> None:
    folder = tmp_path / "user-config" / "epic"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text)


def program_in(tmp_path, toml_name: str | None = None, text: str = "") -> str:
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    if toml_name:
        (project / toml_name).write_text(text)
    return str(project / "src" / "main.epic")


def test_nothing_configured_means_the_local_model(tmp_path):
    backend = backend_from_options(program_path=program_in(tmp_path))
    assert isinstance(backend, LocalModelBackend)
    assert "SmolLM2-135M" in backend.describe() and "not for answers" in backend.describe()


def test_epic_toml_above_the_program(tmp_path):
    program = program_in(
        tmp_path, "epic.toml", 'base_url = "http://h:1/v1"\nmodel = "m"\nmax_concurrency = 7\n'
    )
    backend = backend_from_options(program_path=program)
    assert isinstance(backend, OpenAIBackend)
    assert (backend.base_url, backend.model, backend.options.max_concurrency) == (
        "http://h:1/v1",
        "m",
        7,
    )


def test_pyproject_tool_epic(tmp_path):
    program = program_in(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\n[tool.epic]\nbase_url = "http://p:2/v1"\ncache = true\n',
    )
    backend = backend_from_options(program_path=program)
    assert isinstance(backend, CachedBackend)
    assert backend.inner.base_url == "http://p:2/v1"


def test_environment_beats_the_file_and_options_beat_both(tmp_path, monkeypatch):
    program = program_in(tmp_path, "epic.toml", 'base_url = "http://file/v1"\nmodel = "f"\n')
    monkeypatch.setenv("OPENAI_BASE_URL", "http://openai-env/v1")
    assert resolve(program_path=program).base_url == "http://openai-env/v1"
    monkeypatch.setenv("EPIC_LLM_BASE_URL", "http://epic-env/v1")
    monkeypatch.setenv("EPIC_LLM_MODEL", "e")
    config = resolve(program_path=program)
    assert (config.base_url, config.model) == ("http://epic-env/v1", "e")
    config = resolve(program_path=program, settings={"baseUrl": "http://editor/v1"})
    assert config.base_url == "http://editor/v1"
    config = resolve(
        "http://flag/v1",
        "x",
        program_path=program,
        settings={"baseUrl": "http://editor/v1", "model": "y"},
    )
    assert (config.base_url, config.model) == ("http://flag/v1", "x")


def test_keys_come_from_the_environment_or_the_users_own_file(tmp_path, monkeypatch):
    program = program_in(tmp_path)
    user_config(tmp_path, 'base_url = "http://h/v1"\napi_key_env = "MY_KEY"\n')
    with pytest.raises(LLMConfigError, match="MY_KEY, which is not set"):
        resolve(program_path=program)
    monkeypatch.setenv("MY_KEY", "k1")
    config = resolve(program_path=program)
    assert (config.base_url, config.api_key, config.key_source) == ("http://h/v1", "k1", "MY_KEY")
    monkeypatch.setenv("OPENAI_API_KEY", "k2")
    monkeypatch.setenv("EPIC_LLM_API_KEY", "k3")
    assert resolve(program_path=program).key_source == "EPIC_LLM_API_KEY"
    assert "k3" not in repr(resolve(program_path=program))


def test_a_project_cannot_pick_the_key_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-secret")
    program = program_in(
        tmp_path, "epic.toml", 'base_url = "http://h/v1"\napi_key_env = "GITHUB_TOKEN"\n'
    )
    with pytest.raises(LLMConfigError, match="cannot choose which of your environment") as caught:
        resolve(program_path=program)
    assert "epic.toml" in str(caught.value) and "ghp-secret" not in str(caught.value)


def test_a_key_written_in_a_file_is_refused(tmp_path):
    program = program_in(tmp_path, "epic.toml", 'api_key = "sk-oops"\n')
    with pytest.raises(LLMConfigError, match="do not write API keys in files") as caught:
        resolve(program_path=program)
    assert "sk-oops" not in str(caught.value)


def test_unknown_settings_and_bad_files_are_reported(tmp_path):
    program = program_in(tmp_path, "epic.toml", "base_ur = 1\n")
    with pytest.raises(LLMConfigError, match="unknown EPIC settings base_ur"):
        resolve(program_path=program)
    program = program_in(tmp_path / "b", "epic.toml", "base_url = \n")
    with pytest.raises(LLMConfigError, match="epic.toml: cannot read"):
        resolve(program_path=program)


async def test_unusable_settings_fail_at_the_first_call(tmp_path):
    backend = backend_from_options(model="gpt-4o", program_path=program_in(tmp_path))
    assert backend.describe().startswith("none usable: the model 'gpt-4o' needs a server")
    with pytest.raises(LLMConfigError, match="needs a server"):
        await backend.complete(LLMRequest("llm", prompt="x"))


def test_batch_flag_reaches_the_client(tmp_path):
    backend = backend_from_options("http://h/v1", batch=True, program_path=program_in(tmp_path))
    assert isinstance(backend, OpenAIBackend) and backend.options.batch
    assert "batching" in backend.describe()
