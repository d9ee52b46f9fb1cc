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

Faults (issue 10): the client rides out a 3 s outage of the server (connections refused, or
503 for every request) with 2,000 calls in flight; a silent server fails a call after the
read timeout; a call slower than the read timeout is sent once. Printed: calls completed, wall
time, requests the server received. Many calls: `epic run` of a program making 20,000 calls
with the open-file limit at 1,024 (soft and hard); printed: calls completed, peak RSS and
peak open descriptors of the `epic run` process.

Run: `python bench/backends.py [--section speed|faults|many-calls]` (about two minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from epic_lang.llm.interface import LLMError, LLMRequest
from epic_lang.llm.openai_client import ClientOptions, OpenAIBackend
from epic_lang.llm.retry import RetryPolicy
from epic_lang.testing.sim_server import SimServerHandle, spawned_sim_server

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
    sim: SimServerHandle, run: Callable[[str, bool], Coroutine[Any, Any, float]], batch: bool
) -> list[str]:
    walls: list[float] = []
    client_cpu: list[float] = []
    server_cpu: list[float] = []
    requests: list[int] = []
    peaks: list[int] = []
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


def speed() -> None:
    print(
        f"{CALLS} concurrent llm calls, sim-server latency {LATENCY * 1000:g} ms, best of {REPEAT}"
    )
    with spawned_sim_server("--latency-ms", str(LATENCY * 1000)) as sim:
        for label, run in (("(a) client", direct), ("(b) EPIC program", through_program)):
            for batch in (False, True):
                timing, load = measure(sim, run, batch)
                mode = "batched" if batch else "unbatched"
                print(f"{label} {mode}: {timing}\n    {load}")


async def through_outage(sim: SimServerHandle, mode: str, outage: float, calls: int) -> str:
    backend = OpenAIBackend(sim.base_url, "sim")

    async def outage_soon() -> None:
        await asyncio.sleep(0.3)
        await asyncio.to_thread(sim.start_outage, outage, mode)

    start = time.perf_counter()
    results, _ = await asyncio.gather(
        asyncio.gather(
            *(backend.complete(LLMRequest("llm", prompt=f"q{i}")) for i in range(calls)),
            return_exceptions=True,
        ),
        outage_soon(),
    )
    wall = time.perf_counter() - start
    await backend.aclose()
    done = sum(not isinstance(r, BaseException) for r in results)
    stats = sim.stats()
    return (
        f"{mode} outage of {outage:g} s: {done}/{calls} calls completed in {wall:.1f} s; "
        f"{stats['requests']} requests received, {stats['by_status'].get('503', 0)} answered 503"
    )


async def one_failing_call(sim: SimServerHandle, prompt: str, options: ClientOptions) -> str:
    backend = OpenAIBackend(sim.base_url, "sim", options=options)
    start = time.perf_counter()
    try:
        await backend.complete(LLMRequest("llm", prompt=prompt))
        outcome = "answered"
    except LLMError:
        outcome = "failed"
    wall = time.perf_counter() - start
    await backend.aclose()
    return f"{outcome} after {wall:.2f} s; requests received: {sim.stats()['requests']}"


def faults() -> None:
    print("faults: 2,000 calls (100 ms latency) through a 3 s outage starting 0.3 s in")
    with spawned_sim_server("--latency-ms", "100") as sim:
        for mode in ("refuse", "503"):
            sim.reset_stats()
            print("   ", asyncio.run(through_outage(sim, mode, 3.0, 2000)))
    with tempfile.TemporaryDirectory() as folder:
        rules = Path(folder) / "rules.json"
        rules.write_text(
            json.dumps(
                [
                    {"match": "silent", "silent": True},
                    {"match": "slow", "latency_ms": 3000},
                ]
            )
        )
        with spawned_sim_server("--rules", str(rules)) as sim:
            for label, prompt, options in (
                ("silent server, read_timeout 2 s", "silent", ClientOptions(read_timeout=2)),
                ("3 s call, read_timeout 1 s", "slow", ClientOptions(read_timeout=1)),
                (
                    "3 s call, read_timeout 1 s, retry_unsafe",
                    "slow",
                    ClientOptions(read_timeout=1, retry=RetryPolicy(retry_unsafe=True)),
                ),
            ):
                sim.reset_stats()
                print(f"    {label}: {asyncio.run(one_failing_call(sim, prompt, options))}")


@dataclass(frozen=True, slots=True)
class ChildRun:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    peak_fds: int


def run_with_file_limit(command: list[str], env: dict[str, str], nofile: int) -> ChildRun:
    """Run `command` with RLIMIT_NOFILE at `nofile` (soft and hard: it cannot be raised),
    sampling its open descriptors; its peak RSS comes from wait4."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env, preexec_fn=limit)
        peak_fds = 0
        deadline = time.monotonic() + 600
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            with suppress(OSError):
                peak_fds = max(peak_fds, len(os.listdir(f"/proc/{child.pid}/fd")))
            if time.monotonic() > deadline:
                child.kill()
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(child.returncode, out.read(), err.read(), usage.ru_maxrss / 1024, peak_fds)


def many_calls(calls: int = 20_000, nofile: int = 1024, latency_ms: float = 20) -> ChildRun:
    """`epic run` of a program making `calls` llm calls, with the open-file limit at
    `nofile`, against a sim-server in its own process."""
    with (
        spawned_sim_server("--latency-ms", str(latency_ms)) as sim,
        tempfile.TemporaryDirectory() as folder,
    ):
        program = Path(folder) / "many.epic"
        program.write_text(
            f'def main() = len(map(fn(i) => llm(f"question {{i}}", max_tokens=2), '
            f"range({calls})))\n"
        )
        env = {**os.environ, "EPIC_LLM_BASE_URL": sim.base_url}
        for name in ("EPIC_CACHE_DIR", "EPIC_LLM_MODEL", "EPIC_LLM_API_KEY", "OPENAI_API_KEY"):
            env.pop(name, None)
        command = [sys.executable, "-m", "epic_lang", "run", str(program), "--json"]
        return run_with_file_limit(command, env, nofile)


def print_many_calls() -> None:
    start = time.perf_counter()
    run = many_calls()
    wall = time.perf_counter() - start
    done = run.stdout.strip() if run.returncode == 0 else f"failed ({run.stderr.strip()[-300:]})"
    print(
        f"many calls: epic run of 20,000 llm calls under ulimit -n 1024: result {done} in "
        f"{wall:.1f} s; peak RSS {run.peak_rss_mb:.0f} MB, peak open descriptors {run.peak_fds}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--section", choices=("speed", "faults", "many-calls"), action="append")
    sections = parser.parse_args().section or ["speed", "faults", "many-calls"]
    if "speed" in sections:
        speed()
    if "faults" in sections:
        faults()
    if "many-calls" in sections:
        print_many_calls()
    return 0


if __name__ == "__main__":
    sys.exit(main())
