"""Native code (eval/native.py, eval/native_prelude.py): pure functions run as Python functions
and give exactly what the machine gives; anything else goes back to the machine unseen."""

from __future__ import annotations

import asyncio

import pytest

from epic_lang.core.prelude import prelude_core, prelude_text
from epic_lang.eval.errors import EpicRuntimeError
from epic_lang.eval.externals import external
from epic_lang.eval.machine import CompiledLam
from epic_lang.eval.program import Program, load_source, parse_and_desugar
from epic_lang.eval.values import Closure

MODES = ("opportunistic", "sequential")


def lam_of(program: Program, name: str, opportunistic: bool = True) -> CompiledLam:
    """The compiled form of a definition in the unit the program's runs use."""
    unit = program._unit(opportunistic)
    program._idle[opportunistic].append(unit)
    f = unit.gvals[unit.gnames[name]]
    assert type(f) is Closure
    return f.lam


def without_prelude_loops(text: str) -> Program:
    """The same program over the prelude as written in EPIC (no hand-written loops)."""
    return Program(parse_and_desugar(text, "test.epic", {}), text, prelude_core(), prelude_text())


@pytest.mark.parametrize("mode", MODES)
def test_a_pure_recursive_function_runs_natively(mode: str) -> None:
    program = load_source("def fib(n) = if n < 2 then n else fib(n - 1) + fib(n - 2)\n")
    assert program.call("fib", 20, mode=mode) == 6765
    lam = lam_of(program, "fib", mode == "opportunistic")
    assert lam.native is not None and lam.native.__name__ == "native"
    assert lam.misses == 0


@pytest.mark.parametrize("mode", MODES)
def test_recursion_deeper_than_python_allows_goes_back_to_the_machine(mode: str) -> None:
    program = load_source("def down(n) = if n == 0 then 0 else 1 + down(n - 1)\n")
    assert program.call("down", 100_000, mode=mode) == 100_000
    assert program.call("down", 100_000, mode=mode) == 100_000


@pytest.mark.parametrize("mode", MODES)
def test_a_self_tail_call_is_a_loop(mode: str) -> None:
    text = "def count(n, acc) = if n == 0 then acc else count(n - 1, acc + 1)\n"
    program = load_source(text)
    assert program.call("count", 1_000_000, 0, mode=mode) == 1_000_000
    assert lam_of(program, "count", mode == "opportunistic").misses == 0


@pytest.mark.parametrize("mode", MODES)
def test_an_error_in_native_code_is_reported_by_the_machine_as_before(mode: str) -> None:
    text = "def inv(x) = 10 // x\n\ndef main() = map(inv, [5, 2, 0, 1])\n"
    with pytest.raises(EpicRuntimeError) as native:
        load_source(text, "test.epic").call("main", mode=mode)
    with pytest.raises(EpicRuntimeError) as machine:
        without_prelude_loops(text).call("main", mode=mode)
    assert native.value.render() == machine.value.render()
    assert native.value.render().startswith("test.epic:1:14: error: division by zero")


def test_a_function_that_calls_an_external_gets_no_native_code() -> None:
    program = load_source('def ask(q) = llm(q)\n\ndef main() = map(ask, ["a", "b"])\n')
    from epic_lang.testing.fake import FakeBackend

    program.run("main", backend=FakeBackend())
    assert lam_of(program, "ask").native is None


@external(name="slow_double")
async def slow_double(x: int) -> int:
    await asyncio.sleep(0.01 * (3 - x % 3))
    return 2 * x


@pytest.mark.parametrize("mode", MODES)
def test_pending_elements_leave_native_loops_and_every_call_starts_at_once(mode: str) -> None:
    text = "def main() = sum(map(fn(x) => x + 1, map(slow_double, range(6))))\n"
    result = load_source(text, externals=[slow_double]).run("main", mode=mode)
    assert result.value == sum(2 * x + 1 for x in range(6))
    calls = result.trace.calls
    if mode == "opportunistic":
        assert max(c.start for c in calls) < min(c.end for c in calls)


CASES = [
    'def main() = sort_by(fn(x) => x[0], [(2, "a"), (1, "b"), (2, "c"), (1, "d"), (0, "e")])',
    'def main() = sort_by(fn(x) => x, [3.5, float("nan"), 1, 2.5, float("nan"), 0])',
    "def main() = sort_by(fn(x) => x, [[2], [1, 5], [1]])",
    'def main() = sort_by(fn(x) => x, ["b", "a", "c", "a"])',
    'def main() = filter(fn(c) => c != "b", "abcb")',
    "def main() = flatten([[1], [], [2, 3]])",
    'def main() = flatten(["ab", "cd"])',
    "def main() = flat_map(fn(x) => (x, x), [1, 2])",
    'def main() = fold(fn(a, x) => a + x, "", ["a", "b", "c"])',
    "def main() = sum([1, 2.5, 3])",
    "def main() = max_by(fn(x) => x % 7, range(30))",
    'def main() = min_by(fn(x) => len(x), ["ccc", "a", "bb", "d"])',
    'def main() = zip(range(5), "abc")',
    "def main() = enumerate((7, 8))",
    'def main() = map(fn(x) => f"{x}!", [1, "a", 2.5, none, [1]])',
    "def main() = filter(fn(x) => fn(t, f) => t(), [1, 2])",
]
ERRORS = [
    'def main() = sum([1, "a"])',
    'def main() = sort_by(fn(x) => x, [1, "a"])',
    "def main() = map(fn(x) => x + 1, {a: 1})",
    "def main() = max_by(fn(x) => x, [])",
    "def main() = filter(fn(x) => x, [1])",
    "def main() = flatten([1, [2]])",
    "def main() = fold(fn(a, x) => a + x, 0, [1, none])",
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("text", CASES)
def test_prelude_loops_agree_with_the_prelude_in_epic(text: str, mode: str) -> None:
    got = load_source(text).call("main", mode=mode)
    expected = without_prelude_loops(text).call("main", mode=mode)
    assert repr(got) == repr(expected)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("text", ERRORS)
def test_prelude_loops_fail_as_the_prelude_in_epic_does(text: str, mode: str) -> None:
    with pytest.raises(EpicRuntimeError) as native:
        load_source(text, "test.epic").call("main", mode=mode)
    with pytest.raises(EpicRuntimeError) as machine:
        without_prelude_loops(text).call("main", mode=mode)
    assert native.value.render() == machine.value.render()
