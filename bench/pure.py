"""Pure EPIC against CPython (issue 13, goal 1): the workloads of the issue and the prelude's
other higher-order functions, as a table of EPIC / CPython ratios measured side by side in one
run.

EPIC is timed in-process on a loaded program (`Program.run`, so net of start-up: parsing,
checking and compiling happen once, before timing; the result's conversion to a Python value
is included), CPython on the same program written with Python's own higher-order functions
(`map`, `filter`, `functools.reduce`, `sorted(key=)`, `max(key=)`, a lambda wherever EPIC has
a `fn`), timed in-process too; both must give the same value. Each side is the best of several
rounds, taken alternately so both sample the same machine load. Both strategies are shown.

Run: `python bench/pure.py [--rounds N] [--mode opportunistic|sequential|both]` (about a
minute).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from epic_lang.eval.program import load_source

GOAL = 10.0


def py_fib(n: int) -> int:
    return n if n < 2 else py_fib(n - 1) + py_fib(n - 2)


@dataclass(frozen=True)
class Workload:
    """One row: an EPIC `main()` and the same work in Python, which must agree."""

    name: str
    epic: str
    python: Callable[[], Any]


WORKLOADS = (
    Workload(
        "fib(25)",
        "def fib(n) = if n < 2 then n else fib(n - 1) + fib(n - 2)\ndef main() = fib(25)\n",
        lambda: py_fib(25),
    ),
    Workload(
        "sum(map(fn(i) => i * 2 + 1, range(200000)))",
        "def main() = sum(map(fn(i) => i * 2 + 1, range(200000)))\n",
        lambda: sum(map(lambda i: i * 2 + 1, range(200000))),
    ),
    Workload(
        "sort_by 20,000 ints (xs built with map)",
        "def main() =\n"
        "    let xs = map(fn(i) => (i * 7919) % 20000, range(20000))\n"
        "    sort_by(fn(x) => 0 - x, xs)\n",
        lambda: sorted(list(map(lambda i: (i * 7919) % 20000, range(20000))), key=lambda x: 0 - x),
    ),
    Workload(
        "50,000 f-strings, filter with find, join",
        "def main() =\n"
        '    let items = map(fn(i) => f"item {i}", range(50000))\n'
        '    join(filter(fn(s) => find(s, "7") >= 0, items), ",")\n',
        lambda: ",".join(
            filter(lambda s: s.find("7") >= 0, list(map(lambda i: f"item {i}", range(50000))))
        ),
    ),
    Workload(
        "filter(fn(x) => x % 3 == 0, 100,000 ints)",
        "def main() = filter(fn(x) => x % 3 == 0, range(100000))\n",
        lambda: list(filter(lambda x: x % 3 == 0, range(100000))),
    ),
    Workload(
        "fold(fn(a, x) => a + x * x, 0, 100,000 ints)",
        "def main() = fold(fn(a, x) => a + x * x, 0, range(100000))\n",
        lambda: functools.reduce(lambda a, x: a + x * x, range(100000), 0),
    ),
    Workload(
        "flat_map(fn(x) => [x, x + 1], 50,000 ints)",
        "def main() = flat_map(fn(x) => [x, x + 1], range(50000))\n",
        lambda: list(itertools.chain.from_iterable(map(lambda x: [x, x + 1], range(50000)))),
    ),
    Workload(
        "zip of two 100,000-int lists",
        "def main() =\n    let xs = range(100000)\n    zip(xs, xs)\n",
        lambda: list(zip(list(range(100000)), list(range(100000)), strict=True)),
    ),
    Workload(
        "enumerate of 100,000 ints",
        "def main() = enumerate(range(100000))\n",
        lambda: list(enumerate(list(range(100000)))),
    ),
    Workload(
        "max_by(fn(x) => (x * 7919) % 100003, 100,000 ints)",
        "def main() = max_by(fn(x) => (x * 7919) % 100003, range(100000))\n",
        lambda: max(list(range(100000)), key=lambda x: (x * 7919) % 100003),
    ),
)


def best_of(run: Callable[[], Any], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def measure(w: Workload, mode: str, rounds: int) -> tuple[float, float]:
    program = load_source(w.epic)
    expected = w.python()
    got = program.call("main", mode=mode)
    if got != expected:
        raise SystemExit(f"{w.name}: EPIC gave a different result than CPython")
    t_epic = t_py = float("inf")
    for _ in range(rounds):
        t_epic = min(t_epic, best_of(lambda: program.run("main", mode=mode), 1))
        t_py = min(t_py, best_of(w.python, 3))
    return t_epic, t_py


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mode", choices=("opportunistic", "sequential", "both"), default="both")
    parser.add_argument("--only", default="", help="run the workloads whose name has this")
    options = parser.parse_args()
    modes = ("opportunistic", "sequential") if options.mode == "both" else (options.mode,)
    width = max(len(w.name) for w in WORKLOADS)
    print(f"{'workload':<{width}}  {'mode':<13} {'EPIC ms':>9} {'CPython ms':>10} {'ratio':>7}")
    worst = 0.0
    for w in WORKLOADS:
        if options.only not in w.name:
            continue
        for mode in modes:
            t_epic, t_py = measure(w, mode, options.rounds)
            ratio = t_epic / t_py
            worst = max(worst, ratio)
            print(
                f"{w.name:<{width}}  {mode:<13} {t_epic * 1000:9.1f} {t_py * 1000:10.2f} "
                f"{ratio:6.1f}x"
            )
    print(f"worst ratio {worst:.1f}x (goal <= {GOAL:.0f}x)")
    return 0 if worst <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
