"""`map` of a program's function over a list runs as one loop frame (`map_loop.py`) instead
of the prelude's halves; it must be unobservable: the same values, the same calls in the
same order with the same sites and causes, the same errors with the same call stacks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from epic_lang.eval.errors import EpicRuntimeError
from epic_lang.eval.map_loop import MapLoop
from epic_lang.eval.program import load_source
from epic_lang.testing.fake import FakeBackend


def _map_range_lam() -> Any:
    from epic_lang.eval.program import _standard_prelude_unit

    unit = _standard_prelude_unit(True)
    return unit.gvals[unit.gnames["_map_range"]].lam


@contextmanager
def _halves() -> Iterator[None]:
    """The prelude's own `_map_range` for the duration."""
    lam = _map_range_lam()
    loop = lam.body
    assert isinstance(loop, MapLoop)
    lam.body = loop.halves
    try:
        yield
    finally:
        lam.body = loop


def _outcome(source: str, latency: float) -> Any:
    backend = FakeBackend(latency=latency, fail_on=("boom",))
    try:
        result = load_source(source, "t.epic").run("main", backend=backend)
    except EpicRuntimeError as e:
        return ("error", str(e), e.kind)
    calls = [
        (c.name, c.args, c.path, c.line, c.col, c.after, c.status, c.result)
        for c in result.trace.calls
    ]
    events = [(e.text, e.path, e.line, e.col) for e in result.trace.events]
    return (result.value, calls, events)


PROGRAMS = [
    # Every element's call at once, of 3 to 9 elements (leaves of one and of two elements).
    *(
        f'def main() = map(fn(i) => llm(f"q {{i}}", max_tokens=8), range({n}))'
        for n in range(3, 10)
    ),
    # Elements that must wait (for an earlier call) are split off; the next ones go on.
    'def main() = map(fn(x) => llm(llm(x)), ["a", "b", "c", "d", "e"])',
    'def main() = map(fn(x) => len(llm(x)) + len(llm(x + "!")), ["a", "b", "c", "d"])',
    # Pure elements, and one that fails (the native code gives up, the machine reports it).
    "def main() = map(fn(x) => x * 2, [1, 2, 3, 4, 5])",
    "def main() = map(fn(x) => 10 // (x - 3), [1, 2, 3, 4, 5])",
    # A failing call, in the user's code and in the prelude's (no user's site on the stack).
    'def main() = map(fn(x) => llm(x), ["a", "b", "boom", "d"])',
    'def main() = map(fn(x) => map(llm, [x]), ["a", "b", "boom", "d"])',
    "def f(x) = llm(x)\ndef main() =\n"
    '    let ys = map(fn(x) => f(x + "!"), ["a", "b", "c", "boom"])\n    ys',
    # Handlers, printing and a list of pending values.
    'def main() = map(fn(x) => try llm(x) catch e => "caught", ["a", "boom", "c"])',
    'def main() = map(fn(x) => print(llm(x)), ["a", "b", "c"])',
    "def main() = try map(fn(x) => 10 // (x - 3), [1, 2, 3, 4]) catch e => e.message",
    'def main() = try map(fn(x) => llm(x), ["a", "boom", "c"]) catch e => e.kind',
    'def main() =\n    let xs = map(fn(x) => llm(x), ["a", "b", "c"])\n'
    "    map(fn(y) => llm(y), xs)",
    # A function run inline (no frames of its own) that meets a pending element.
    'def main() =\n    let xs = map(fn(x) => llm(x), ["a", "b", "c", "d"])\n'
    '    map(fn(y) => y + "!", xs)',
    'def main() =\n    let xs = map(fn(x) => llm(x), ["a", "b", "c"])\n'
    "    map(fn(y) => len(y), xs)",
    'def main() =\n    let ys = map(fn(y) => y + "!", [llm("a"), "b", "c", "d"])\n    map(llm, ys)',
    'def main() = map(fn(y) => 10 // (len(y) - 15), [llm("a"), "b", "c", "d"])',
    # Tuples, a function of two parameters and a prelude function: the halves.
    'def main() = map(fn(x) => llm(x), ("a", "b", "c"))',
    'def main() = map(fn(x, y=1) => llm(x), ["a", "b", "c"])',
    'def main() = map(llm, ["a", "b", "c"])',
]


@pytest.mark.parametrize("source", PROGRAMS)
@pytest.mark.parametrize("latency", [0.0, 0.01])
def test_the_loop_does_what_the_halves_do(source: str, latency: float) -> None:
    looped = _outcome(source, latency)
    with _halves():
        halved = _outcome(source, latency)
    assert looped == halved


def test_the_loop_runs_the_users_map() -> None:
    """The loop stands in for the halves (else the comparison above compares nothing)."""
    seen = []
    lam = _map_range_lam()
    loop = lam.body

    def spy(env: list, th: Any) -> Any:
        seen.append(len(th.stack))
        return loop(env, th)

    lam.body = spy
    try:
        source = 'def main() = map(fn(i) => llm(f"q {i}"), range(100))'
        load_source(source).run("main", backend=FakeBackend())
    finally:
        lam.body = loop
    assert len(seen) == 1  # one call of `_map_range`, not one per half
