"""Runtime errors: message, position and EPIC call stack; in-flight calls cancelled and
awaited; no thread or task left behind."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from helpers import run

from epic_lang.eval.errors import EpicRuntimeError
from epic_lang.eval.externals import external
from epic_lang.eval.program import load_source
from epic_lang.eval.trace import Trace
from epic_lang.testing.fake import FakeBackend


def test_error_renders_position_and_stack() -> None:
    text = """def get_item(xs, i) = xs[i] + 1

def walk(n) = if n == 0 then get_item([1, 2], 5) else 1 + walk(n - 1)

def main() = (walk(3), 1)
"""
    for mode in ("opportunistic", "sequential"):
        with pytest.raises(EpicRuntimeError) as info:
            run(text, mode)
        rendered = info.value.render()
        lines = rendered.splitlines()
        assert lines[0] == "test.epic:1:23: error: index 5 out of range for list of length 2"
        assert "  in get_item at test.epic:1:23" in lines
        assert "  in walk at test.epic:3:30" in lines
        assert "  in walk at test.epic:3:55" in lines
        assert "  in main at test.epic:5:14" in lines
        assert "Traceback" not in rendered


def test_failed_external_stops_the_program_and_cancels_the_rest() -> None:
    text = """
def main() =
    let slow = llm("slow one")
    let bad = llm("please fail")
    slow + bad
"""
    backend = FakeBackend(latency=lambda r: 0.02 if "fail" in r.prompt else 5.0, fail_on=("fail",))
    started = time.perf_counter()
    trace = Trace()
    with pytest.raises(EpicRuntimeError) as info:
        load_source(text, "test.epic").run("main", backend=backend, trace=trace)
    assert time.perf_counter() - started < 4  # the 5 s call was cancelled, not awaited out
    assert "external call `llm` failed" in info.value.message
    assert info.value.span is not None and info.value.span.line == 4
    statuses = {c.args: c.status for c in trace.calls}
    assert statuses == {'"slow one"': "cancelled", '"please fail"': "error"}
    assert backend.in_flight == 0


def test_no_threads_or_tasks_left_behind() -> None:
    @external(name="slow_py")
    def slow_py(x: int) -> int:
        time.sleep(0.05)
        return x

    before = threading.active_count()
    text = """
def main() =
    let a = map(slow_py, [1, 2, 3])
    let b = [1][5]
    a
"""

    async def go() -> set:
        with pytest.raises(EpicRuntimeError):
            program = load_source(text, "t.epic", externals=[slow_py])
            await program.arun("main", backend=FakeBackend())
        return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}

    assert asyncio.run(go()) == set()
    assert threading.active_count() == before


def test_cancelling_a_run_cancels_its_calls() -> None:
    """What Ctrl-C does: the run's task is cancelled; calls in flight are cancelled too."""
    backend = FakeBackend(latency=10.0)
    program = load_source('def main() = map(fn(i) => llm(f"q{i}"), range(3))', "t.epic")

    async def go() -> None:
        task = asyncio.ensure_future(program.arun("main", backend=backend))
        await asyncio.sleep(0.05)
        assert backend.in_flight == 3
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert backend.in_flight == 0

    asyncio.run(go())


def test_bad_llm_argument_is_an_epic_error() -> None:
    with pytest.raises(EpicRuntimeError) as info:
        run("def main() = llm(42)")
    assert "`llm` expects prompt to be a str, got int" in info.value.render()


def test_deep_recursion_error_has_bounded_stack() -> None:
    text = "def down(n) = if n == 0 then [][0] else 1 + down(n - 1)\ndef main() = down(50000)"
    with pytest.raises(EpicRuntimeError) as info:
        run(text, "sequential")
    assert len(info.value.stack) <= 12


def test_error_in_a_split_thread_keeps_the_callers_in_its_stack() -> None:
    text = """def check(x) = if len(x) > 0 then [1][len(x)] else 0

def outer(q) = (check(llm(q)), 5)

def main() = [outer("a"), 2]
"""
    with pytest.raises(EpicRuntimeError) as info:
        run(text, "opportunistic", 0.01)
    lines = info.value.render().splitlines()
    assert lines[0].startswith("test.epic:1:35: error: index ")
    assert lines[2:] == [
        "  in check at test.epic:1:35",
        "  in outer at test.epic:3:16",
        "  in main at test.epic:5:14",
    ]


def test_a_call_inside_lines_of_a_stream_has_one_stack_line_per_function() -> None:
    # `len`, `lines` and `llm_stream` wait for the failing call inside one call of `main`
    # (and `let`s for their values): each leaves a frame, none is a line of the stack.
    text = """def expand(x) =
    let a = upper(llm(f"Expand {x}"))
    a

def main() =
    let n = len(lines(llm_stream(expand("y"))))
    n
"""
    backend = FakeBackend(fail_on=("Expand",))
    for mode in ("opportunistic", "sequential"):
        with pytest.raises(EpicRuntimeError) as info:
            load_source(text, "test.epic").run("main", mode=mode, backend=backend)
        lines = info.value.render().splitlines()
        assert lines[0] == (
            "test.epic:2:19: error: external call `llm` failed: fake failure for prompt 'Expand y'"
        )
        assert lines[2:] == ["  in expand at test.epic:2:19", "  in main at test.epic:6:23"]
