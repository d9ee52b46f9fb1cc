"""Evaluator benchmarks (issue 3), printed side by side in one run:

(a) 1,000 independent external calls of 50 ms: wall time over the 50 ms bound, with the fixed
    start-up cost (time until the last call was sent) reported separately;
(b) 10,000 zero-latency calls: dispatch cost per call, over the same program without calls;
(c) naive fib(22) and a Church-encoded counting loop, EPIC against the same in CPython;
(d) a 100,000-deep non-tail recursion: time and peak memory.

Run: `python bench/evaluator.py` (about half a minute).
"""

from __future__ import annotations

import asyncio
import sys
import time
import tracemalloc

from epic_lang.eval.externals import external
from epic_lang.eval.program import load_source
from epic_lang.testing.fake import FakeBackend

GOALS = {"a": 1.05, "b": 50.0, "c": 30.0}


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_parallel_calls(mode: str = "opportunistic") -> list[tuple[str, str, str]]:
    rows = []
    llm_prog = load_source('def main() = map(fn(i) => llm(f"question {i}"), range(1000))')

    @external(name="bench_sleep")
    async def bench_sleep(i: int) -> int:
        await asyncio.sleep(0.05)
        return i

    py_prog = load_source("def main() = map(bench_sleep, range(1000))", externals=[bench_sleep])
    for label, prog in (("fake LLM", llm_prog), ("async Python", py_prog)):
        best = None
        for _ in range(3):
            result = prog.run("main", mode=mode, backend=FakeBackend(latency=0.05))
            calls = result.trace.calls
            startup = max(c.start for c in calls)
            ratio = (result.trace.wall - startup) / 0.05
            if best is None or ratio < best[0]:
                best = (ratio, startup, result.trace.wall)
        ratio, startup, wall = best
        rows.append(
            (
                f"(a) 1000 x 50 ms calls, {label}",
                f"wall {wall * 1000:.1f} ms = start-up {startup * 1000:.1f} ms "
                f"+ {ratio:.3f} x 50 ms",
                f"<= {GOALS['a']} x",
            )
        )
    return rows


def asyncio_floor(n: int) -> float:
    """Seconds per call of what any dispatch costs before the evaluator does anything: one
    asyncio task running the fake backend (the same backend the measured program calls)."""
    from epic_lang.llm.interface import LLMRequest

    async def go() -> float:
        backend = FakeBackend()
        requests = [LLMRequest("llm", prompt=f"q{i}") for i in range(n)]
        loop = asyncio.get_running_loop()
        start = time.perf_counter()
        await asyncio.gather(*[loop.create_task(backend.complete(r)) for r in requests])
        return (time.perf_counter() - start) / n

    return min(asyncio.run(go()) for _ in range(3))


def bench_dispatch() -> list[tuple[str, str, str]]:
    n = 10_000
    floor = asyncio_floor(n)
    rows = [
        (
            "(b) floor: asyncio task + fake backend alone",
            f"{floor * 1e6:.1f} us per call (included in the lines below)",
            "",
        )
    ]
    with_calls = load_source(f'def main() = map(fn(i) => llm(f"q{{i}}"), range({n}))')
    without = load_source(f'def main() = map(fn(i) => f"q{{i}}", range({n}))')
    for mode in ("opportunistic", "sequential"):
        t_calls = timed(lambda m=mode: with_calls.run("main", mode=m, backend=FakeBackend()))
        t_pure = timed(lambda m=mode: without.run("main", mode=m))
        per_call = (t_calls - t_pure) / n * 1e6
        rows.append(
            (
                f"(b) 10000 zero-latency calls, {mode}",
                f"{per_call:.1f} us per call (total {t_calls * 1000:.0f} ms, "
                f"pure part {t_pure * 1000:.0f} ms)",
                f"<= {GOALS['b']:.0f} us",
            )
        )
    return rows


FIB = "def fib(n) = if n < 2 then n else fib(n - 1) + fib(n - 2)\n"
COUNT = "def count(n, acc) = if n == 0 then acc else count(n - 1, acc + 1)\n"


def py_fib(n: int) -> int:
    return n if n < 2 else py_fib(n - 1) + py_fib(n - 2)


def church_true(t, f):  # noqa: ANN001, ANN201 - the Python twin of the prelude's booleans
    return t()


def church_false(t, f):  # noqa: ANN001, ANN201
    return f()


def py_count(n: int, acc: int) -> int:
    return (church_true if n == 0 else church_false)(lambda: acc, lambda: py_count(n - 1, acc + 1))


def paired(epic_run, py_run, py_repeat: int, rounds: int = 5) -> tuple[float, float, float]:
    """EPIC and CPython timed alternately (the CPython side repeated to a similar duration,
    so both sample the same machine load); returns the best EPIC time, the best CPython time
    per run and the best ratio of one round."""
    best_epic = best_py = best_ratio = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        epic_run()
        t_epic = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(py_repeat):
            py_run()
        t_py = (time.perf_counter() - start) / py_repeat
        best_epic, best_py = min(best_epic, t_epic), min(best_py, t_py)
        best_ratio = min(best_ratio, t_epic / t_py)
    return best_epic, best_py, best_ratio


def bench_pure() -> list[tuple[str, str, str]]:
    rows = []
    fib = load_source(FIB)
    count = load_source(COUNT)
    for mode in ("opportunistic", "sequential"):
        t_fib, t_py_fib, r_fib = paired(
            lambda m=mode: fib.call("fib", 22, mode=m), lambda: py_fib(22), 30
        )
        t_count, t_py_count, r_count = paired(
            lambda m=mode: count.call("count", 90_000, 0, mode=m),
            lambda: [py_count(300, 0) for _ in range(300)],
            1,
        )
        rows.append(
            (
                f"(c) fib(22), {mode}",
                f"{t_fib * 1000:.0f} ms vs CPython {t_py_fib * 1000:.1f} ms: {r_fib:.1f}x",
                f"<= {GOALS['c']:.0f}x",
            )
        )
        rows.append(
            (
                f"(c) Church counting loop 90000 steps, {mode}",
                f"{t_count * 1000:.0f} ms vs CPython {t_py_count * 1000:.1f} ms: {r_count:.1f}x",
                f"<= {GOALS['c']:.0f}x",
            )
        )
    return rows


def bench_deep() -> list[tuple[str, str, str]]:
    rows = []
    prog = load_source("def down(n) = if n == 0 then 0 else 1 + down(n - 1)\n")
    for mode in ("opportunistic", "sequential"):
        tracemalloc.start()
        start = time.perf_counter()
        assert prog.call("down", 100_000, mode=mode) == 100_000
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(
            (
                f"(d) 100000-deep recursion, {mode}",
                f"completes in {elapsed * 1000:.0f} ms (traced), peak {peak / 2**20:.1f} MiB",
                "completes",
            )
        )
    return rows


def main() -> int:
    rows = [*bench_parallel_calls(), *bench_dispatch(), *bench_pure(), *bench_deep()]
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'measured':<70} goal")
    for name, measured, goal in rows:
        print(f"{name:<{width}}  {measured:<70} {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
