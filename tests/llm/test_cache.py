"""The opt-in cache: a re-run answers deterministic calls from disk; samples at temperature
> 0 are never merged; `epic cache info|clear`."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

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


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a database\n" * 200)


def _truncated(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE calls (key TEXT PRIMARY KEY, kind TEXT NOT NULL, "
        "value TEXT NOT NULL, created REAL NOT NULL)"
    )
    db.executemany(
        "INSERT INTO calls VALUES (?, 'llm', ?, 0)",
        [(str(i), json.dumps("x" * 200)) for i in range(2000)],
    )
    db.commit()
    db.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _other_schema(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE calls (question TEXT, answer TEXT)")
    db.commit()
    db.close()


def _run_cached(url: str, program: Path) -> int:
    return epic(["run", "--cache", "--llm", url, "--model", "m", str(program)])


@pytest.mark.parametrize("damage", [_garbage, _truncated, _other_schema])
def test_a_damaged_cache_is_moved_aside_and_started_afresh(
    start_sim, tmp_path, monkeypatch, capsys, damage
):
    monkeypatch.delenv("EPIC_CACHE_DIR", raising=False)
    sim = start_sim()
    program = tmp_path / "prog.epic"
    program.write_text('def main() = llm("hello")\n', encoding="utf-8")
    cache_file = tmp_path / ".epic-cache" / "llm-calls.sqlite3"
    cache_file.parent.mkdir()
    damage(cache_file)
    damaged = cache_file.read_bytes()
    assert _run_cached(sim.base_url, program) == 0
    out, err = capsys.readouterr()
    assert out.strip() and "Traceback" not in err
    (moved,) = cache_file.parent.glob("llm-calls.sqlite3.corrupt-*")
    assert moved.read_bytes() == damaged  # the user's file is kept as it was
    assert f"epic: warning: the LLM cache {cache_file} could not be read" in err
    assert str(moved) in err
    assert _run_cached(sim.base_url, program) == 0  # the new cache answers the re-run
    assert sim.stats()["requests"] == 1
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("where", ["llm-calls.sqlite3", ""])
def test_a_cache_that_cannot_be_opened_is_a_clean_error(
    start_sim, tmp_path, monkeypatch, capsys, where
):
    """A folder where the cache file should be, or a file where its folder should be."""
    monkeypatch.delenv("EPIC_CACHE_DIR", raising=False)
    sim = start_sim()
    program = tmp_path / "prog.epic"
    program.write_text('def main() = llm("hello")\n', encoding="utf-8")
    cache_file = tmp_path / ".epic-cache" / "llm-calls.sqlite3"
    if where:
        cache_file.mkdir(parents=True)
    else:
        cache_file.parent.write_text("in the way", encoding="utf-8")
    assert _run_cached(sim.base_url, program) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        f"prog.epic:1:14: error: external call `llm` failed: cannot use the LLM cache "
        f"{cache_file}: " in err
    )
    assert "EPIC_CACHE_DIR" in err
    if where:  # (with a file in place of the folder there is no cache to clear)
        assert epic(["cache", "clear", str(program)]) == 1
        assert capsys.readouterr().err.startswith(
            f"epic cache: error: cannot use the LLM cache {cache_file}: it is a folder"
        )
    assert sim.stats()["requests"] == 0


async def test_a_damaged_entry_is_a_miss(start_sim, tmp_path, monkeypatch):
    monkeypatch.setenv("EPIC_CACHE_DIR", str(tmp_path / "c"))
    sim = start_sim()
    first = await run_once(sim.base_url, "p.epic", CALLS[:1])
    db = sqlite3.connect(tmp_path / "c" / "llm-calls.sqlite3")
    db.execute("UPDATE calls SET value = '{not json'")
    db.commit()
    db.close()
    assert await run_once(sim.base_url, "p.epic", CALLS[:1]) == first
    assert await run_once(sim.base_url, "p.epic", CALLS[:1]) == first
    assert sim.stats()["requests"] == 2  # fetched again once, then cached again


async def test_a_cached_stream_replays_at_once_and_shares_llm_answers(
    start_sim, tmp_path, monkeypatch
):
    monkeypatch.delenv("EPIC_CACHE_DIR", raising=False)
    sim = start_sim([{"match": "lines", "answer": "a\nb\nc\n"}], per_line_ms=20)
    program = str(tmp_path / "prog.epic")
    request = LLMRequest("llm", prompt="three lines")

    async def streamed() -> list[str]:
        backend = backend_from_options(
            llm_url=sim.base_url, model="sim", cache=True, program_path=program
        )
        try:
            return [piece async for piece in backend.stream(request)]
        finally:
            await backend.aclose()

    first = await streamed()
    assert len(first) == 3 and "".join(first) == "a\nb\nc\n"  # a miss streams
    assert await streamed() == ["a\nb\nc\n"]  # a hit: the whole answer, in one piece
    assert await run_once(sim.base_url, program, [request]) == ["a\nb\nc\n"]
    assert sim.stats()["requests"] == 1
