"""Which key reaches which server (epic_lang/llm/credentials.py): the real `epic run` against a
capture server on loopback, which records the Authorization header it was sent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from capture_server import Capture, capture_server

from epic_lang.llm.config import LLMConfigError, backend_from_options, resolve
from epic_lang.llm.credentials import origin_of
from epic_lang.llm.interface import LLMError, LLMRequest

USER_KEY = "sk-user-7a6b5c4d-SECRET"
PROGRAM = 'def main() = llm("hello")\n'
KEY_ENV = (
    "EPIC_LLM_BASE_URL",
    "OPENAI_BASE_URL",
    "EPIC_LLM_API_KEY",
    "OPENAI_API_KEY",
    "EPIC_LLM_MODEL",
    "EPIC_CACHE_DIR",
    "XDG_CONFIG_HOME",
)


@pytest.fixture
def capture():
    with capture_server() as server:
        yield server


def project(tmp_path: Path, epic_toml: str) -> Path:
    folder = tmp_path / "cloned-project"
    folder.mkdir(exist_ok=True)
    (folder / "epic.toml").write_text(epic_toml)
    program = folder / "main.epic"
    program.write_text(PROGRAM)
    return program


def user_settings(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "user-config" / "epic" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def epic_run(tmp_path: Path, program: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in KEY_ENV}
    clean.update(XDG_CONFIG_HOME=str(tmp_path / "user-config"), **env)
    return subprocess.run(
        [sys.executable, "-m", "epic_lang", "run", str(program)],
        capture_output=True,
        text=True,
        env=clean,
        timeout=120,
        cwd=program.parent,
    )


def test_a_project_named_server_gets_no_key_and_the_cli_says_how_to_allow_it(tmp_path, capture):
    program = project(tmp_path, f'base_url = "{capture.base_url}"\n')
    done = epic_run(tmp_path, program, EPIC_LLM_API_KEY=USER_KEY, OPENAI_API_KEY=USER_KEY)
    assert done.returncode == 0, done.stderr
    assert capture.authorizations == [None]
    notice = next(line for line in done.stderr.splitlines() if line.startswith("backend:"))
    assert f'add [servers."{capture.origin}"] to {tmp_path}/user-config/epic/config.toml' in notice
    assert "epic.toml names this server" in notice
    assert USER_KEY not in done.stdout + done.stderr


def test_an_approved_origin_gets_the_key_the_user_chose_for_it(tmp_path, capture):
    program = project(tmp_path, f'base_url = "{capture.base_url}"\n')
    user_settings(tmp_path, f'[servers."{capture.origin}"]\n')
    assert epic_run(tmp_path, program, EPIC_LLM_API_KEY=USER_KEY).returncode == 0
    user_settings(tmp_path, f'[servers."{capture.origin}/v1"]\napi_key_env = "COMPANY_KEY"\n')
    done = epic_run(tmp_path, program, EPIC_LLM_API_KEY=USER_KEY, COMPANY_KEY="company-key")
    assert done.returncode == 0, done.stderr
    assert capture.authorizations == [f"Bearer {USER_KEY}", "Bearer company-key"]
    assert "API key from COMPANY_KEY" in done.stderr


def test_a_server_the_user_chose_gets_the_key(tmp_path, capture):
    program = project(tmp_path, 'base_url = "http://127.0.0.1:9/v1"\n')
    done = epic_run(tmp_path, program, EPIC_LLM_BASE_URL=capture.base_url, OPENAI_API_KEY=USER_KEY)
    assert done.returncode == 0, done.stderr
    user_settings(tmp_path, f'base_url = "{capture.base_url}"\napi_key_env = "MY_KEY"\n')
    (program.parent / "epic.toml").write_text("")
    done = epic_run(tmp_path, program, MY_KEY="mine")
    assert done.returncode == 0, done.stderr
    assert capture.authorizations == [f"Bearer {USER_KEY}", "Bearer mine"]


def test_a_project_cannot_send_any_variable_it_likes(tmp_path, capture):
    program = project(tmp_path, f'base_url = "{capture.base_url}"\napi_key_env = "GITHUB_TOKEN"\n')
    done = epic_run(tmp_path, program, GITHUB_TOKEN="ghp_secret")
    assert done.returncode == 1
    assert "cannot choose which of your environment variables" in done.stderr
    assert "Traceback" not in done.stderr and "ghp_secret" not in done.stderr
    assert capture.authorizations == []


@pytest.mark.parametrize(
    "other",
    [
        "http://127.0.0.1:1/v1",
        "https://127.0.0.1:{port}/v1",
        "http://localhost:{port}/v1",
        "http://127.0.0.1:{port}.evil.example/v1",
        "http://127.0.0.1:{port}@evil.example/v1",
    ],
)
def test_origins_are_compared_exactly(tmp_path, monkeypatch, capture: Capture, other: str):
    port = capture.origin.rsplit(":", 1)[1]
    url = other.format(port=port)
    program = project(tmp_path, f'base_url = "{url}"\n')
    user_settings(tmp_path, f'[servers."{capture.origin}"]\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    env = {"EPIC_LLM_API_KEY": USER_KEY, "XDG_CONFIG_HOME": str(tmp_path / "user-config")}
    config = resolve(program_path=program, environ=env)
    assert origin_of(url) != origin_of(capture.base_url)
    assert config.api_key is None and config.key_withheld is not None


def test_untrusted_runs_send_no_key_and_refuse_project_servers(tmp_path, capture):
    env = {"EPIC_LLM_API_KEY": USER_KEY, "XDG_CONFIG_HOME": str(tmp_path / "user-config")}
    user_settings(tmp_path, f'[servers."{capture.origin}"]\n')
    program = project(tmp_path, f'base_url = "{capture.base_url}"\n')
    with pytest.raises(LLMConfigError, match="not trusted"):
        resolve(program_path=program, environ=env, trusted=False)
    config = resolve(
        program_path=program,
        environ=env,
        trusted=False,
        settings={"baseUrl": capture.base_url, "apiKey": USER_KEY},
    )
    assert config.api_key is None and config.key_withheld == "the workspace is not trusted"


def test_the_user_settings_file_is_checked(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "user-config")}
    program = project(tmp_path, "")
    for text, message in [
        ('api_key = "sk-x"\n', "do not write API keys"),
        ('[servers."ftp://x"]\n', "not an http"),
        ('[servers."https://x"]\nkey = "A"\n', "unknown EPIC settings key in"),
        ("servers = 3\n", "must be a table"),
        ("base_url = \n", "cannot read"),
        ("base_url = 3\n", "`base_url` must be a non-empty string"),
    ]:
        user_settings(tmp_path, text)
        with pytest.raises(LLMConfigError, match=message) as caught:
            resolve(program_path=program, environ=env)
        assert "config.toml" in str(caught.value) and "sk-x" not in str(caught.value)


async def test_a_refusal_says_that_no_key_was_sent_and_why(tmp_path, start_sim, monkeypatch):
    sim = start_sim(api_key=USER_KEY)
    program = project(tmp_path, f'base_url = "{sim.base_url}"\n')
    for name in KEY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EPIC_LLM_API_KEY", USER_KEY)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    backend = backend_from_options(program_path=program)
    with pytest.raises(LLMError, match="HTTP 401") as caught:
        await backend.complete(LLMRequest("llm", prompt="hi"))
    await backend.aclose()
    assert "no API key sent: " in str(caught.value) and "[servers." in str(caught.value)
