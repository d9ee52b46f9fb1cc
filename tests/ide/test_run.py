"""Running a program for the editor: values, errors with positions, trust, cancellation, in
the server's process and in a worker process."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from epic_lang.ide.document import Analysis
from epic_lang.ide.run import CallCounter, RunRequest, run_program
from epic_lang.ide.run_process import RunWorkers

SLOW_TOOL = """
import asyncio

async def slow(x):
    await asyncio.sleep(30)
    return x
"""


def request(text: str, path: Path, entry: str = "main", trusted: bool = False) -> RunRequest:
    return RunRequest(Analysis(text, str(path)), entry, "opportunistic", {}, trusted)


async def test_value_is_printed_as_epic_run_prints_it(tmp_path: Path) -> None:
    text = 'def main() = {a: [1, 2], b: "x"}\ndef name() = "raw"\n'
    outcome = await run_program(request(text, tmp_path / "m.epic"), CallCounter())
    assert outcome.error is None and outcome.value == '{a: [1, 2], b: "x"}'
    outcome = await run_program(request(text, tmp_path / "m.epic", "name"), CallCounter())
    assert outcome.value == "raw"
    assert outcome.trace == {"wall": outcome.trace["wall"], "calls": [], "events": []}


async def test_runtime_error_has_position_and_trace(tmp_path: Path) -> None:
    text = "def main() =\n    let xs = [1]\n    xs[3]\n"
    outcome = await run_program(request(text, tmp_path / "m.epic"), CallCounter())
    assert outcome.value is None
    assert outcome.error.span.line == 3 and outcome.error.path == str(tmp_path / "m.epic")
    assert "m.epic:3:" in outcome.error.rendered
    assert outcome.trace is not None


async def test_static_errors_stop_the_run_before_it_starts(tmp_path: Path) -> None:
    outcome = await run_program(request("def main() = nope\n", tmp_path / "m.epic"), CallCounter())
    assert "unknown name `nope`" in outcome.error.message
    assert outcome.error.span.col == 14


async def test_untrusted_python_is_refused(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text('open(__file__ + ".ran", "w")\ndef f(x):\n    return x\n')
    text = 'import python "./t.py" as t\ndef main() = t.f(1)\n'
    outcome = await run_program(request(text, tmp_path / "m.epic"), CallCounter())
    assert "not trusted" in outcome.error.message and outcome.error.span.line == 1
    assert not (tmp_path / "t.py.ran").exists()
    outcome = await run_program(request(text, tmp_path / "m.epic", trusted=True), CallCounter())
    assert outcome.value == "1"


async def test_cancelling_the_run_cancels_calls_in_flight(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text(SLOW_TOOL)
    text = 'import python "./t.py" as t\ndef main() = [t.slow(1), t.slow(2)]\n'
    task = asyncio.ensure_future(
        run_program(request(text, tmp_path / "m.epic", trusted=True), CallCounter())
    )
    await asyncio.sleep(0.5)
    task.cancel()
    outcome = await asyncio.wait_for(task, 10)
    assert outcome.error.message == "cancelled"


# -- in a worker process (epic_lang.ide.run_process) ------------------------------------------

LOOP = "def loop(n) = loop(n + 1)\n\ndef main() = loop(0)\n"


async def test_a_worker_answers_as_the_server_itself_would(tmp_path: Path) -> None:
    workers = RunWorkers()
    try:
        for text in (
            'def main() = {a: [1, 2], b: "x"}\n',
            "def main() =\n    let xs = [1]\n    xs[3]\n",
        ):
            here = await run_program(request(text, tmp_path / "m.epic"), CallCounter())
            there = await workers.run(request(text, tmp_path / "m.epic"), lambda _: None)
            assert (there.value, there.error) == (here.value, here.error)
            assert there.trace is not None and here.trace is not None
            assert there.trace["calls"] == here.trace["calls"]
    finally:
        await workers.aclose()


async def test_cancelling_kills_the_worker_and_the_key_never_shows(tmp_path: Path) -> None:
    workers = RunWorkers()
    secret = f"sk-test-{uuid.uuid4()}"
    run = request(LOOP, tmp_path / "m.epic")
    run = RunRequest(run.analysis, "main", "opportunistic", {"apiKey": secret}, False)
    task = asyncio.ensure_future(workers.run(run, lambda _: None))
    try:
        while not workers.pids():
            await asyncio.sleep(0.05)
        (pid,) = workers.pids()
        await asyncio.sleep(0.5)  # well into the loop
        for place in ("cmdline", "environ"):
            assert secret.encode() not in Path(f"/proc/{pid}/{place}").read_bytes()
        task.cancel()
        outcome = await asyncio.wait_for(task, 30)
        assert outcome.error is not None and outcome.error.message == "cancelled"
        assert not Path(f"/proc/{pid}").exists()
    finally:
        await workers.aclose()


@pytest.mark.model
async def test_progress_says_the_local_model_is_loading(tmp_path: Path) -> None:
    """The first call on the local model waits seconds for it to load: the progress line
    says so instead of "0 LLM calls in flight", and returns to counting once it has."""
    from epic_lang.ide.run import LOADING_LOCAL_MODEL

    text = 'def main() = llm("Say hi", max_tokens=1)\n'
    counter = CallCounter()
    seen: set[str] = set()

    async def watch() -> None:
        while True:
            seen.add(counter.describe())
            await asyncio.sleep(0.02)

    watcher = asyncio.ensure_future(watch())
    try:
        outcome = await run_program(request(text, tmp_path / "m.epic"), counter)
    finally:
        watcher.cancel()
    assert outcome.error is None, outcome.error
    assert LOADING_LOCAL_MODEL in seen
    assert counter.describe() == "0 LLM calls in flight, 1 done"


async def test_a_streamed_answer_reaches_the_editor_while_the_run_goes_on(tmp_path: Path) -> None:
    from epic_lang.testing.sim_rules import rules_from_data
    from epic_lang.testing.sim_server import SimConfig, running_sim_server

    answer = "".join(f"line {i}\n" for i in range(6))
    rules = rules_from_data([{"match": "Count", "answer": answer}])
    text = 'def main() =\n    let n = len(lines(llm_stream("Count to six")))\n    print(n)\n'
    received: list[dict] = []
    workers = RunWorkers()
    with running_sim_server(SimConfig(rules=rules, per_line_ms=60)) as sim:
        run = request(text, tmp_path / "s.epic")
        run = RunRequest(run.analysis, "main", "opportunistic", {"baseUrl": sim.base_url}, False)
        try:
            outcome = await workers.run(run, lambda _: None, on_output=received.append)
        finally:
            await workers.aclose()
    assert outcome.error is None and outcome.value == "6"
    *streamed, printed = received
    assert len(streamed) >= 2  # several reports while the answer streamed, not one at the end
    assert {message["kind"] for message in streamed} == {"stream"}
    pieces = [piece for message in streamed for piece in message["pieces"]]
    assert {(p["call"], p["label"]) for p in pieces} == {(0, "llm_stream at line 2")}
    assert "".join(p["text"] for p in pieces) == answer  # all of it before the printed line
    assert printed == {"kind": "print", "text": "6"}
