"""The `epic/run` request (vscode-extension/PROTOCOL.md, sections 2, 3 and 5).

A run gets its own thread and event loop, so that a program busy evaluating never delays
hover or diagnostics on the server's loop. Cancelling the request cancels the run there; the
answer is then a normal result whose error is "cancelled". Progress goes out as `$/progress`
at most ten times a second; the trace as the `epic/trace` notification.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types
from pygls.uris import from_fs_path

from epic_lang.ide.imports import load_from_disk
from epic_lang.ide.run import (
    CANCELLED,
    CallCounter,
    RunOutcome,
    RunRequest,
    refusal,
    run_program,
)
from epic_lang.source import LineIndex
from lsp_server.convert import Positions, range_json

if TYPE_CHECKING:
    from lsp_server.server import EpicLanguageServer

T = TypeVar("T")
MODES = ("opportunistic", "sequential")
REPORT_INTERVAL = 0.1
_tokens = itertools.count(1)


async def in_thread(job: Callable[[], Awaitable[T]]) -> T:
    """Runs `job()` on a fresh event loop in a thread. If the awaiting task is cancelled,
    the job is cancelled in its thread and its own answer to the cancellation is returned."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[T] = loop.create_future()
    started = threading.Event()
    box: dict[str, Any] = {}

    def settle(value: Any, error: BaseException | None) -> None:
        if answer.done():
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(value)

    def target() -> None:
        job_loop = asyncio.new_event_loop()
        try:
            box["loop"] = job_loop
            box["task"] = task = job_loop.create_task(job())  # type: ignore[arg-type]
            started.set()
            value = job_loop.run_until_complete(task)
            loop.call_soon_threadsafe(settle, value, None)
        except BaseException as error:  # delivered to the awaiting task
            loop.call_soon_threadsafe(settle, None, error)
        finally:
            started.set()
            job_loop.close()

    threading.Thread(target=target, name="epic-run", daemon=True).start()
    try:
        return await asyncio.shield(answer)
    except asyncio.CancelledError:
        await asyncio.to_thread(started.wait)
        if "task" in box:
            box["loop"].call_soon_threadsafe(box["task"].cancel)
        return await answer


def params_dict(params: Any) -> dict[str, Any]:
    """Params of a custom request arrive as pygls's namedtuples, command arguments as dicts;
    both are read as a dict."""
    if isinstance(params, dict):
        return params
    as_dict = getattr(params, "_asdict", None)
    return dict(as_dict()) if as_dict is not None else {}


class Progress:
    """Work-done progress on a token, or nothing when the client gave none."""

    def __init__(self, ls: EpicLanguageServer, token: types.ProgressToken | None) -> None:
        self.ls = ls
        self.token = token
        self.last = ""

    def begin(self, title: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.begin(
                self.token,
                types.WorkDoneProgressBegin(title=title, cancellable=True, message="starting"),
            )

    def report(self, message: str) -> None:
        if self.token is not None and message != self.last:
            self.last = message
            self.ls.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=message)
            )

    def end(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)


async def server_progress(ls: EpicLanguageServer) -> types.ProgressToken | None:
    """A server-created progress token, for runs started by `workspace/executeCommand`."""
    window = ls.client_capabilities.window
    if window is None or not window.work_done_progress:
        return None
    token = f"epic-run-server-{next(_tokens)}"
    try:
        await asyncio.wait_for(ls.work_done_progress.create_async(token), timeout=5)
    except Exception:  # a client that refuses the token gets no progress
        return None
    return token


