"""Failure handling (`_try`, `fail`), racing (`first`), ordering (`after`) and output
(`print`, `log`) in both modes, with real Python externals whose latencies are set by the
test, so that the schedules the semantics talk about (a sibling still in flight, a body whose
unused call fails late) really happen."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from epic_lang.eval.errors import ERROR_KINDS, EpicRuntimeError
from epic_lang.eval.program import RunResult, load_source
from epic_lang.testing.fake import FakeBackend

MODES = ("opportunistic", "sequential")


async def slow(x: Any, seconds: float = 0.2) -> Any:
    await asyncio.sleep(seconds)
    return x


async def boom(message: str, seconds: float = 0.0) -> Any:
    await asyncio.sleep(seconds)
    raise ValueError(message)


def run(text: str, mode: str, **kwargs: Any) -> RunResult:
    program = load_source(text, "handlers.epic", externals=[slow, boom])
    return program.run("main", mode=mode, backend=FakeBackend(fail_on=("FAIL",)), **kwargs)


def both(text: str, **kwargs: Any) -> Any:
    """The value in both modes, checked to agree."""
    values = [run(text, mode, **kwargs).value for mode in MODES]
    assert values[0] == values[1]
    return values[0]


def records(result: RunResult, name: str) -> list[Any]:
    return [c for c in result.trace.calls if c.name == name]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ('json_parse("{bad")', "json"),
        ("[1, 2][5]", "index"),
        ("{a: 1}.b", "index"),
        ('1 + "a"', "type"),
        ('int("x")', "value"),
        ("10 // 0", "value"),
        ('(match 3 with case 1 => "one")', "match"),
        ('fail("bad answer")', "user"),
        ('boom("broken")', "python"),
        ('llm("please FAIL")', "llm"),
    ],
)
def test_a_handler_gets_the_kind_message_site_and_stack(body: str, kind: str) -> None:
    source = f"def check() = {body}\ndef main() = _try(fn() => check(), fn(err) => err)\n"
    err = both(source)
    assert err["kind"] == kind and kind in ERROR_KINDS
    assert err["site"].startswith("handlers.epic:1:")
    assert err["message"]
    assert err["stack"][0].startswith("check at handlers.epic:1:")
    assert any(entry.startswith("main at handlers.epic:2:") for entry in err["stack"])


def test_the_body_value_when_nothing_fails() -> None:
    assert both("def main() = _try(fn() => [slow(1), 2], fn(err) => 0)") == [1, 2]


def test_a_failure_in_one_element_of_a_map_is_handled_there_and_the_others_go_on() -> None:
    source = """
def score(x) = _try(fn() => if x == 2 then boom("no") else slow(x * 10, 0.05), fn(e) => e.kind)
def main() = map(score, [1, 2, 3])
"""
    assert both(source) == [10, "python", 30]


def test_siblings_outside_the_failing_scope_are_not_cancelled() -> None:
    source = """
def main() =
    let long = slow("kept", 0.2)
    let caught = _try(fn() => boom("fast"), fn(e) => "handled")
    [long, caught]
"""
    result = run(source, "opportunistic")
    assert result.value == ["kept", "handled"]
    (long,) = records(result, "slow")
    assert long.status == "ok" and not long.discarded


def test_calls_in_flight_in_the_failing_scope_are_cancelled_and_marked_discarded() -> None:
    source = """
def main() = _try(fn() => [slow("never", 5), boom("at once")], fn(e) => e.message)
"""
    result = run(source, "opportunistic")
    assert result.value == "external call `boom` failed: ValueError: at once"
    (cancelled,) = records(result, "slow")
    assert cancelled.status == "cancelled" and cancelled.discarded
    assert result.trace.wall < 5  # cancelled, not waited for (a hang guard, not a speed limit)


def test_a_failure_of_an_unused_call_in_the_body_is_still_handled() -> None:
    """The body's value is known at once, but in sequential mode the unused call fails
    inside the body, so the handler must run in opportunistic mode too."""
    source = """
def main() = _try(fn() => let unused = boom("late", 0.1) in "value", fn(e) => "handled")
"""
    assert both(source) == "handled"


def test_a_handler_that_fails_is_handled_by_the_try_around_it() -> None:
    source = """
def main() =
    _try(fn() => _try(fn() => fail("inner"), fn(e) => fail(f"again: {e.message}")),
         fn(e) => e.message)
"""
    assert both(source) == "again: inner"


def test_an_unhandled_failure_still_stops_the_run_at_the_users_code() -> None:
    for mode in MODES:
        with pytest.raises(EpicRuntimeError) as info:
            run('def main() = _try(fn() => 1, fn(e) => 0) + fail("stop")', mode)
        assert info.value.kind == "user"
        assert info.value.render().startswith("handlers.epic:1:")


def test_first_takes_the_fastest_success_and_cancels_the_rest() -> None:
    source = """
