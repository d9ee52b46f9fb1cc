"""The client's settings in epic.toml (timeouts, retries, limits) reach the backend, bad values
are errors naming the file, and the connection pool fits the open-file limit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from epic_lang.llm.config import backend_from_options
from epic_lang.llm.interface import LLMRequest
from epic_lang.llm.openai_client import OpenAIBackend


def test_settings_from_epic_toml_reach_the_client(tmp_path, monkeypatch):
    for name in ("EPIC_LLM_BASE_URL", "OPENAI_BASE_URL", "EPIC_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "epic.toml").write_text(
        'base_url = "http://127.0.0.1:9/v1"\n'
        "connect_timeout = 2.5\nread_timeout = 30\nmax_retries = 2\nretry_budget = 0\n"
        "retry_unsafe = true\nmax_response_mb = 0.5\nmax_concurrency = 8\n"
    )
    backend = backend_from_options(program_path=tmp_path / "p.epic")
    assert isinstance(backend, OpenAIBackend)
    options = backend.options
    assert (options.connect_timeout, options.read_timeout, options.max_concurrency) == (2.5, 30, 8)
    assert options.max_response_bytes == 2**19
    retry = options.retry
    assert (retry.max_attempts, retry.budget, retry.retry_unsafe) == (3, 0, True)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("read_timeout = -1", "`read_timeout` must be a number of at least 0.001"),
        ('retry_unsafe = "yes"', "`retry_unsafe` must be true or false"),
        ("max_retries = 1.5", "`max_retries` must be a whole number of at least 0"),
        ("retry_budget = inf", "`retry_budget` must be a number of at least 0"),
        ("timeout = 60", "unknown EPIC settings timeout"),
    ],
)
async def test_a_bad_client_setting_is_an_error_naming_the_file(tmp_path, line, message):
    settings = tmp_path / "epic.toml"
    settings.write_text(f'base_url = "http://127.0.0.1:9/v1"\n{line}\n')
    backend = backend_from_options(program_path=tmp_path / "p.epic")
    assert message in backend.describe() and str(settings) in backend.describe()
    with pytest.raises(Exception, match=message):
        await backend.complete(LLMRequest("llm", prompt="x"))


def test_the_pool_is_sized_to_the_open_file_limit_after_raising_it():
    script = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, 1024))\n"
        "from epic_lang.llm.file_limit import connection_budget\n"
        "budget = connection_budget()\n"
        "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0], budget)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    soft, budget = map(int, done.stdout.split())
    assert soft == 1024  # raised to the hard limit
    assert 1024 - 64 - 40 < budget <= 1024 - 64
