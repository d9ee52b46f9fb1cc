"""`epic run` against a real sim-server: the backend line on stderr, --batch, --cache re-runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROGRAM = """def main() =
  let names = ["Peru", "Chad", "Fiji", "Oman"]
  map(fn(n) => llm(f"capital of {n}"), names)
"""
RULES = [{"match": "capital of (\\w+)", "answer": "\\1-city"}]
EXPECTED = ["Peru-city", "Chad-city", "Fiji-city", "Oman-city"]


def epic_run(program, url: str, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EPIC_LLM_BASE_URL": url}
    for name in ("EPIC_CACHE_DIR", "EPIC_LLM_MODEL", "EPIC_LLM_API_KEY", "OPENAI_API_KEY"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "epic_lang", "run", str(program), "--json", *flags],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_run_with_batching_sends_one_request(start_sim, tmp_path):
    sim = start_sim(RULES)
    program = tmp_path / "capitals.epic"
    program.write_text(PROGRAM)
    done = epic_run(program, sim.base_url, "--batch")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == EXPECTED
    assert f"OpenAI-compatible server {sim.base_url}" in done.stderr
    stats = sim.stats()
    assert stats["prompts"] == 4 and stats["requests"] == 1


def test_a_cached_rerun_sends_nothing(start_sim, tmp_path):
    sim = start_sim(RULES)
    program = tmp_path / "capitals.epic"
    program.write_text(PROGRAM)
    first = epic_run(program, sim.base_url, "--cache")
    assert first.returncode == 0, first.stderr
    assert sim.stats()["requests"] == 4
    second = epic_run(program, sim.base_url, "--cache")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert sim.stats()["requests"] == 4
    assert (tmp_path / ".epic-cache").is_dir()
    program.write_text(PROGRAM.replace('"Oman"', '"Laos"'))
    third = epic_run(program, sim.base_url, "--cache")
    assert "Laos-city" in third.stdout
    assert sim.stats()["requests"] == 5  # only the changed call was sent
