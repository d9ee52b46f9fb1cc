"""The API key goes to the server and nowhere else: not into describe(), errors, the
output of `epic run`, or its trace."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from epic_lang.llm.config import backend_from_options
from epic_lang.llm.interface import LLMError, LLMRequest

SECRET = "sk-test-9f8e7d6c5b4a-SECRET"


@pytest.fixture(autouse=True)
def no_user_settings(monkeypatch, tmp_path):
    """The user's own ~/.config/epic/config.toml must not change what these tests see."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))


async def test_the_key_is_sent_but_never_shown(start_sim, monkeypatch, tmp_path):
    sim = start_sim(
        [{"match": "leak", "status": 401, "message": f"Incorrect API key provided: {SECRET}"}],
        api_key=SECRET,
    )
    monkeypatch.setenv("EPIC_LLM_BASE_URL", sim.base_url)
    monkeypatch.setenv("EPIC_LLM_API_KEY", SECRET)
    backend = backend_from_options(program_path=tmp_path / "p.epic")
    assert await backend.complete(LLMRequest("llm", prompt="hello")) != ""  # key accepted
    with pytest.raises(LLMError) as caught:
        await backend.complete(LLMRequest("llm", prompt="leak"))
    await backend.aclose()
    shown = [backend.describe(), str(caught.value), repr(caught.value), repr(backend.__dict__)]
    assert "EPIC_LLM_API_KEY" in backend.describe()
    assert all(SECRET not in text for text in shown)
    assert "[API key]" in str(caught.value)


def test_a_wrong_key_is_refused_by_the_server(start_sim, monkeypatch, tmp_path):
    sim = start_sim(api_key=SECRET)
    monkeypatch.setenv("EPIC_LLM_BASE_URL", sim.base_url)
    monkeypatch.setenv("EPIC_LLM_API_KEY", "sk-wrong")
    backend = backend_from_options(program_path=tmp_path / "p.epic")
    import asyncio

    with pytest.raises(LLMError, match="HTTP 401"):
        asyncio.run(backend.complete(LLMRequest("llm", prompt="x")))


def test_epic_run_output_and_trace_hold_no_key(start_sim, tmp_path):
    sim = start_sim(
        [{"match": "boom", "status": 500, "message": f"server saw {SECRET}"}], api_key=SECRET
    )
    program = tmp_path / "p.epic"
    program.write_text('def main() =\n  let a = llm("hello")\n  a + llm("boom")\n')
    (tmp_path / "epic.toml").write_text("max_retries = 1\n")
    trace = tmp_path / "trace.json"
    env = {
        **os.environ,
        "EPIC_LLM_BASE_URL": sim.base_url,
        "EPIC_LLM_API_KEY": SECRET,
        "EPIC_CACHE_DIR": str(tmp_path / "cache"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "epic_lang", "run", str(program), "--trace", str(trace)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "HTTP 500" in output and "p.epic:3:" in output
    assert "Traceback" not in output
    assert SECRET not in output
    assert not trace.exists() or SECRET not in trace.read_text()