async def run(
    ls: EpicLanguageServer, params: Any, token: types.ProgressToken | None = None
) -> dict[str, Any]:
    """Runs `params.entry` of the document `params.uri` and answers in the shape of
    PROTOCOL.md section 2."""
    fields = params_dict(params)
    uri = str(fields.get("uri") or "")
    entry = str(fields.get("entry") or "main")
    mode = str(fields.get("mode") or "opportunistic")
    if mode not in MODES:
        mode = "opportunistic"
    want_trace = fields.get("trace", True) is not False
    token = fields.get("workDoneToken") or fields.get("work_done_token") or token

    settings = await ls.refresh_settings(uri)
    analysis = ls.snapshot(uri).analysis
    request = RunRequest(analysis, entry, mode, settings.llm, settings.trusted_python)
    for stale in list(ls.runtime_diagnostics):
        del ls.runtime_diagnostics[stale]
        ls.publish(stale)
    # Deciding whether to run reads the open documents, so it happens here on the server's
    # loop; the thread only evaluates.
    refused = refusal(request, ls.load_module)
    if refused is not None:
        outcome = RunOutcome(None, refused, None)
    else:
        outcome = await _evaluate(ls, request, Progress(ls, token))
    if outcome.trace is not None:
        ls.protocol.notify(
            "epic/trace", {"uri": uri, "entry": entry, "mode": mode, "trace": outcome.trace}
        )
    return _answer(ls, uri, outcome, want_trace)


async def _evaluate(ls: EpicLanguageServer, request: RunRequest, progress: Progress) -> RunOutcome:
    """Runs in the background thread with progress reports; cancelling the request (or the
    progress) cancels the run, which then answers with the error `CANCELLED`."""
    counter = CallCounter()
    progress.begin(f"EPIC: running {request.entry}")
    started = time.monotonic()
    reporter = asyncio.ensure_future(_report(progress, counter))
    job = asyncio.ensure_future(in_thread(lambda: run_program(request, counter)))
    _cancel_with_progress(ls, progress.token, job)
    ending = "failed"  # unless the run gives an outcome: an error in the server itself
    try:
        try:
            outcome = await asyncio.shield(job)
        except asyncio.CancelledError:
            job.cancel()
            outcome = await job
        elapsed = time.monotonic() - started
        ending = "cancelled" if outcome.error is CANCELLED else f"done in {elapsed:.2f} s"
        return outcome
    finally:
        reporter.cancel()
        progress.end(ending)


def _cancel_with_progress(
    ls: EpicLanguageServer, token: types.ProgressToken | None, job: asyncio.Future[Any]
) -> None:
    """Cancelling the progress (`window/workDoneProgress/cancel`) cancels the run as well."""
    future = ls.work_done_progress.tokens.get(token) if token is not None else None
    if future is not None:
        loop = asyncio.get_running_loop()
        future.add_done_callback(
            lambda f: loop.call_soon_threadsafe(job.cancel) if f.cancelled() else None
        )


async def _report(progress: Progress, counter: CallCounter) -> None:
    while True:
        await asyncio.sleep(REPORT_INTERVAL)
        progress.report(counter.describe())


def _answer(
    ls: EpicLanguageServer, uri: str, outcome: RunOutcome, want_trace: bool
) -> dict[str, Any]:
    error = outcome.error
    answer_error = None
    if error is not None:
        answer_error = {
            "message": error.message,
            "rendered": error.rendered,
            "uri": None,
            "range": None,
        }
        if error.span is not None:
            error_uri = from_fs_path(error.path) if error.path else uri
            error_uri = error_uri or uri
            positions = _positions_for(ls, error_uri, error.path)
            lsp_range = positions.span(error.span)
            answer_error["uri"] = error_uri
            answer_error["range"] = range_json(lsp_range)
            _publish_runtime_error(ls, error_uri, lsp_range, error.message)
    return {
        "value": outcome.value,
        "error": answer_error,
        "trace": outcome.trace if want_trace else None,
    }


def _positions_for(ls: EpicLanguageServer, uri: str, path: str | None) -> Positions:
    if uri in ls.workspace.text_documents:
        return ls.snapshot(uri).positions
    other = load_from_disk(path) if path else None
    return Positions("", LineIndex("")) if other is None else Positions(other.text, other.lines)


def _publish_runtime_error(
    ls: EpicLanguageServer, uri: str, lsp_range: types.Range, message: str
) -> None:
    """Shows the error where it happened until the next run or edit of that file."""
    ls.runtime_diagnostics[uri] = [
        types.Diagnostic(
            range=lsp_range,
            message=message,
            severity=types.DiagnosticSeverity.Error,
            code="runtime",
            source="epic",
        )
    ]
    ls.publish(uri)
