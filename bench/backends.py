"""LLM backend benchmarks (issue 4): 1,000 concurrent `llm` calls against `epic sim-server`
with 100 ms latency, over real HTTP on loopback.

(a) the calls fired straight at the OpenAI-compatible client (asyncio.gather);
(b) the same calls made by an EPIC program, `map(fn(i) => llm(...), range(1000))`, through the
    evaluator;
each without and with batching (`--batch`: pending calls with equal parameters sent as one
`/v1/completions` request with a list of prompts). Printed: wall time over the 100 ms bound,
throughput in calls per second, HTTP requests the server saw and its peak in-flight count, and
the CPU time per call of the client process and of the server process (which, unlike wall
time, does not depend on how busy the machine is). The server runs in its own process so
that it does not share the client's interpreter lock.

Run: `python bench/backends.py` (about half a minute).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

from epic_lang.llm.interface import LLMRequest
from epic_lang.llm.openai_client import ClientOptions, OpenAIBackend
from epic_lang.llm.sim_server import SimServerHandle, spawned_sim_server

CALLS = 1000
LATENCY = 0.100
REPEAT = 3


def client(url: str, batch: bool) -> OpenAIBackend:
    return OpenAIBackend(url, "sim", options=ClientOptions(batch=batch))


async def direct(url: str, batch: bool) -> float:
    backend = client(url, batch)
    start = time.perf_counter()
    answers = await asyncio.gather(
        *(backend.complete(LLMRequest("llm", prompt=f"question {i}")) for i in range(CALLS))
    )
    wall = time.perf_counter() - start
    await backend.aclose()
    assert len(answers) == CALLS and all(answers)
    return wall


async def through_program(url: str, batch: bool) -> float:
    from epic_lang.eval.program import load_source

    program = load_source('def main() = map(fn(i) => llm(f"question {i}"), range(1000))')
    backend = client(url, batch)
    start = time.perf_counter()
    result = await program.arun("main", backend=backend)
    wall = time.perf_counter() - start
    await backend.aclose()
    assert len(result.value) == CALLS
    return wall


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    sim: SimServerHandle, run: Callable[[str, bool], Awaitable[float]], batch: bool
) -> list[str]:
    walls, requests, peaks, client_cpu, server_cpu = [], [], [], [], []
    for _ in range(REPEAT):
        sim.reset_stats()
        assert sim.pid is not None
        server_before, client_before = process_cpu(sim.pid), time.process_time()
        walls.append(asyncio.run(run(sim.base_url, batch)))
        client_cpu.append(time.process_time() - client_before)
        server_cpu.append(process_cpu(sim.pid) - server_before)
        stats = sim.stats()
        requests.append(stats["requests"])
        peaks.append(stats["peak_in_flight"])
    best, median = min(walls), statistics.median(walls)
    return [
        f"wall best {best * 1000:6.0f} ms = {best / LATENCY:5.2f} x 100 ms "
        f"(median {median / LATENCY:5.2f} x), {CALLS / best:5.0f} calls/s",
        f"{max(requests)} HTTP requests, peak in flight {max(peaks)}, CPU per call: client "
        f"{statistics.median(client_cpu) / CALLS * 1e6:4.0f} us, server "
        f"{statistics.median(server_cpu) / CALLS * 1e6:4.0f} us",
    ]


def main() -> int:
    print(f"{CALLS} concurrent llm calls, sim-server latency {LATENCY * 1000:g} ms, "
          f"best of {REPEAT}")
    with spawned_sim_server("--latency-ms", str(LATENCY * 1000)) as sim:
        for label, run in (("(a) client", direct), ("(b) EPIC program", through_program)):
            for batch in (False, True):
                timing, load = measure(sim, run, batch)
                mode = "batched" if batch else "unbatched"
                print(f"{label} {mode}: {timing}\n    {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
