"""Streaming benchmark (issue 11): a line of a streamed answer goes downstream at once.

`epic sim-server` (its own process) streams a 20-line answer at 50 ms per line, and a
downstream call of 200 ms (an `async def` external that sleeps) is made for every line:

    map(fn(t) => expand(t), lines(llm_stream("List 20 topics")))

Printed, best of several runs each, measured side by side in one run against the same server:

- the delay from the first line being complete in the client (its newline arrived: the run's
  `on_stream` hook) to the first downstream call starting (the external's first line), goal
  60 ms or less;
- the wall time of the run against generation + one downstream call (1.0 s + 0.2 s, what
  streaming can reach) and against generation + 20 downstream calls (5.0 s, one call per
  line after the whole answer, as `--mode sequential` does), as ratios;
- the time from the start of the run to the first downstream result;
- the same program with `llm` in place of `llm_stream` (the whole answer first, then every
  downstream call at once), and in `--mode sequential`.

Run: `python bench/streaming.py [--runs 3]` (about 30 seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from epic_lang.eval.program import load_source
from epic_lang.eval.trace import CallRecord
from epic_lang.llm.openai_client import OpenAIBackend
from epic_lang.testing.sim_server import spawned_sim_server

LINES = 20
PER_LINE_MS = 50
DOWNSTREAM_S = 0.200
GENERATION_S = LINES * PER_LINE_MS / 1000
ANSWER = "".join(f"topic number {i}\n" for i in range(1, LINES + 1))

PROGRAM = """
def main() =
    map(fn(t) => expand(t), lines({call}("List 20 topics", max_tokens=1000)))
"""


@dataclass
class Measure:
    wall: float
    first_line: float | None  # seconds from the first line complete to the first downstream
    first_result: float  # seconds from the start of the run to the first downstream result


async def measure(url: str, call: str, mode: str) -> Measure:
    started: list[float] = []
    finished: list[float] = []
    text: list[str] = []
    first_line: list[float] = []

    async def expand(topic: str) -> str:
        started.append(time.perf_counter())
        await asyncio.sleep(DOWNSTREAM_S)
        finished.append(time.perf_counter())
        return topic.upper()

    def on_stream(record: CallRecord, piece: str) -> None:
        text.append(piece)
        if not first_line and "\n" in piece:
            first_line.append(time.perf_counter())

    program = load_source(PROGRAM.format(call=call), "streaming.epic", externals=[expand])
    backend = OpenAIBackend(url, "sim")
    begin = time.perf_counter()
    result = await program.arun("main", mode=mode, backend=backend, on_stream=on_stream)
    wall = time.perf_counter() - begin
    await backend.aclose()
    assert result.value == [line.upper() for line in ANSWER.splitlines()], result.value
    delay = first_line[0] if first_line else None
    return Measure(wall, None if delay is None else min(started) - delay, min(finished) - begin)


def best(runs: list[Measure]) -> Measure:
    return min(runs, key=lambda m: m.wall)


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        rules = Path(folder) / "rules.json"
        rules.write_text(json.dumps([{"match": "List 20 topics", "answer": ANSWER}]))
        with spawned_sim_server("--per-line-ms", str(PER_LINE_MS), "--rules", str(rules)) as sim:
            await measure(sim.base_url, "llm_stream", "opportunistic")  # warm-up
            variants = {
                "llm_stream": ("llm_stream", "opportunistic"),
                "llm (whole answer first)": ("llm", "opportunistic"),
                "llm_stream --mode sequential": ("llm_stream", "sequential"),
            }
            measured: dict[str, list[Measure]] = {name: [] for name in variants}
            for _ in range(runs):  # interleaved, so that load on the machine hits all alike
                for name, (call, mode) in variants.items():
                    measured[name].append(await measure(sim.base_url, call, mode))
    one = GENERATION_S + DOWNSTREAM_S
    every = GENERATION_S + LINES * DOWNSTREAM_S
    print(
        f"{LINES} lines streamed at {PER_LINE_MS} ms per line, a {DOWNSTREAM_S * 1000:g} ms "
        f"downstream call per line; best of {runs} runs"
    )
    print(f"generation + 1 downstream call = {one:.2f} s; + {LINES} calls = {every:.2f} s")
    for name, values in measured.items():
        m = best(values)
        delays = [v.first_line for v in values if v.first_line is not None]
        first = f"{min(delays) * 1000:7.1f} ms" if delays else "      n/a"
        print(
            f"{name:30} wall {m.wall:5.2f} s  = {m.wall / one:4.2f} x (gen + 1 call)"
            f"  = {m.wall / every:4.2f} x (gen + {LINES} calls)"
            f"  first line -> first downstream call {first}"
            f"  first result after {min(v.first_result for v in values):4.2f} s"
        )
    streaming = measured["llm_stream"]
    goal = min(v.first_line for v in streaming if v.first_line is not None) * 1000
    print(f"goal: first downstream call within 60 ms of the first line: {goal:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args().runs))
