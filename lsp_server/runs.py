"""The `epic/run` request (vscode-extension/PROTOCOL.md, sections 2, 3 and 5).

A run happens in a worker process of its own (`epic_lang.ide.run_process`), so that a program
busy evaluating never delays hover or diagnostics, and so that cancelling the request or its
progress ends the run whatever the program is doing: the worker is killed, and the answer is a
normal result whose error is "cancelled". Progress goes out as `$/progress` at most ten times
a second, and so does the text of streamed answers (`llm_stream`), as `epic/runOutput`; the
trace as the `epic/trace` notification.

What a run needs from the server is the Protocol `RunHost`, so that this module does not
import server.py (which imports it to register the handlers).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from lsprotocol import types
from pygls.progress import Progress as PyglsProgress
from pygls.protocol import LanguageServerProtocol
from pygls.uris import from_fs_path
from pygls.workspace import Workspace

from epic_lang.ide.document import Analysis
from epic_lang.ide.imports import load_from_disk
from epic_lang.ide.run import CANCELLED, RunError, RunOutcome, RunRequest, refusal
from epic_lang.ide.run_process import RunWorkers
from epic_lang.source import LineIndex
from lsp_server.convert import Positions, range_json
from lsp_server.lanes import Lanes
from lsp_server.settings import Settings

MODES = ("opportunistic", "sequential")
_tokens = itertools.count(1)


class ProgressCancels:
    """The runs in progress by their progress token: `window/workDoneProgress/cancel`, which
    the server hands to `cancel`, ends the run of that token."""

    def __init__(self) -> None:
        self._jobs: dict[types.ProgressToken, asyncio.Future[Any]] = {}

    @contextmanager
    def watching(
        self, token: types.ProgressToken | None, job: asyncio.Future[Any]
    ) -> Iterator[None]:
        if token is not None:
            self._jobs[token] = job
        try:
            yield
        finally:
            if token is not None and self._jobs.get(token) is job:
                del self._jobs[token]

    def cancel(self, token: types.ProgressToken) -> None:
        job = self._jobs.get(token)
        if job is not None:
            job.cancel()


class RunSnapshot(Protocol):
    """The server's analysis of one version of an open document."""

    @property
    def analysis(self) -> Analysis: ...

    @property
    def positions(self) -> Positions: ...


class RunHost(Protocol):
    """What a run needs from the language server (`EpicLanguageServer` in server.py)."""

    runtime_diagnostics: dict[str, list[types.Diagnostic]]
    workers: RunWorkers
    lanes: Lanes
    run_cancels: ProgressCancels

    @property
    def client_capabilities(self) -> types.ClientCapabilities: ...

    @property
    def work_done_progress(self) -> PyglsProgress: ...

    @property
    def protocol(self) -> LanguageServerProtocol: ...

    @property
    def workspace(self) -> Workspace: ...

    async def refresh_settings(self, scope_uri: str | None = None) -> Settings: ...

    def ready(self, uri: str) -> RunSnapshot: ...

    def snapshot(self, uri: str) -> RunSnapshot: ...

    def load_module(self, path: str) -> Analysis | None: ...

    def publish(self, uri: str) -> None: ...


def params_dict(params: Any) -> dict[str, Any]:
    """Params of a custom request arrive as pygls's namedtuples, command arguments as dicts;
    both are read as a dict."""
    if isinstance(params, dict):
        return params
    as_dict = getattr(params, "_asdict", None)
    return dict(as_dict()) if as_dict is not None else {}


class Progress:
    """Work-done progress on a token, or nothing when the client gave none."""

    def __init__(self, ls: RunHost, token: types.ProgressToken | None) -> None:
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


async def server_progress(ls: RunHost) -> types.ProgressToken | None:
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


async def run(ls: RunHost, params: Any, token: types.ProgressToken | None = None) -> dict[str, Any]:
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
    for stale in list(ls.runtime_diagnostics):
        del ls.runtime_diagnostics[stale]
        ls.publish(stale)

    def prepare() -> tuple[RunRequest, RunError | None]:
        """Deciding whether to run reads the open documents, so it happens in the server
        (in the document's lane); the worker process only evaluates, and checks trust again
        against the files it reads."""
        analysis = ls.ready(uri).analysis
        request = RunRequest(analysis, entry, mode, settings.llm, settings.trusted_python)
        return request, refusal(request, ls.load_module)

    request, refused = await ls.lanes.run(uri, prepare)
    if refused is not None:
        outcome = RunOutcome(None, refused, None)
    else:
        outcome = await _evaluate(ls, request, Progress(ls, token), uri)
    if outcome.trace is not None:
        ls.protocol.notify(
            "epic/trace", {"uri": uri, "entry": entry, "mode": mode, "trace": outcome.trace}
        )
    return _answer(ls, uri, outcome, want_trace)


async def _evaluate(ls: RunHost, request: RunRequest, progress: Progress, uri: str) -> RunOutcome:
    """Runs in a worker process with progress reports and the text of streamed answers as
    `epic/runOutput`; cancelling the request (or the progress) kills the worker, and the run
    answers with the error `CANCELLED`."""
    progress.begin(f"EPIC: running {request.entry}")
    started = time.monotonic()

    def stream_output(pieces: list[dict[str, Any]]) -> None:
        params = {"uri": uri, "entry": request.entry, "pieces": pieces}
        ls.protocol.notify("epic/runOutput", params)

    job = asyncio.ensure_future(ls.workers.run(request, progress.report, stream_output))
    ending = "failed"  # unless the run gives an outcome: an error in the server itself
    try:
        with ls.run_cancels.watching(progress.token, job):
            try:
                outcome = await asyncio.shield(job)
            except asyncio.CancelledError:
                job.cancel()
                outcome = await job
        elapsed = time.monotonic() - started
        ending = "cancelled" if outcome.error is CANCELLED else f"done in {elapsed:.2f} s"
        return outcome
    finally:
        progress.end(ending)


def _answer(ls: RunHost, uri: str, outcome: RunOutcome, want_trace: bool) -> dict[str, Any]:
    error = outcome.error
    answer_error: dict[str, Any] | None = None
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


def _positions_for(ls: RunHost, uri: str, path: str | None) -> Positions:
    if uri in ls.workspace.text_documents:
        return ls.snapshot(uri).positions
    other = load_from_disk(path) if path else None
    return Positions("", LineIndex("")) if other is None else Positions(other.text, other.lines)


def _publish_runtime_error(ls: RunHost, uri: str, lsp_range: types.Range, message: str) -> None:
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
