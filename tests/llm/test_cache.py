"""The opt-in cache: a re-run answers deterministic calls from disk; samples at temperature
> 0 are never merged; `epic cache info|clear`."""

from __future__ import annotations

import asyncio

from epic_lang.cli import main as epic
from epic_lang.llm.config import backend_from_options
from epic_lang.llm.interface import LLMRequest

CALLS = [
    LLMRequest("llm", prompt="capital of Peru"),
    LLMRequest("llm_chat", messages=(("user", "hello"),)),
    LLMRequest("llm_next", prompt="The sky is", k=3),
    LLMRequest("llm_sample", prompt="zero", n=2, temperature=0.0),
]


async def run_once(url: str, program: str, requests: list[LLMRequest]) -> list[object]:
    backend = backend_from_options(llm_url=url, model="sim", cache=True, program_path=program)
    try:
        return await asyncio.gather(*(backend.complete(r) for r in requests))
    finally:
        await backend.aclose()


async def test_a_rerun_is_answered_from_the_cache(start_sim, tmp_path, monkeypatch):
    monkeypatch.delenv("EPIC_CACHE_DIR", raising=False)
    sim = start_sim()
    program = str(tmp_path / "prog.epic")
    first = await run_once(sim.base_url, program, CALLS)
    assert sim.stats()["requests"] == len(CALLS)
    second = await run_once(sim.base_url, program, CALLS)
    assert second == first
    assert sim.stats()["requests"] == len(CALLS)  # nothing new was sent
    assert (tmp_path / ".epic-cache" / "llm-calls.sqlite3").is_file()
    changed = await run_once(sim.base_url, program, [LLMRequest("llm", prompt="capital of Chile")])
    assert changed != first[:1]
    assert sim.stats()["requests"] == len(CALLS) + 1


async def test_samples_above_temperature_zero_are_never_merged(start_sim, tmp_path, monkeypatch):
    monkeypatch.setenv("EPIC_CACHE_DIR", str(tmp_path / "c"))
    sim = start_sim()
    sample = LLMRequest("llm", prompt="a poem", temperature=0.8)
    first = await run_once(sim.base_url, "p.epic", [sample, sample])
    second = await run_once(sim.base_url, "p.epic", [sample])
    assert sim.stats()["requests"] == 3
    assert len({first[0], first[1], second[0]}) == 3


async def test_identical_calls_in_flight_are_sent_once(start_sim, tmp_path, monkeypatch):
    monkeypatch.setenv("EPIC_CACHE_DIR", str(tmp_path / "c"))
    sim = start_sim(latency_ms=50)
    answers = await run_once(sim.base_url, "p.epic", [LLMRequest("llm", prompt="same")] * 10)
    assert len(set(answers)) == 1
    assert sim.stats()["requests"] == 1


async def test_the_cache_depends_on_the_endpoint_and_model(start_sim, tmp_path, monkeypatch):
    monkeypatch.setenv("EPIC_CACHE_DIR", str(tmp_path / "c"))
    one, two = start_sim(seed=1), start_sim(seed=2)
    request = LLMRequest("llm", prompt="hello")
    await run_once(one.base_url, "p.epic", [request])
    await run_once(two.base_url, "p.epic", [request])
    assert one.stats()["requests"] == two.stats()["requests"] == 1


async def test_cache_info_and_clear(start_sim, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("EPIC_CACHE_DIR", raising=False)
    sim = start_sim()
    program = tmp_path / "prog.epic"
    await run_once(sim.base_url, str(program), CALLS[:2])
    assert epic(["cache", "info", str(program)]) == 0
    assert "2 cached calls" in capsys.readouterr().out
    assert epic(["cache", "clear", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("cleared 2 cached calls")
    assert epic(["cache", "info", str(program)]) == 0
    assert "0 cached calls" in capsys.readouterr().out
    await run_once(sim.base_url, str(program), CALLS[:2])
    assert sim.stats()["requests"] == 4
