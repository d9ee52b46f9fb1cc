"""End to end: the ▶ Run lens's `epic/run` request against `epic sim-server`, with progress,
the `epic/trace` notification, runtime errors as diagnostics, trust, and cancellation."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from lsp_harness import Editor, position_of
from lsprotocol import types

from epic_lang.testing.sim_rules import rules_from_data
from epic_lang.testing.sim_server import SimConfig, SimServerHandle, running_sim_server

PROGRAM = """\
def ask(q) = llm(f"Answer briefly: {q}", max_tokens=8)

def main() =
    let a = ask("one")
    let b = ask("two")
    [a, b]

def broken() =
    let xs = [1, 2]
    xs[5]
"""

PY_PROGRAM = 'import python "./tools.py" as tools\n\ndef main() = tools.f(6)\n'


@pytest.fixture
def sim() -> Iterator[SimServerHandle]:
    with running_sim_server(SimConfig(latency_ms=200)) as handle:
        yield handle


@pytest.fixture
def slow_sim() -> Iterator[SimServerHandle]:
    with running_sim_server(SimConfig(latency_ms=20_000)) as handle:
        yield handle


def run_params(editor: Editor, entry: str = "main", **extra: Any) -> dict[str, Any]:
    return {
        "uri": editor.uri("run.epic"),
        "entry": entry,
        "mode": "opportunistic",
        "trace": True,
        **extra,
    }


async def send_run(editor: Editor, params: dict[str, Any], msg_id: str | None = None) -> Any:
    return await editor.client.protocol.send_request_async("epic/run", params, msg_id=msg_id)


def as_dict(value: Any) -> Any:
    """Custom results come back as attribute objects; compare them as plain data."""
    if isinstance(value, list):
        return [as_dict(v) for v in value]
    if hasattr(value, "_asdict"):
        return {k: as_dict(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: as_dict(v) for k, v in value.items()}
    return value


async def test_run_through_the_lens_against_sim_server(
    editor: Editor, sim: SimServerHandle
) -> None:
    editor.configure(trustedPython=False, llm={"baseUrl": sim.base_url, "model": "sim"})
    await editor.open("run.epic", PROGRAM)
    token = "epic-run-test"
    editor.client.progress_reports[token] = []  # a client-made token, as VS Code's
    result = as_dict(await send_run(editor, run_params(editor, workDoneToken=token)))
    assert result["error"] is None
    assert result["value"].startswith("[") and result["value"].count('"') >= 4
    calls = result["trace"]["calls"]
    assert [c["name"] for c in calls] == ["llm", "llm"]
    # Both calls were in flight at once (opportunistic evaluation).
    assert max(c["start"] for c in calls) < min(c["end"] for c in calls)

    reports = editor.client.progress_reports[token]
    assert reports[0].kind == "begin" and reports[0].title == "EPIC: running main"
    assert reports[-1].kind == "end" and reports[-1].message.startswith("done in")
    assert any(r.kind == "report" and "in flight" in r.message for r in reports)

    traces = editor.client.traces
    trace = as_dict(await editor.wait_for(lambda: traces[-1] if traces else None))
    assert trace["entry"] == "main" and trace["uri"] == editor.uri("run.epic")
    assert len(trace["trace"]["calls"]) == 2


async def test_printed_lines_and_token_usage_reach_the_editor(
    editor: Editor, sim: SimServerHandle
) -> None:
    editor.configure(trustedPython=False, llm={"baseUrl": sim.base_url, "model": "sim"})
    text = PROGRAM + '\ndef chatty() =\n    let a = print(ask("one"))\n    log("length", len(a))\n'
    await editor.open("run.epic", text)
    result = as_dict(await send_run(editor, run_params(editor, entry="chatty")))
    assert result["error"] is None
    outputs = editor.client.outputs
    lines = await editor.wait_for(lambda: outputs if len(outputs) == 2 else None)
    printed = [as_dict(line) for line in lines]
    assert all(p["uri"] == editor.uri("run.epic") and p["entry"] == "chatty" for p in printed)
    assert all(p["kind"] == "print" for p in printed)
    assert printed[1]["text"] == f"length: {result['value']}"
    events = result["trace"]["events"]
    assert [e["text"] for e in events] == [p["text"] for p in printed]
    assert [e["line"] for e in events] == [13, 14]
    (call,) = result["trace"]["calls"]
    assert call["prompt_tokens"] > 0 and call["completion_tokens"] > 0


async def test_a_streamed_answer_shows_while_the_run_goes_on(editor: Editor) -> None:
    answer = "".join(f"step {i}\n" for i in range(5))
    rules = rules_from_data([{"match": "Plan", "answer": answer}])
    with running_sim_server(SimConfig(rules=rules, per_line_ms=60)) as sim:
        editor.configure(trustedPython=False, llm={"baseUrl": sim.base_url, "model": "sim"})
        text = 'def main() = map(upper, lines(llm_stream("Plan it")))\n'
        await editor.open("run.epic", text)
        result = as_dict(await send_run(editor, run_params(editor)))
    assert result["error"] is None and result["value"].count("STEP") == 5
    outputs = [as_dict(o) for o in editor.client.outputs]
    assert len(outputs) >= 2 and {o["uri"] for o in outputs} == {editor.uri("run.epic")}
    assert {o["kind"] for o in outputs} == {"stream"}
    pieces = [piece for o in outputs for piece in o["pieces"]]
    assert "".join(p["text"] for p in pieces) == answer
    assert {p["label"] for p in pieces} == {"llm_stream at line 1"}


async def test_sequential_run_gives_the_same_value(editor: Editor, sim: SimServerHandle) -> None:
    editor.configure(trustedPython=False, llm={"baseUrl": sim.base_url, "model": "sim"})
    await editor.open("run.epic", PROGRAM)
    first = as_dict(await send_run(editor, run_params(editor)))
    second = as_dict(await send_run(editor, run_params(editor, mode="sequential")))
    assert first["value"] == second["value"]
    calls = second["trace"]["calls"]
    assert calls[0]["end"] <= calls[1]["start"]


async def test_runtime_error_is_answered_and_published(
    editor: Editor, sim: SimServerHandle
) -> None:
    editor.configure(trustedPython=False, llm={"baseUrl": sim.base_url, "model": "sim"})
    await editor.open("run.epic", PROGRAM)
    result = as_dict(await send_run(editor, run_params(editor, entry="broken")))
    error = result["error"]
    assert result["value"] is None
    assert error["uri"] == editor.uri("run.epic")
    assert error["range"]["start"]["line"] == 9
    assert "run.epic:10:" in error["rendered"]

    def runtime() -> Any:
        found = editor.client.diagnostics.get(editor.uri("run.epic"), [])
        return [d for d in found if d.code == "runtime"] or None

    (diag,) = await editor.wait_for(runtime)
    assert diag.range.start.line == 9
    # The next edit clears it.
    version = editor.change("run.epic", PROGRAM + "\n")
    assert await editor.diagnostics(editor.uri("run.epic"), version) == []


async def test_untrusted_workspace_never_runs_python(editor: Editor) -> None:
    editor.write("tools.py", 'open(__file__ + ".ran", "w").write("x")\ndef f(x):\n    return x\n')
    await editor.open("run.epic", PY_PROGRAM)
    result = as_dict(await send_run(editor, run_params(editor)))
    assert "not trusted" in result["error"]["message"]
    assert not (editor.folder / "tools.py.ran").exists()


async def test_trusted_workspace_runs_python(editor: Editor) -> None:
    editor.write("tools.py", "def f(x):\n    return x * 7\n")
    editor.configure(trustedPython=True, llm={})
    await editor.open("run.epic", PY_PROGRAM)
    result = as_dict(await send_run(editor, run_params(editor)))
    assert result["error"] is None
    assert result["value"] == "42"


async def test_cancelled_run(editor: Editor, slow_sim: SimServerHandle) -> None:
    editor.configure(trustedPython=False, llm={"baseUrl": slow_sim.base_url, "model": "sim"})
    await editor.open("run.epic", PROGRAM)
    msg_id = str(uuid.uuid4())
    token = "epic-run-cancel"
    editor.client.progress_reports[token] = []
    params = run_params(editor, workDoneToken=token)
    pending = asyncio.ensure_future(send_run(editor, params, msg_id))
    # Wait until both LLM requests are at the simulated server, then cancel.
    await editor.wait_for(lambda: True if slow_sim.stats().get("in_flight", 0) >= 2 else None)
    editor.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    try:
        result = as_dict(await asyncio.wait_for(pending, 15))
    except Exception as error:  # the protocol also allows the RequestCancelled error
        assert "cancel" in str(error).lower()
    else:
        assert result["error"]["message"] == "cancelled"
    assert editor.client.progress_reports[token][-1].message == "cancelled"
    # The server still answers.
    found = await editor.hover("run.epic", *_pos(PROGRAM, 'ask("one'))
    assert "def ask(q)" in found.contents.value


async def test_execute_command_runs_for_generic_clients(
    editor: Editor, sim: SimServerHandle
) -> None:
    editor.configure(trustedPython=False, llm={"baseUrl": sim.base_url, "model": "sim"})
    await editor.open("run.epic", PROGRAM)
    result = await editor.client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="epic.server.runSequential",
            arguments=[{"uri": editor.uri("run.epic"), "entry": "main"}],
        )
    )
    result = as_dict(result)
    assert result["error"] is None and result["value"].startswith("[")


def _pos(text: str, needle: str) -> tuple[int, int]:
    position = position_of(text, needle)
    return position.line, position.character


async def test_cancelling_the_progress_cancels_the_run(
    editor: Editor, slow_sim: SimServerHandle
) -> None:
    editor.configure(trustedPython=False, llm={"baseUrl": slow_sim.base_url, "model": "sim"})
    await editor.open("run.epic", PROGRAM)
    token = "epic-run-progress-cancel"
    editor.client.progress_reports[token] = []
    pending = asyncio.ensure_future(send_run(editor, run_params(editor, workDoneToken=token)))
    await editor.wait_for(lambda: True if slow_sim.stats().get("in_flight", 0) >= 2 else None)
    editor.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    result = as_dict(await asyncio.wait_for(pending, 15))
    assert result["error"]["message"] == "cancelled"
