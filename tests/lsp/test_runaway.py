"""Runs that never end by themselves (an endless recursion, a regular expression that
backtracks for ever) through the real server: cancelling the request or its progress ends
them, their worker process is gone, the server keeps answering, and shutting the server
down or killing it ends them too."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from lsp_harness import SERVER_ENV, Editor, initialize_params, make_client
from lsprotocol import types
from pytest_lsp import LanguageClient

LOOP = "def loop(n) = loop(n + 1)\n\ndef main() = loop(0)\n"
REGEX = 'def main() = regex_search("(a+)+$", "' + "a" * 40 + '!")\n'
WORKER = b"epic_lang.ide.run_worker"


def workers_of(server_pid: int) -> set[int]:
    """The live run workers the server process has started (read from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == server_pid and WORKER in cmdline:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def server_pid(client: LanguageClient) -> int:
    assert client._server is not None
    return client._server.pid


async def start_runaway(
    editor: Editor, pid: int, text: str, **params: Any
) -> tuple[int, asyncio.Future[Any]]:
    """Opens `text`, lets the lens prepare a worker, starts the run and waits until the
    worker has taken it (the next spare is starting); returns the busy worker's pid."""
    await editor.open("run.epic", text)
    await editor.client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(editor.uri("run.epic")))
    )
    (busy,) = await editor.wait_for(lambda: workers_of(pid) or None)
    run = {"uri": editor.uri("run.epic"), "entry": "main", "mode": "opportunistic", **params}
    pending = asyncio.ensure_future(
        editor.client.protocol.send_request_async("epic/run", run, msg_id=params.get("id"))
    )
    await editor.wait_for(lambda: True if len(workers_of(pid)) >= 2 else None)
    await asyncio.sleep(0.3)  # well into the program
    assert alive(busy)
    return busy, pending


async def answer_of(pending: asyncio.Future[Any]) -> str:
    try:
        result = await asyncio.wait_for(pending, 30)
    except Exception as error:  # the protocol also allows the RequestCancelled error
        assert "cancel" in str(error).lower()
        return "cancelled"
    return result.error.message


async def still_answers(editor: Editor) -> None:
    found = await editor.hover("run.epic", 0, 5)
    assert found is not None and "def" in found.contents.value


async def test_cancel_request_ends_an_endless_recursion(editor: Editor) -> None:
    pid = server_pid(editor.client)
    msg_id = str(uuid.uuid4())
    busy, pending = await start_runaway(editor, pid, LOOP, id=msg_id)
    editor.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    assert await answer_of(pending) == "cancelled"
    assert not alive(busy)
    await still_answers(editor)
    assert len(workers_of(pid)) == 1, "only the spare worker is left"


async def test_cancelling_the_progress_ends_a_catastrophic_regex(editor: Editor) -> None:
    pid = server_pid(editor.client)
    token = "epic-run-regex"
    editor.client.progress_reports[token] = []
    busy, pending = await start_runaway(editor, pid, REGEX, workDoneToken=token)
    await still_answers(editor)  # while the regex runs
    editor.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token))
    assert await answer_of(pending) == "cancelled"
    assert not alive(busy)
    assert editor.client.progress_reports[token][-1].message == "cancelled"
    await still_answers(editor)


@pytest.fixture
async def own_server(tmp_path: Path):
    """A server this test shuts down or kills itself (the shared fixture shuts down at the
    end, which a stopped server cannot answer)."""
    client = make_client()
    await client.start_io(sys.executable, "-m", "lsp_server", env=SERVER_ENV)
    client.set_configuration({"trustedPython": False, "llm": {}}, section="epic")
    await client.initialize_session(initialize_params(tmp_path))
    yield Editor(client, tmp_path)
    if client._server is not None and client._server.returncode is None:
        client._server.kill()
    await client.stop()


async def test_shutdown_during_a_run_ends_it(own_server: Editor) -> None:
    client = own_server.client
    pid = server_pid(client)
    busy, pending = await start_runaway(own_server, pid, REGEX, id=str(uuid.uuid4()))
    await asyncio.wait_for(client.shutdown_async(None), 30)
    assert await answer_of(pending) == "cancelled"
    await own_server.wait_for(lambda: True if not alive(busy) else None)
    client.exit(None)
    assert await asyncio.wait_for(client._server.wait(), 30) == 0
    await own_server.wait_for(lambda: True if not workers_of(pid) else None)


async def test_a_killed_server_takes_its_runs_along(own_server: Editor) -> None:
    pid = server_pid(own_server.client)
    busy, _ = await start_runaway(own_server, pid, REGEX, id=str(uuid.uuid4()))
    spares = workers_of(pid) - {busy}
    os.kill(pid, signal.SIGKILL)
    for worker in (busy, *spares):
        await own_server.wait_for(lambda w=worker: True if not alive(w) else None)
