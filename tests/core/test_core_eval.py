"""The prelude and the desugared constructs on the real evaluator, in both modes: the same
results as the reference interpreter, deep lists, and the schedules the prelude is written
for (every `f` of a `map` in flight together; source order in sequential mode)."""

from __future__ import annotations

import random

import pytest
from core_cases import PRELUDE_CASES, PROGRAM_CASES

from epic_lang.eval import load_source
from epic_lang.testing.fake import FakeBackend

MODES = ("sequential", "opportunistic")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("expr", "expected"), PRELUDE_CASES, ids=[c[0] for c in PRELUDE_CASES])
def test_prelude_function(expr: str, expected: object, mode: str) -> None:
    assert load_source(f"def main() = {expr}\n").call("main", mode=mode) == expected


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("source", "expected"), PROGRAM_CASES)
def test_program(source: str, expected: object, mode: str) -> None:
    assert load_source(source).call("main", mode=mode) == expected


DEEP = """
def main(n) =
    let xs = range(n)
    let doubled = map(fn(x) => 2 * x, xs)
    (
        len(doubled),
        sum(doubled),
        fold(fn(acc, x) => acc + x, 0, xs),
        len(filter(fn(x) => x % 3 == 0, xs)),
        reverse(xs)[0],
        zip(xs, doubled)[n - 1],
    )
"""


@pytest.mark.parametrize("mode", MODES)
def test_deep_lists(mode: str) -> None:
    """A 100,000-element list through the building blocks of the prelude."""
    n = 100_000
    expected = (n, n * (n - 1), n * (n - 1) // 2, len(range(0, n, 3)), n - 1, (n - 1, 2 * (n - 1)))
    assert load_source(DEEP).call("main", n, mode=mode) == expected


LONG = """
def main(n) =
    let xs = range(n)
    (
        enumerate(xs)[5],
        count(fn(x) => x % 2 == 0, xs),
        all(fn(x) => x >= 0, xs),
        any(fn(x) => x == n - 1, xs),
        find_first(fn(x) => x > n - 3, xs),
        max_by(fn(x) => x % 1000, xs),
        min_by(fn(x) => -(x % 1000), xs),
        len(flat_map(fn(x) => [x, x], xs)),
        take(3, drop(n - 5, xs)),
        iterate_until(fn(i) => i >= n, fn(i) => i + 1, 0),
        sort_by(fn(x) => -x, xs)[0],
        sort_by(fn(x) => x % 7, xs)[n - 1],
    )
"""


@pytest.mark.parametrize("mode", MODES)
def test_long_lists(mode: str) -> None:
    n = 5000
    expected = (
        (5, 5),
        n // 2,
        True,
        True,
        n - 2,
        999,
        999,
        2 * n,
        [n - 5, n - 4, n - 3],
        n,
        n - 1,
        max(x for x in range(n) if x % 7 == 6),
    )
    assert load_source(LONG).call("main", n, mode=mode) == expected


@pytest.mark.parametrize("mode", MODES)
def test_sort_by_is_a_stable_sort(mode: str) -> None:
    program = load_source("def main(xs) = sort_by(fn(p) => p[0], xs)\n")
    rng = random.Random(11)
    for size in (0, 1, 2, 3, 7, 33, 64, 300):
        xs = [(rng.randrange(10), i) for i in range(size)]
        assert program.call("main", xs, mode=mode) == sorted(xs, key=lambda p: p[0])


@pytest.mark.parametrize(
    "expr",
    [
        "map(ask, range(12))",
        "filter(fn(x) => len(ask(x)) > 0, range(12))",
        'any(fn(x) => ask(x) == "", range(12))',
        "all(fn(x) => len(ask(x)) > 0, range(12))",
        "count(fn(x) => len(ask(x)) > 0, range(12))",
        "find_first(fn(x) => len(ask(x)) > 0, range(12))",
        "sort_by(ask, range(12))",
        "max_by(ask, range(12))",
        "min_by(ask, range(12))",
        "flat_map(fn(x) => [ask(x)], range(12))",
    ],
)
def test_every_application_starts_at_once(expr: str) -> None:
    """Under opportunistic evaluation the prelude never makes one element wait for another:
    all twelve model calls are in flight together."""
    source = f'def ask(x) = llm(f"question {{x}}")\n\ndef main() = {expr}\n'
    backend = FakeBackend(latency=0.05)
    load_source(source).call("main", backend=backend)
    assert backend.max_in_flight == 12
    assert len(backend.requests) == 12


SEQUENTIAL_ORDER = """
def ask(x) = llm(f"{x}")

def pick(a) = fn(b) => a + b

def main() =
    let a = ask(1) + ask(2)
    let b = ask(3) |> pick(ask(4))
    let c = {x: ask(5), y: [ask(6), (ask(7), ask(8))]}
    let d = if ask(9) == "" then ask(0) else f"{ask(10)}{ask(11)}"
    let e = map(ask, [12, 13, 14, 15])
    let g = match ask(16) with
        case "" => ask(0)
        case _ => ask(17)
    [a, b, d, g]
"""


def test_sequential_mode_calls_in_source_order() -> None:
    backend = FakeBackend()
    load_source(SEQUENTIAL_ORDER).call("main", mode="sequential", backend=backend)
    prompts = [request.prompt for request in backend.requests]
    assert prompts == [str(i) for i in range(1, 18)]
