"""Running a program for the editor's ▶ Run lens: the text as the editor holds it, with the
backend the editor's settings choose, ending in a value or an error with a source position.

It never runs Python the user has not trusted: a program that imports Python (directly or
through an imported EPIC module) is refused before anything is evaluated.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from epic_lang.diagnostics import Severity
from epic_lang.ide.document import Analysis
from epic_lang.ide.imports import ModuleLoader, load_from_disk, load_import
from epic_lang.ide.run_arguments import arguments_problem
from epic_lang.llm.interface import LLMBackend, LLMRequest, LLMResult, TokenUsage
from epic_lang.plurals import plural
from epic_lang.source import Span
from epic_lang.syntax import ast

if TYPE_CHECKING:
    from epic_lang.eval.trace import CallRecord

MAX_STREAM_SHOWN = 100_000
"""Characters of one streamed answer shown in the run's output."""


@dataclass(frozen=True, slots=True)
class RunError:
    """`rendered` is the full text `epic run` would print (position and EPIC call stack)."""

    message: str
    rendered: str
    path: str | None
    span: Span | None


CANCELLED = RunError("cancelled", "cancelled", None, None)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """`value` is the result as `epic run` prints it; exactly one of value and error is set."""

    value: str | None
    error: RunError | None
    trace: dict[str, Any] | None


LOADING_LOCAL_MODEL = "loading the local model (the first call of a session takes 7-30 s)"


class CallCounter:
    """LLM calls in flight and done, for progress reports (read from another thread: plain
    integers are enough for a status line). `loading` is set while the first call waits for
    the local model to load, which takes seconds that would otherwise look like a hang."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.done = 0
        self.loading = False
        self._pieces: list[tuple[int, str, str]] = []  # streamed since the last report
        self._shown: dict[int, int] = {}  # characters of each streamed call shown so far

    def describe(self) -> str:
        if self.loading:
            return LOADING_LOCAL_MODEL
        return f"{plural(self.in_flight, 'LLM call')} in flight, {self.done} done"

    def streamed(self, record: CallRecord, piece: str) -> None:
        """A piece of a streamed answer (`llm_stream`), kept until the next report; beyond
        `MAX_STREAM_SHOWN` characters of one call, the rest is left out of the output."""
        shown = self._shown.get(record.id, 0)
        if shown >= MAX_STREAM_SHOWN:
            return
        piece = piece[: MAX_STREAM_SHOWN - shown]
        self._shown[record.id] = shown + len(piece)
        if shown + len(piece) >= MAX_STREAM_SHOWN:
            piece += " [...]"
        self._pieces.append((record.id, f"{record.name} at line {record.line}", piece))

    def take_stream(self) -> list[dict[str, Any]]:
        """The text streamed since the last call, one entry per call (in order of arrival),
        for one report: a run's output shows streams at the pace of its reports, however many
        pieces arrive in between."""
        pieces, self._pieces = self._pieces, []
        merged: dict[int, dict[str, Any]] = {}
        for call, label, piece in pieces:
            entry = merged.setdefault(call, {"call": call, "label": label, "text": ""})
            entry["text"] += piece
        return list(merged.values())


class CountingBackend:
    """Wraps the real backend to count its calls."""

    def __init__(self, inner: LLMBackend, counter: CallCounter) -> None:
        self.inner = inner
        self.counter = counter

    def describe(self) -> str:
        return self.inner.describe()

    @property
    def usage(self) -> TokenUsage:
        return self.inner.usage

    async def complete(self, request: LLMRequest) -> LLMResult:
        from epic_lang.llm.local_model import LocalModelBackend

        inner = self.inner
        if isinstance(inner, LocalModelBackend) and not inner.loaded:
            self.counter.loading = True
        self.counter.in_flight += 1
        try:
            return await inner.complete(request)
        finally:
            self.counter.loading = False
            self.counter.in_flight -= 1
            self.counter.done += 1

    async def stream(self, request: LLMRequest) -> AsyncIterator[str]:
        self.counter.in_flight += 1
        try:
            async for piece in self.inner.stream(request):
                yield piece
        finally:
            self.counter.in_flight -= 1
            self.counter.done += 1

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def untrusted_python_import(
    analysis: Analysis, loader: ModuleLoader = load_from_disk
) -> tuple[str | None, ast.Import] | None:
    """The first `import python` reached from this module (file, declaration), following
    EPIC imports; None when running it would execute no Python module."""
    seen: set[str | None] = set()
    queue = [analysis]
    while queue:
        current = queue.pop()
        if current.path in seen:
            continue
        seen.add(current.path)
        for decl in current.module.decls:
            if not isinstance(decl, ast.Import):
                continue
            if decl.python:
                return current.path, decl
            imported = load_import(current.path, decl, loader)
            if imported is not None:
                queue.append(imported)
    return None


def _static_error(analysis: Analysis) -> RunError | None:
    for diag in analysis.diagnostics:
        if diag.severity is Severity.ERROR:
            return RunError(diag.message, diag.render(analysis.path), analysis.path, diag.span)
    return None


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What to run: `entry(*args)` of the analysed text in `mode`, with the editor's LLM
    settings (`baseUrl`, `model`, `apiKey`) over the environment. `args` are JSON values,
    converted to EPIC values as `epic run --arg` converts them."""

    analysis: Analysis
    entry: str
    mode: str
    llm_settings: dict[str, str]
    trusted_python: bool
    args: tuple[Any, ...] = ()


