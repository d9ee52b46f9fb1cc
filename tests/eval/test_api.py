"""The Python API: load, call, acall, run_source, `external`, Python and EPIC imports, and
the trace as data."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import epic_lang
from epic_lang.eval.trace import critical_path, timeline
from epic_lang.process_settings import ctrl_c_stops_runs
from epic_lang.testing.fake import FakeBackend


def test_load_and_call_convert_values(tmp_path: Path) -> None:
    path = tmp_path / "prog.epic"
    path.write_text(
        "def pairs(xs, flag) = {items: zip(xs, xs), flag: not flag, none_: none}\n"
        'def main() = "hi"\n'
    )
    program = epic_lang.load(path)
    value = program.call("pairs", [1, 2], True)
    assert value == {"items": [(1, 1), (2, 2)], "flag": False, "none_": None}
    assert program.call("main", mode="sequential") == "hi"


async def test_acall_awaits_in_the_running_loop() -> None:
    program = epic_lang.load_source("def ask(q) = llm(q, max_tokens=5)")
    backend = FakeBackend(rules={"capital": "Paris"})
    assert await program.acall("ask", "capital of France?", backend=backend) == "Paris"
    assert backend.requests[0].max_tokens == 5


def test_run_source_gives_value_and_trace() -> None:
    result = epic_lang.run_source('def main() = [llm("a"), llm("b")]', backend=FakeBackend())
    assert len(result.value) == 2
    data = result.trace.to_dict()
    assert [c["name"] for c in data["calls"]] == ["llm", "llm"]
    assert set(data["calls"][0]) == {
        "id",
        "name",
        "kind",
        "path",
        "line",
        "col",
        "start",
        "end",
        "status",
        "args",
        "result",
        "after",
        "discarded",
        "prompt_tokens",
        "completion_tokens",
    }
    chrome = result.trace.to_chrome()
    assert sum(1 for e in chrome["traceEvents"] if e["ph"] == "X") == 2
    json.dumps(chrome)
    assert "2 calls" in result.trace.summary()


def test_external_decorator_sync_and_async() -> None:
    @epic_lang.external
    def shout(s: str, times: int = 1) -> str:
        return s.upper() * times

    @epic_lang.external(name="is_even")
    async def even(n: int) -> bool:
        return n % 2 == 0

    result = epic_lang.run_source(
        'def main() = (shout("a", times=2), if is_even(4) then "even" else "odd", is_even(3))',
        externals=[shout, even],
    )
    assert result.value == ("AA", "even", False)
    assert [c.kind for c in result.trace.calls] == ["external"] * 3


def test_python_imports(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text(
        "def pair(a, b):\n    return (a, [b, {'k': True}])\n"
        "async def twice(x):\n    return 2 * x\n"
        "LIMIT = 7\n"
    )
    (tmp_path / "main.epic").write_text(
        'import python "math" as math\n'
        'import python "./tools.py" as tools\n'
        'def main() = (math.sqrt(16.0), tools.pair(1, "x"), tools.twice(21), tools.LIMIT)\n'
    )
    result = epic_lang.load(tmp_path / "main.epic").run("main")
    assert result.value == (4.0, (1, ["x", {"k": True}]), 42, 7)
    assert [c.name for c in result.trace.calls] == ["math.sqrt", "tools.pair", "tools.twice"]
    assert all(c.kind == "python" for c in result.trace.calls)


def test_epic_module_import(tmp_path: Path) -> None:
    (tmp_path / "lib.epic").write_text('let greeting = "hello"\ndef greet(n) = f"{greeting} {n}"\n')
    (tmp_path / "main.epic").write_text(
        'import "./lib.epic" as lib\ndef main() = (lib.greet("bob"), lib.greeting)\n'
    )
    assert epic_lang.load(tmp_path / "main.epic").call("main") == ("hello bob", "hello")


def test_top_level_lets_run_in_dependency_order() -> None:
    text = "let b = f() + 1\ndef f() = a * 2\nlet a = 10\ndef main() = b"
    for mode in ("opportunistic", "sequential"):
        assert epic_lang.load_source(text).call("main", mode=mode) == 21


def test_critical_path_and_timeline() -> None:
    text = """
