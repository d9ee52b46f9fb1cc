"""LLM client benchmarks over real HTTP on loopback, against `epic sim-server` in its own
process (so that it does not share the client's interpreter lock).

Speed (issue 13): 500 and 5,000 concurrent calls at 200 ms latency, made side by side in one
run against the same server by
- EPIC: `map(fn(i) => llm(...), range(N))` through the evaluator and EPIC's client;
- aiohttp by hand: one `ClientSession`, `asyncio.gather` of `session.post(...)`;
- the official openai client: one `AsyncOpenAI`, `asyncio.gather`;
- httpx on the `httpx-aiohttp` transport, by hand (the other library EPIC's client could
  have been built on);
- EPIC with `--batch` (pending calls with equal parameters sent as one `/v1/completions`
  request with a list of prompts: not the same requests, so not part of the ratio goal).
Every contender may hold all N requests in flight (no connection cap below N: EPIC's
`max_concurrency`, aiohttp's `limit=0`, openai's `max_connections`); otherwise each runs with
its defaults (EPIC and openai retry failed requests, aiohttp does not).
Printed per contender: the best wall time of the rounds and its ratio to aiohttp's best, the
median, and the median CPU time per call of the client process and of the server process
(which, unlike wall time, does not depend on how busy the machine is). Rounds alternate the
contenders, so a busy moment of the machine does not fall on one of them only, and each
starts from a collected heap, so that none pays for the garbage of the one before.

Faults (issue 10): the client rides out a 3 s outage of the server (connections refused, or
503 for every request) with 2,000 calls in flight; a silent server fails a call after the
read timeout; a call slower than the read timeout is sent once. Printed: calls completed, wall
time, requests the server received. Many calls: `epic run` of a program making 20,000 calls
with the open-file limit at 1,024 (soft and hard); printed: calls completed, peak RSS (goal:
under 300 MB) and peak open descriptors of the `epic run` process.

Run: `python bench/backends.py [--section speed|faults|many-calls] [--rounds N]` (the openai
client is in the `bench` extra).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import httpx_aiohttp
import openai

from epic_lang.eval.program import Program, load_source
from epic_lang.llm.interface import LLMError, LLMRequest
from epic_lang.llm.openai_client import ClientOptions, OpenAIBackend
from epic_lang.llm.retry import RetryPolicy
from epic_lang.testing.sim_server import SimServerHandle, spawned_sim_server

SIZES = (500, 5000)
LATENCY_MS = 200
ROUNDS = 5
MAX_TOKENS = 8


def prompt(i: int) -> str:
    return f"question {i}"


def chat_body(i: int) -> dict[str, Any]:
    """The body EPIC sends for `llm(f"question {i}", max_tokens=8)`."""
    return {
        "model": "sim",
        "temperature": 0.0,
        "max_tokens": MAX_TOKENS,
        "messages": [{"role": "user", "content": prompt(i)}],
    }


Run = Callable[[str, int], Coroutine[Any, Any, None]]


@functools.cache
def fan_out(calls: int) -> Program:
    """The EPIC program, loaded (parsed and checked) once, outside the timed rounds."""
    return load_source(
        f'def main() = map(fn(i) => llm(f"question {{i}}", max_tokens={MAX_TOKENS}), '
        f"range({calls}))"
    )


async def epic(url: str, calls: int, batch: bool = False) -> None:
    program = fan_out(calls)
    options = ClientOptions(max_concurrency=calls, batch=batch)
    backend = OpenAIBackend(url, "sim", options=options)
    try:
        result = await program.arun("main", backend=backend)
    finally:
        await backend.aclose()
    assert len(result.value) == calls and all(result.value)


async def epic_batched(url: str, calls: int) -> None:
    await epic(url, calls, batch=True)


async def aiohttp_by_hand(url: str, calls: int) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def one(i: int) -> str:
            async with session.post(url + "/chat/completions", json=chat_body(i)) as response:
                response.raise_for_status()
                answer = await response.json()
            return answer["choices"][0]["message"]["content"]

        texts = await asyncio.gather(*(one(i) for i in range(calls)))
    assert len(texts) == calls and all(texts)


async def httpx_on_aiohttp(url: str, calls: int) -> None:
    """httpx with the `httpx-aiohttp` transport: the other candidate for EPIC's client."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    transport = httpx_aiohttp.AiohttpTransport(client=session)
    async with httpx.AsyncClient(transport=transport, timeout=120) as client:

        async def one(i: int) -> str:
            response = await client.post(url + "/chat/completions", json=chat_body(i))
            response.raise_for_status()
            return response.json()["choices"][0]["message"]["content"]

        texts = await asyncio.gather(*(one(i) for i in range(calls)))
    assert len(texts) == calls and all(texts)