def _arguments_error(request: RunRequest) -> RunError | None:
    analysis = request.analysis
    problem = arguments_problem(analysis.module, request.entry, request.args)
    if problem is None:
        return None
    span = problem.span
    where = f"{analysis.path or '<input>'}:{span.line}:{span.col}"
    return RunError(problem.message, f"{where}: error: {problem.message}", analysis.path, span)


def refusal(request: RunRequest, loader: ModuleLoader = load_from_disk) -> RunError | None:
    """Why the request must not run at all: an error `epic check` reports, or a Python
    import in a workspace that is not trusted. Nothing is evaluated or imported to decide."""
    analysis = request.analysis
    error = _static_error(analysis) or _arguments_error(request)
    if error is not None or request.trusted_python:
        return error
    found = untrusted_python_import(analysis, loader)
    if found is None:
        return None
    path, decl = found
    message = (
        f'the program imports the Python module "{decl.source}", and this workspace '
        "is not trusted to run Python code"
    )
    where = f"{path or '<input>'}:{decl.span.line}:{decl.span.col}"
    return RunError(message, f"{where}: error: {message}", path, decl.span)


async def run_program(
    request: RunRequest,
    counter: CallCounter,
    loader: ModuleLoader = load_from_disk,
    output: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Runs the request unless `refusal` objects; the lines the program prints go to
    `output` (stderr without it). Cancelling the awaiting task cancels the run (and every
    call in flight) and ends it with the error `CANCELLED`."""
    # The evaluator and the LLM clients are imported on the first run only, so that an
    # editor session that never runs anything does not pay for them.
    from epic_lang.eval import EpicLoadError, EpicRuntimeError, load_source
    from epic_lang.eval.trace import Trace
    from epic_lang.eval.values import to_display

    analysis = request.analysis
    refused = refusal(request, loader)
    if refused is not None:
        return RunOutcome(None, refused, None)

    def make_backend() -> CountingBackend:
        """Called by the evaluator only when the program makes its first LLM call."""
        from epic_lang.llm.config import backend_from_options

        inner = backend_from_options(
            settings=request.llm_settings,
            program_path=analysis.path,
            trusted=request.trusted_python,
        )
        return CountingBackend(inner, counter)

    trace = Trace()
    try:
        program = load_source(analysis.text, analysis.path)
        result = await program.arun(
            request.entry,
            *request.args,
            mode=request.mode,
            backend_factory=make_backend,
            trace=trace,
            output=output,
            on_stream=counter.streamed,
        )
    except EpicLoadError as failure:
        first = failure.diagnostics[0]
        path = first.path or failure.path
        return RunOutcome(None, RunError(first.message, first.render(path), path, first.span), None)
    except EpicRuntimeError as failure:
        found_error = RunError(failure.message, failure.render(), failure.path, failure.span)
        return RunOutcome(None, found_error, trace.to_dict())
    except asyncio.CancelledError:
        return RunOutcome(None, CANCELLED, None)
    return RunOutcome(to_display(result.epic_value), None, result.trace.to_dict())