def main() =
    let a = llm("one")
    let b = llm("two")
    llm(a + b)
"""
    result = epic_lang.run_source(text, backend=FakeBackend(latency=0.02))
    data = result.trace.to_dict()
    length, chain = critical_path(data)
    assert len(chain) == 2 and chain[-1] == 2
    assert 0.035 < length <= data["wall"] + 1e-6
    chart = timeline(data)
    assert chart.count("\n") == 3 and "#" in chart


def test_calling_a_missing_definition_is_an_error() -> None:
    program = epic_lang.load_source("def main() = 1")
    try:
        program.call("nope")
    except epic_lang.EpicRuntimeError as e:
        assert "no definition `nope`" in e.message
    else:
        raise AssertionError("expected an error")


def test_llm_externals_build_requests_and_shape_results() -> None:
    backend = FakeBackend()
    text = """
def main() =
    (llm("p", system="s", temperature=0.5, max_tokens=9, stop=["x"]),
     llm_chat([{role: "user", content: "hi"}]),
     llm_sample("q", 2),
     llm_next("r", k=3))
"""
    answer, chat, samples, nexts = epic_lang.run_source(text, backend=backend).value
    assert isinstance(answer, str) and isinstance(chat, str)
    assert len(samples) == 2 and samples[0] != samples[1]
    assert len(nexts) == 3 and all(isinstance(t, str) and isinstance(lp, float) for t, lp in nexts)
    first, chat_req, sample_req, next_req = backend.requests
    assert (first.kind, first.system, first.temperature, first.max_tokens, first.stop) == (
        "llm",
        "s",
        0.5,
        9,
        ("x",),
    )
    assert chat_req.messages == (("user", "hi"),)
    assert (sample_req.n, sample_req.temperature) == (2, 0.8)
    assert next_req.k == 3


def test_python_objects_stay_opaque_and_their_methods_are_externals(tmp_path: Path) -> None:
    (tmp_path / "objs.py").write_text(
        "class Counter:\n    def __init__(self, start):\n        self.start = start\n"
        "    def plus(self, n):\n        return self.start + n\n"
    )
    (tmp_path / "main.epic").write_text(
        'import python "./objs.py" as objs\n'
        "def main() =\n    let c = objs.Counter(10)\n    (c.plus(5), c.start)\n"
    )
    result = epic_lang.load(tmp_path / "main.epic").run("main")
    assert result.value == (15, 10)
    assert [c.name for c in result.trace.calls] == ["objs.Counter", "Counter.plus"]


def test_only_the_epic_command_takes_over_ctrl_c_during_a_run() -> None:
    """A program embedding EPIC keeps its SIGINT handling (under `asyncio.run`, asyncio's);
    the `epic` command (`ctrl_c_stops_runs`) gives it to the run, to stop pure loops. The
    handler is looked at by a second call, made while the run steps its machine on the event
    loop (the first starts that loop)."""
    seen: list[Any] = []

    @epic_lang.external
    async def sigint_handler(_after: str) -> str:
        seen.append(signal.getsignal(signal.SIGINT))
        return "seen"

    program = epic_lang.load_source(
        'def main() = sigint_handler(sigint_handler(""))', externals=[sigint_handler]
    )
    before = signal.getsignal(signal.SIGINT)
    program.run("main")
    with ctrl_c_stops_runs():
        program.run("main")
    _, library, _, command = seen
    assert isinstance(library.func.__self__, asyncio.Runner)  # asyncio.run's own
    assert command.__qualname__.endswith("_interruptible_machine.<locals>.on_sigint")
    assert signal.getsignal(signal.SIGINT) is before