async def openai_client(url: str, calls: int) -> None:
    limits = httpx.Limits(max_connections=calls, max_keepalive_connections=calls)
    async with openai.AsyncOpenAI(
        base_url=url,
        api_key="sim",
        http_client=openai.DefaultAsyncHttpxClient(limits=limits),
    ) as client:

        async def one(i: int) -> str:
            answer = await client.chat.completions.create(
                model="sim",
                messages=[{"role": "user", "content": prompt(i)}],
                temperature=0.0,
                max_tokens=MAX_TOKENS,
            )
            return answer.choices[0].message.content or ""

        texts = await asyncio.gather(*(one(i) for i in range(calls)))
    assert len(texts) == calls and all(texts)


CONTENDERS: tuple[tuple[str, Run], ...] = (
    ("EPIC", epic),
    ("aiohttp", aiohttp_by_hand),
    ("openai", openai_client),
    ("httpx-aiohttp", httpx_on_aiohttp),
    ("EPIC --batch", epic_batched),
)


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(slots=True)
class Timings:
    walls: list[float] = field(default_factory=list)
    client_cpu: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)
    requests: int = 0
    peak: int = 0
    failures: list[str] = field(default_factory=list)


def one_round(sim: SimServerHandle, run: Run, calls: int, into: Timings) -> None:
    sim.reset_stats()
    assert sim.pid is not None
    # Every round starts from a collected heap, untimed. Otherwise the objects the previous
    # contenders left in the oldest generation (the openai client's rounds leave the most)
    # trigger a full collection of this process's whole heap (over 100,000 objects: tens of
    # milliseconds) in whichever contender happens to run next, and at 500 calls that decided
    # the ratios more than the contenders did.
    gc.collect()

    async def timed() -> tuple[float, float, float]:
        server, cpu, wall = process_cpu(sim.pid or 0), time.process_time(), time.perf_counter()
        await run(sim.base_url, calls)
        return (
            time.perf_counter() - wall,
            time.process_time() - cpu,
            process_cpu(sim.pid or 0) - server,
        )

    try:
        wall, cpu, server = asyncio.run(timed())
    except Exception as exc:  # a failed round is reported, and the others still count
        into.failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
        return
    into.walls.append(wall)
    into.client_cpu.append(cpu)
    into.server_cpu.append(server)
    stats = sim.stats()
    into.requests = max(into.requests, stats["requests"])
    into.peak = max(into.peak, stats["peak_in_flight"])


def speed(rounds: int) -> None:
    print(
        f"concurrent llm calls, sim-server latency {LATENCY_MS} ms, best of {rounds} rounds; "
        "ratio: best wall / aiohttp's best wall"
    )
    with spawned_sim_server("--latency-ms", str(LATENCY_MS)) as sim:
        for calls in SIZES:
            timings = {name: Timings() for name, _ in CONTENDERS}
            fan_out(calls)
            for _ in range(rounds):
                for name, run in CONTENDERS:
                    one_round(sim, run, calls, timings[name])
            baseline = min(timings["aiohttp"].walls, default=float("nan"))
            print(f"{calls} calls")
            for name, _ in CONTENDERS:
                t = timings[name]
                failed = f"  {len(t.failures)} rounds failed: {t.failures[0]}" if t.failures else ""
                if not t.walls:
                    print(f"    {name:14} failed{failed}")
                    continue
                best = min(t.walls)
                print(
                    f"    {name:14} wall {best * 1000:6.0f} ms  ratio {best / baseline:5.2f}  "
                    f"(median {statistics.median(t.walls) * 1000:6.0f} ms)  CPU per call: "
                    f"client {statistics.median(t.client_cpu) / calls * 1e6:4.0f} us, server "
                    f"{statistics.median(t.server_cpu) / calls * 1e6:4.0f} us  "
                    f"({t.requests} requests, peak in flight {t.peak}){failed}"
                )


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
        f"{wall:.1f} s; peak RSS {run.peak_rss_mb:.0f} MB (goal under 300 MB), "
        f"peak open descriptors {run.peak_fds}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--section", choices=("speed", "faults", "many-calls"), action="append")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds per contender")
    args = parser.parse_args()
    sections = args.section or ["speed", "faults", "many-calls"]
    if "speed" in sections:
        speed(args.rounds)
    if "faults" in sections:
        faults()
    if "many-calls" in sections:
        print_many_calls()
    return 0


if __name__ == "__main__":
    sys.exit(main())