def main() = first([fn() => slow("slow", 5), fn() => boom("fails"), fn() => slow("fast", 0.05)])
"""
    result = run(source, "opportunistic")
    assert result.value == "fast"
    statuses = {c.args: (c.status, c.discarded) for c in records(result, "slow")}
    assert statuses['"slow", 5'] == ("cancelled", True)
    assert statuses['"fast", 0.05'] == ("ok", False)


def test_first_in_sequential_mode_tries_the_alternatives_in_order() -> None:
    source = 'def main() = first([fn() => boom("a"), fn() => slow("b", 0), fn() => slow("c", 0)])'
    result = run(source, "sequential")
    assert result.value == "b"
    assert [c.name for c in result.trace.calls] == ["boom", "slow"]


def test_first_fails_with_the_first_error_when_all_fail() -> None:
    source = 'def main() = first([fn() => boom("one", 0.1), fn() => boom("two")])'
    for mode in MODES:
        with pytest.raises(EpicRuntimeError, match="all 2 alternatives of `first` failed"):
            run(source, mode)
        with pytest.raises(EpicRuntimeError, match="ValueError: one"):
            run(source, mode)


def test_after_runs_the_second_effect_only_once_the_first_is_complete() -> None:
    store: dict[str, int] = {}

    async def write(key: str, value: int) -> int:
        await asyncio.sleep(0.05)
        store[key] = value
        return value

    def read(key: str) -> int | None:
        return store.get(key)

    source = 'def main() = after(write("k", 7), fn() => read("k"))'
    for mode in MODES:
        store.clear()
        program = load_source(source, "after.epic", externals=[write, read])
        assert program.run("main", mode=mode).value == 7


def test_print_and_log_return_their_value_and_write_lines_and_trace_events() -> None:
    source = """
def main() =
    let a = print(slow("first", 0.05))
    log("sum", [1, 2] |> sum) + len(a)
"""
    for mode in MODES:
        lines: list[str] = []
        result = run(source, mode, output=lines.append)
        assert result.value == 8
        assert sorted(lines) == ["first", "sum: 3"]
        events = result.trace.events
        assert [e.text for e in events] == lines
        assert {(e.path, e.line) for e in events} == {("handlers.epic", 3), ("handlers.epic", 4)}
    # Sequential mode prints in program order; opportunistic as soon as a value is complete.
    seq: list[str] = []
    run(source, "sequential", output=seq.append)
    assert seq == ["first", "sum: 3"]
    opp: list[str] = []
    run(source, "opportunistic", output=opp.append)
    assert opp == ["sum: 3", "first"]


def test_thousands_of_nested_handlers_settle_and_fail_without_python_recursion() -> None:
    settle = "def f(n) = if n == 0 then 0 else _try(fn() => f(n - 1), fn(e) => -1)\n"
    assert both(settle + "def main() = f(3000)") == 0
    rethrow = "def f(n) = if n == 0 then [][1] else _try(fn() => f(n - 1), fn(e) => fail(e.kind))\n"
    assert both(rethrow + "def main() = _try(fn() => f(3000), fn(e) => e.message)") == "user"


def test_the_kinds_in_the_language_reference_are_the_evaluators() -> None:
    import re
    from pathlib import Path

    reference = Path(__file__).parents[2] / "docs" / "language.md"
    text = reference.read_text(encoding="utf-8").split("## 13.", 1)[1]
    rows = re.findall(r"^\| `(\w+)` \| (.+) \|$", text, re.M)
    fields = ("kind", "message", "site", "stack")  # the table of the error record's fields
    assert {k: v for k, v in rows if k not in fields} == ERROR_KINDS


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("first(5)", "`first` expects a list of functions, got int"),
        ("first([])", "`first` needs at least one alternative"),
        ("first([1])", "`first` expects a list of functions (`fn() => ...`), found int"),
        ('log(1, "x")', "`log` expects label to be a str, got int"),
        ("id(_try)(fn() => 1)", "`_try` is missing argument 'handler'"),
        ("after(1, 2)", "cannot call a value of type int"),
    ],
)
def test_misuse_is_a_clear_error_at_the_call(call: str, message: str) -> None:
    for mode in MODES:
        with pytest.raises(EpicRuntimeError) as info:
            run(f"def main() = id({call})\ndef id(x) = x\n", mode)
        assert info.value.render().startswith("handlers.epic:1:")
        assert message in info.value.message
