"""The `epic/run` request (vscode-extension/PROTOCOL.md, sections 2, 3 and 5).

A run happens in a worker process of its own (`epic_lang.ide.run_process`), so that a program
busy evaluating never delays hover or diagnostics, and so that cancelling the request or its
progress ends the run whatever the program is doing: the worker is killed, and the answer is a
normal result whose error is "cancelled". Progress goes out as `$/progress` at most ten times
a second; the run's output (printed lines, and the text of streamed answers at most ten times
a second) as `epic/output`; the trace as the `epic/trace` notification.

What a run needs from the server is the Protocol `RunHost`, so that this module does not
import server.py (which imports it to register the handlers).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
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
from epic_lang.ide.selection import SelectionProgram, map_back, selection_program
from epic_lang.modules.files import SourceFiles
from epic_lang.plurals import plural
from epic_lang.source import LineIndex
from lsp_server.convert import Positions, range_json
from lsp_server.lanes import Lanes, settle
from lsp_server.settings import Settings

MODES = ("opportunistic", "sequential")
# The entry name an evaluated selection's trace and progress show.
SELECTION_LABEL = "selection"
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
    files: SourceFiles
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

    def window_show_message(self, params: types.ShowMessageParams) -> None: ...

    def window_log_message(self, params: types.LogMessageParams) -> None: ...

    async def refresh_settings(self, scope_uri: str | None = None) -> Settings: ...

    def ready(self, uri: str) -> RunSnapshot: ...

    def snapshot(self, uri: str) -> RunSnapshot: ...

    def load_module(self, path: str) -> Analysis | None: ...

    def path_of(self, uri: str) -> str | None: ...

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
    """Runs `params.entry(*params.args)` of the document `params.uri` and answers in the
    shape of PROTOCOL.md section 2."""
    fields = params_dict(params)
    uri = str(fields.get("uri") or "")
    entry = str(fields.get("entry") or "main")
    args = _json_value(fields.get("args") or [])
    settings = await ls.refresh_settings(uri)

    def prepare() -> RunRequest | RunError:
        """Deciding whether to run reads the open documents, so it happens in the server
        (in the document's lane); the worker process only evaluates, and checks trust again
        against the files it reads."""
        if not isinstance(args, list):
            message = "the arguments of a run must be a JSON array, one value per parameter"
            return RunError(message, message, None, None)
        analysis = ls.ready(uri).analysis
        request = RunRequest(
            analysis, entry, _mode(fields), settings.llm, settings.trusted_python, tuple(args)
        )
        return refusal(request, ls.load_module) or request

    outcome = await _execute(ls, uri, entry, prepare, fields, token)
    return _answer(ls, uri, outcome, fields.get("trace", True) is not False)


async def evaluate(
    ls: RunHost, params: Any, token: types.ProgressToken | None = None
) -> dict[str, Any]:
    """`epic/evaluate`: the value of the expression in `params.range` of `params.uri`, in the
    file's context (epic_lang/ide/selection.py), evaluated like a run; positions in the
    answer and the trace are positions of the selection."""
    fields = params_dict(params)
    uri = str(fields.get("uri") or "")
    settings = await ls.refresh_settings(uri)
    found: list[tuple[SelectionProgram, Analysis]] = []

    def prepare() -> RunRequest | RunError:
        snapshot = ls.ready(uri)
        analysis = snapshot.analysis
        start, end = _offsets(snapshot, fields.get("range"))
        program = selection_program(analysis.text, start, end)
        if program is None:
            message = "select an expression to evaluate"
            return RunError(message, message, None, None)
        found.append((program, analysis))
        combined = settle(Analysis(program.text, analysis.path, None, ls.files))
        request = RunRequest(
            combined, program.entry, _mode(fields), settings.llm, settings.trusted_python
        )
        return refusal(request, ls.load_module) or request

    outcome = await _execute(ls, uri, SELECTION_LABEL, prepare, fields, token)
    if found:
        program, analysis = found[0]
        outcome = _mapped(outcome, analysis, program)
    return _answer(ls, uri, outcome, fields.get("trace", True) is not False)


def _mode(fields: dict[str, Any]) -> str:
    mode = str(fields.get("mode") or "opportunistic")
    return mode if mode in MODES else "opportunistic"


def _json_value(value: Any) -> Any:
    """A custom request's nested objects may arrive as pygls's namedtuples: back to JSON."""
    as_dict = getattr(value, "_asdict", None)
    if as_dict is not None:
        return {k: _json_value(v) for k, v in as_dict().items()}
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _offsets(snapshot: RunSnapshot, lsp_range: Any) -> tuple[int, int]:
    """The offsets of an LSP range given as JSON (a bad one selects nothing)."""
    fields = _json_value(lsp_range)
    try:
        start = types.Position(int(fields["start"]["line"]), int(fields["start"]["character"]))
        end = types.Position(int(fields["end"]["line"]), int(fields["end"]["character"]))
    except (KeyError, TypeError, ValueError):
        return 0, 0
    return snapshot.positions.offset(start), snapshot.positions.offset(end)


def _mapped(outcome: RunOutcome, analysis: Analysis, program: SelectionProgram) -> RunOutcome:
    """The outcome with positions inside the appended selection moved back onto it."""
    error, path = outcome.error, analysis.path
    if error is not None and error.span is not None and error.path == path:
        span = map_back(program, analysis.text, error.span)
        error = RunError(error.message, error.rendered, path, span)
    trace = outcome.trace
    if trace is not None:
        calls = []
        for call in trace.get("calls", []):
            if call.get("path") == path and call.get("line", 0) > program.first_line:
                call = {**call, "line": call["line"] - program.line_shift}
            calls.append(call)
        trace = {**trace, "calls": calls}
    return RunOutcome(outcome.value, error, trace)


async def _execute(
    ls: RunHost,
    uri: str,
    label: str,
    prepare: Callable[[], RunRequest | RunError],
    fields: dict[str, Any],
    token: types.ProgressToken | None,
) -> RunOutcome:
    """Clears the last run's errors, prepares the request in the document's lane and runs
    it unless it was refused; the trace goes out as `epic/trace`, named `label`."""
    token = fields.get("workDoneToken") or fields.get("work_done_token") or token
    for stale in list(ls.runtime_diagnostics):
        del ls.runtime_diagnostics[stale]
        ls.publish(stale)
    prepared = await ls.lanes.run(uri, prepare)
    if isinstance(prepared, RunError):
        return RunOutcome(None, prepared, None)
    outcome = await _evaluate(ls, prepared, Progress(ls, token), uri, label)
    if outcome.trace is not None:
        ls.protocol.notify(
            "epic/trace",
            {"uri": uri, "entry": label, "mode": prepared.mode, "trace": outcome.trace},
        )
    return outcome


async def _evaluate(
    ls: RunHost, request: RunRequest, progress: Progress, uri: str, label: str
) -> RunOutcome:
    """Runs in a worker process with progress reports; the run's output goes out in order as
    the `epic/output` notification: each line the program prints (`print`, `log`) as it
    comes, and the text of streamed answers (`llm_stream`). Cancelling the request (or the
    progress) kills the worker, and the run answers with the error `CANCELLED`."""
    progress.begin(f"EPIC: running {label}")
    started = time.monotonic()

    def output(message: dict[str, Any]) -> None:
        ls.protocol.notify("epic/output", {"uri": uri, "entry": label, **message})

    job = asyncio.ensure_future(ls.workers.run(request, progress.report, output))
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


# How much of a value the one-line `window/showMessage` of a run shows (the log has it all).
SHOWN_CHARS = 300


def report_to_client(ls: RunHost, entry: str, answer: dict[str, Any]) -> None:
    """A run started by `workspace/executeCommand` (a lens in an editor without the VS Code
    extension, which ignores the command's result): its outcome in one line as
    `window/showMessage`, and in full (value or error with its EPIC stack, and the calls)
    as `window/logMessage`."""
    short, full, kind = run_message(entry, answer)
    ls.window_show_message(types.ShowMessageParams(type=kind, message=short))
    ls.window_log_message(types.LogMessageParams(type=kind, message=full))


def run_message(entry: str, answer: dict[str, Any]) -> tuple[str, str, types.MessageType]:
    """(one line, the whole text, the message type) of a run's answer."""
    trace = answer.get("trace") or {}
    calls = trace.get("calls") or []
    wall = trace.get("wall")
    facts = [] if wall is None else [f"{wall:.2f} s"]
    if calls:
        facts.append(plural(len(calls), "external call"))
    tail = f" ({', '.join(facts)})" if facts else ""
    error = answer.get("error")
    if error is None:
        value = str(answer.get("value"))
        first = value.replace("\n", " ")
        if len(first) > SHOWN_CHARS:
            first = first[: SHOWN_CHARS - 1] + "…"
        return (
            f"EPIC: {entry}() = {first}{tail}",
            f"EPIC: {entry}() = {value}{tail}",
            types.MessageType.Info,
        )
    if error.get("message") == CANCELLED.message:
        return f"EPIC: {entry}() cancelled", f"EPIC: {entry}() cancelled", types.MessageType.Warning
    rendered = error.get("rendered") or error.get("message")
    return (
        f"EPIC: {entry}() failed: {error.get('message')}{tail}",
        f"EPIC: {entry}() failed{tail}\n{rendered}",
        types.MessageType.Error,
    )


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
