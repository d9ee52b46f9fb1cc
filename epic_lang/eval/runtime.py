"""One run of a program: drives the machine from asyncio, dispatches external calls, traces
them, and stops everything cleanly on the first error that no handler catches.

The machine runs every ready thread in a tight loop; when none is ready the run awaits the
next completed external call. External calls are asyncio tasks (LLM backends and `async def`
Python functions) or thread-pool jobs (synchronous Python functions), each bounded by the
run's per-backend concurrency limit. Every call and thread belongs to a handler scope
(`scopes.py`): a failure fails its scope, and the run's root scope is this run, whose failure
is the run's. On such an error, on Ctrl-C or when the run ends, every call still in flight is
cancelled and awaited and the thread pool is shut down, so nothing outlives the run.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from epic_lang.core.prelude import prelude_path
from epic_lang.eval.compiler import FORK_POINTS
from epic_lang.eval.errors import EpicError, EpicRuntimeError, Site, StackEntry
from epic_lang.eval.externals import llm_result
from epic_lang.eval.machine import Machine, Thread, frame_sites
from epic_lang.eval.prims import deep_all
from epic_lang.eval.scopes import Scope
from epic_lang.eval.streams import StreamWriter
from epic_lang.eval.trace import CallRecord, OutputEvent, Trace
from epic_lang.eval.values import (
    ExternalFn,
    Pending,
    format_value,
    from_python,
    quote_text,
    to_display,
)
from epic_lang.llm.interface import (
    CALL_USAGE,
    BackendFactory,
    LLMBackend,
    LLMError,
    LLMRequest,
    LLMTimeoutError,
    TokenUsage,
)
from epic_lang.process_settings import runs_own_ctrl_c

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

SHORT = 80
T = TypeVar("T")
MAX_STACK = 12
_PRELUDE = prelude_path()


def short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 3] + "..."


def _brief(v: Any) -> str:
    """An argument for the trace summary; long strings are cut before quoting them."""
    if type(v) is str:
        return quote_text(v if len(v) <= SHORT else v[:SHORT])
    return format_value(v)


class _CallStack:
    """Where an external call was sent from: its site and a copy of its thread's frames and
    origin, kept until the call ends so that a failure reports the stack of the moment it
    was sent (`sites`) without working it out for the calls that succeed."""

    __slots__ = ("site", "frames", "context")

    def __init__(self, site: Site, frames: list, context: tuple) -> None:
        self.site = site
        self.frames = frames
        self.context = context

    def sites(self) -> tuple[Site, ...]:
        frames = self.frames
        return user_sites(self.site, (), frame_sites(frames, len(frames) - 1, self.context))

    def where(self) -> Site:
        """The call's place in the trace: the innermost site of its stack."""
        sites = self.sites()
        return sites[0] if sites else self.site


class Run:
    """The state of one run (see the module docstring)."""

    def __init__(
        self,
        sequential: bool,
        backend: LLMBackend | None = None,
        backend_factory: BackendFactory | None = None,
        max_concurrency: int | None = None,
        progress: TextIO | None = None,
        trace: Trace | None = None,
        call_timeout: float | None = None,
        output: Callable[[str], None] | None = None,
        on_stream: Callable[[CallRecord, str], None] | None = None,
    ) -> None:
        self.root = Scope(None, self)
        self.machine = Machine(sequential, self, FORK_POINTS, self.root)
        self.call_timeout = call_timeout  # the deadline of LLM calls that set no `timeout=`
        self.trace = Trace() if trace is None else trace
        self.backend = backend
        self.backend_factory = backend_factory
        self.owns_backend = False
        self.max_concurrency = max_concurrency
        self.semaphores: dict[str, asyncio.Semaphore] = {}
        # The calls in flight, each with its handler scope (which forgets it once it ends).
        self.inflight: dict[asyncio.Task, Scope] = {}
        self.pool: ThreadPoolExecutor | None = None
        self.error: EpicRuntimeError | None = None
        self.done = False
        self.result: Any = None
        self.waker: asyncio.Future | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.runner: asyncio.Runner | None = None  # the loop `execute_sync` started, if any
        self.t0 = time.perf_counter()
        self.progress = progress
        self.finished_calls = 0
        self.in_machine = False
        self.write_output = output or self._to_stderr
        self.on_stream = on_stream  # shown each piece of a streamed answer (the editor)
        self._on_call_done = self._call_done  # bound once, not once per call

    def now(self) -> float:
        return time.perf_counter() - self.t0

    # -- dispatch ------------------------------------------------------------------------

    def dispatch(self, f: ExternalFn, args: Any, kwargs: Any, site: Site, th: Thread) -> Pending:
        """Sends one external call once its arguments are fully known (waits otherwise) and
        returns the pending value of its result."""
        args = deep_all(args)
        kwargs = deep_all(kwargs) if kwargs else None
        start = f.invoke(args, kwargs, self)
        parts = []
        for a in args:
            parts.append(_brief(a))
        if kwargs:
            for k, v in kwargs.items():
                parts.append(f"{k}={_brief(v)}")
        # The stack is taken now (by the time the call fails, this thread has moved on), but
        # only as a copy of its frames: most calls never fail, and their sites are worked
        # out only for an error (`_CallStack`). A call written in the user's code is traced
        # at its own site, the first of its stack.
        stack = _CallStack(site, th.stack[:], th.context)
        where = site if site is not None and site.path != _PRELUDE else stack.where()
        record = CallRecord(
            len(self.trace.calls),
            f.name,
            f.kind,
            where.path,
            where.span.line,
            where.span.col,
            self.now(),
            args=short(", ".join(parts)),
            after=th.cause,
        )
        self.trace.calls.append(record)
        p = Pending()
        loop = self.loop or self._event_loop()
        scope = th.scope
        writer = None
        if f.streams:
            # The stream is the call's value at once (in sequential mode, once it has ended);
            # each piece resolves its next cell as it arrives.
            writer = StreamWriter(text=True)
            if not self.machine.sequential:
                self.machine.resolve(p, writer.stream, None)
            start = functools.partial(start, functools.partial(self._piece, writer, record))
        task = loop.create_task(self._call(record, start, p, f.pool, stack, scope, writer))
        self.inflight[task] = scope
        scope.tasks.add(task)
        scope.live += 1
        scope.records.append(record)
        task.add_done_callback(self._on_call_done)
        return p

    def _call_done(self, task: asyncio.Task) -> None:
        # Here rather than at the end of `_call`, which would need `asyncio.current_task()`
        # (a system call each time on Python 3.11) for every call that succeeds.
        self.inflight.pop(task).tasks.discard(task)
        if not self.inflight:
            self.wake()

    def _piece(self, writer: StreamWriter, record: CallRecord, piece: str) -> None:
        """A piece of a streamed answer arrived: its cell (and any line it completes) becomes
        a value now, and the editor is shown the text so far."""
        writer.push(piece, functools.partial(self._settle, record.id))
        if self.on_stream is not None:
            self.on_stream(record, piece)
        self.wake()

    def _settle(self, cause: int, p: Pending, value: Any) -> None:
        self.machine.resolve(p, value, cause)

    async def _call(
        self,
        record: CallRecord,
        start: Callable[[], Any],
        p: Pending,
        pool: str,
        stack: _CallStack,
        scope: Scope,
        writer: StreamWriter | None = None,
    ) -> None:
        import asyncio

        sem = None if self.max_concurrency is None else self._semaphore(pool)
        usage = TokenUsage()
        CALL_USAGE.set(usage)  # this task's own context: the backend counts this call here
        try:
            if sem is not None:
                async with sem:
                    record.start = self.now()
                    result = await start()
            else:
                record.start = self.now()
                result = await start()
        except asyncio.CancelledError:
            record.status = "cancelled"
            record.end = self.now()
            raise
        # A failed external fails its handler scope (the whole program when no `try` is
        # around it); `sys.exit()` or a `KeyboardInterrupt` raised by the user's own function
        # is a failure of that call too.
        except (Exception, SystemExit, KeyboardInterrupt) as e:
            # Out of the scope before failing it, which cancels the scope's tasks: not this
            # one, which is still running (the done callback forgets the others).
            scope.tasks.discard(asyncio.current_task())
            record.status = "error"
            record.end = self.now()
            message = str(e) or type(e).__name__
            if record.kind != "llm" and str(e):
                message = f"{type(e).__name__}: {message}"
            sites = stack.sites()
            scope.fail(
                EpicRuntimeError(
                    f"external call `{record.name}` failed: {message}",
                    sites[0].span,
                    sites[0].path,
                    stack_entries(sites),
                    _failure_kind(e),
                )
            )
            self.wake()
            return
        record.end = self.now()
        record.status = "ok"
        if usage.answers:
            record.prompt_tokens = usage.prompt_tokens
            record.completion_tokens = usage.completion_tokens
        value = from_python(result)
        record.result = short(_brief(value))
        self.finished_calls += 1
        if scope.closed:  # a failure elsewhere in its scope made the result useless
            return
        if writer is not None:
            writer.end(functools.partial(self._settle, record.id))
            value = writer.stream
            if not self.machine.sequential:
                scope.leave()
                self.wake()
                return
        self.machine.resolve(p, value, record.id)
        scope.leave()
        self.wake()

    def _semaphore(self, pool: str) -> asyncio.Semaphore | None:
        import asyncio

        if self.max_concurrency is None:
            return None
        sem = self.semaphores.get(pool)
        if sem is None:
            sem = self.semaphores[pool] = asyncio.Semaphore(self.max_concurrency)
        return sem

    def _backend(self) -> LLMBackend:
        """The run's backend, created on first use if not given."""
        if self.backend is None:
            if self.backend_factory is None:
                raise EpicError("no LLM backend is configured")
            self.backend = self.backend_factory()
            self.owns_backend = True
        return self.backend

    async def complete(self, request: LLMRequest) -> Any:
        """An LLM request on the run's backend.

        The call's deadline (its `timeout=`, else the run's `call_timeout`) bounds the whole
        call, waiting for a connection and retries included: past it the backend's work is
        cancelled and the call fails with kind "timeout", never sent again."""
        backend = self.backend if self.backend is not None else self._backend()
        if request.timeout is None and self.call_timeout is None:
            # No deadline: one coroutine fewer per call (`_within`).
            return llm_result(request, await backend.complete(request))
        request = self._with_deadline(request)
        return llm_result(request, await _within(request, backend.complete(request)))

    async def stream(self, request: LLMRequest, on_piece: Callable[[str], None]) -> str:
        """An LLM request whose answer is handed to `on_piece` piece by piece as the backend
        streams it; returns the whole answer. The deadline bounds the whole stream."""
        backend = self._backend()
        request = self._with_deadline(request)

        async def read() -> str:
            parts: list[str] = []
            async for piece in backend.stream(request):
                if piece:
                    parts.append(piece)
                    on_piece(piece)
            return "".join(parts)

        return await _within(request, read())

    def _with_deadline(self, request: LLMRequest) -> LLMRequest:
        if request.timeout is None and self.call_timeout is not None:
            import dataclasses

            return dataclasses.replace(request, timeout=self.call_timeout)
        return request

    def finish(self, value: Any) -> None:
        """The main thread returned: `value` is the run's result."""
        self.result = value
        self.done = True

    def output(self, label: str | None, value: Any, site: Site, th: Thread) -> None:
        """`print(value)` or `log(label, value)`: a line for the user, and an event in the
        trace at the user's code that printed it."""
        text = to_display(value) if label is None else f"{label}: {to_display(value)}"
        sites = user_sites(site, (), frame_sites(th.stack, len(th.stack) - 1, th.context))
        where = sites[0] if sites else site
        self.trace.events.append(
            OutputEvent(self.now(), text, label, where.path, where.span.line, where.span.col)
        )
        if self.progress is not None:
            self._clear_progress()
        self.write_output(text)

    @staticmethod
    def _to_stderr(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    # -- the root scope: its failure is the run's ------------------------------------------

    def settled(self, scope: Scope) -> None:
        """Everything the program started has finished; `execute` sees that by itself."""

    def failed(self, scope: Scope, error: EpicRuntimeError) -> None:
        self.fail(error)

    def run_sync(self, job: Callable[[], Any]) -> asyncio.Future[Any]:
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(
                max_workers=self.max_concurrency or 32, thread_name_prefix="epic-python"
            )
        assert self.loop is not None
        return self.loop.run_in_executor(self.pool, job)

    # -- errors ----------------------------------------------------------------------------

    def wake(self) -> None:
        if self.waker is not None and not self.waker.done():
            self.waker.set_result(None)

    def fail(self, error: EpicRuntimeError) -> None:
        if self.error is None:
            self.error = error
        self.machine.ready.clear()
        self.wake()

    def fail_from_thread(self, e: EpicError, th: Thread) -> None:
        """An error in a thread fails the handler scope the thread belongs to."""
        sites = user_sites(
            e.site, e.trail, frame_sites(th.stack, len(th.stack) - 1, th.context, 4 * MAX_STACK)
        )
        where = sites[0] if sites else None
        th.scope.fail(
            EpicRuntimeError(
                e.message,
                where.span if where else None,
                where.path if where else None,
                stack_entries(sites),
                e.kind,
            )
        )

    # -- driving -----------------------------------------------------------------------------

    async def execute(self, thread: Thread) -> Any:
        """Runs the machine from `thread` until the result is known and every call sent has
        finished (a call whose result is not needed still completes, as it would in the
        sequential run, and its failure is still an error); returns the result."""
        import asyncio

        self.loop = asyncio.get_running_loop()
        self.t0 = time.perf_counter()
        self.machine.ready.append(thread)
        ticker = None
        if self.progress is not None:
            ticker = self.loop.create_task(self._show_progress())
        restore_sigint = self._interruptible_machine()
        try:
            return await self._wait(self._step())
        finally:
            await self._close(sys.exc_info()[0] is None, restore_sigint, ticker)

    def execute_sync(self, thread: Thread) -> Any:
        """`execute` for a caller outside any event loop, with no progress line: the machine
        runs at once and an event loop is started only by the first external call, so that
        a program that makes none never loads asyncio (a fifth of `epic run`'s start-up)."""
        assert self.progress is None
        self.t0 = time.perf_counter()
        self.machine.ready.append(thread)
        restore_sigint = self._interruptible_machine()
        failure: BaseException | None = None
        over = False
        try:
            over = self._step()
        except BaseException as e:
            failure = e
        finally:
            self.in_machine = False
            # Put back before the loop starts, so that its runner installs its own Ctrl-C
            # handler beneath the machine's, as under `asyncio.run`.
            restore_sigint()
        if self.runner is None:  # no call was sent: nothing to cancel or wait for
            self.trace.wall = self.now()
            if failure is not None:
                raise failure
            return self.result
        try:
            return self.runner.run(self._resume(failure, over))
        finally:
            self.runner.close()

    async def _resume(self, failure: BaseException | None, over: bool) -> Any:
        """The rest of `execute_sync`, on the event loop its first external call started;
        `failure` is the first step's, raised here so that the calls sent are cancelled."""
        restore_sigint = self._interruptible_machine()
        try:
            if failure is not None:
                raise failure
            return await self._wait(over)
        finally:
            await self._close(sys.exc_info()[0] is None, restore_sigint, None)

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        """The run's event loop; in `execute_sync`, started here by the first external call."""
        if self.loop is None:
            import asyncio

            self.runner = asyncio.Runner()
            self.loop = self.runner.get_loop()
        return self.loop

    def _step(self) -> bool:
        """Runs every ready thread; True when the run is over: its result is known and
        every call sent has finished."""
        self.in_machine = True
        self.machine.run_ready()
        self.in_machine = False
        if self.error is not None:
            raise self.error
        if self.done and not self.inflight:
            return True
        if not self.inflight:
            raise EpicRuntimeError(
                "the program waits for a value that can never arrive (internal error)"
            )
        return False

    async def _wait(self, over: bool) -> Any:
        """Steps the machine each time a call finishes until the run is over."""
        assert self.loop is not None
        while not over:
            self.waker = self.loop.create_future()
            await self.waker
            over = self._step()
        return self.result

    async def _close(
        self, finished: bool, restore_sigint: Callable[[], object], ticker: Any
    ) -> None:
        """The end of a run on the loop. A failed or interrupted run (not `finished`) does not
        wait for Python externals still running in threads (Python cannot stop them); they
        finish on their own."""
        import asyncio

        self.in_machine = False
        restore_sigint()
        self.trace.wall = self.now()
        if ticker is not None:
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)
            self._clear_progress()
        await self.shutdown(wait=finished)

    def _interruptible_machine(self) -> Callable[[], object]:
        """Under `ctrl_c_stops_runs`, makes Ctrl-C stop a long pure computation at once:
        asyncio's own handler only cancels the main task, which takes effect at the next
        await, never inside the machine. Returns the function that puts the previous handler
        back."""
        previous = signal.getsignal(signal.SIGINT)
        if (
            not runs_own_ctrl_c()
            or threading.current_thread() is not threading.main_thread()
            or not callable(previous)
        ):
            return lambda: None

        def on_sigint(signum: int, frame: Any) -> None:
            if self.in_machine:
                raise KeyboardInterrupt
            previous(signum, frame)

        signal.signal(signal.SIGINT, on_sigint)
        return lambda: signal.signal(signal.SIGINT, previous)

    async def shutdown(self, wait: bool = True) -> None:
        """Cancels and awaits every call in flight and stops the thread pool (waiting for its
        threads only if `wait`)."""
        import asyncio

        tasks = list(self.inflight)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for record in self.trace.calls:
            if record.status == "running":  # cancelled before it could start
                record.status = "cancelled"
                record.end = self.now()
        if self.pool is not None:
            self.pool.shutdown(wait=wait, cancel_futures=True)
            self.pool = None
        if self.owns_backend and self.backend is not None:
            await self.backend.aclose()

    async def _show_progress(self) -> None:
        import asyncio

        assert self.progress is not None
        while True:
            await asyncio.sleep(0.1)
            self.progress.write(
                f"\r\x1b[Kepic: {len(self.inflight)} in flight, {self.finished_calls} done, "
                f"{self.now():.1f}s"
            )
            self.progress.flush()

    def _clear_progress(self) -> None:
        assert self.progress is not None
        self.progress.write("\r\x1b[K")
        self.progress.flush()


async def _within(request: LLMRequest, answer: Awaitable[T]) -> T:
    """`answer`, failing with kind "timeout" past the request's deadline (if it has one)."""
    import asyncio

    if request.timeout is None:
        return await answer
    try:
        async with asyncio.timeout(request.timeout):
            return await answer
    except TimeoutError:
        raise LLMTimeoutError(
            f"no answer within {request.timeout:g} s (the call's timeout, retries included)"
        ) from None


def done_resume(frame: tuple, val: Any, th: Thread) -> Any:
    th.m.runtime.finish(val)
    return None


def user_sites(
    site: Site | None, trail: list[Site] | tuple, frames: tuple[Site, ...]
) -> tuple[Site, ...]:
    """The places of an EPIC call stack, innermost first: the error's own position, the call
    sites of functions run inline, then each frame waiting inside a function (`frame_sites`).
    The prelude's places are left out when the user's code is among them, so that an error
    in `map(shop.calculate, xs)` is reported at the user's line, with the same stack in both
    modes (the prelude's recursion is split differently by each)."""
    sites = [site] if site is not None else []
    sites.extend(s for s in trail if s.function is not None)
    sites.extend(frames)
    users = [s for s in sites if s.path != _PRELUDE]
    return _innermost(users or sites)


def _innermost(sites: list[Site]) -> tuple[Site, ...]:
    """`sites` without those that enclose the site just inside them in the same function:
    one call of a function waiting on an inner expression (the arguments of `len` in
    `len(lines(llm_stream(llm(p))))`, the value of a `let`) leaves a frame at each enclosing
    expression, but is one line of the stack, at its innermost position."""
    kept: list[Site] = []
    for s in sites:
        if kept and _encloses(s, kept[-1]):
            continue
        kept.append(s)
    return tuple(kept)


def _encloses(outer: Site, inner: Site) -> bool:
    return (
        outer.function == inner.function
        and outer.path == inner.path
        and outer.span.start <= inner.span.start
        and inner.span.end <= outer.span.end
    )


def stack_entries(sites: tuple[Site, ...]) -> tuple[StackEntry, ...]:
    """The call stack as printed: consecutive repeats of one place merged, at most
    `MAX_STACK` entries."""
    entries: list[StackEntry] = []
    for s in sites:
        entry = StackEntry(s.function, s.path, s.span.line, s.span.col)
        if not entries or entries[-1] != entry:
            entries.append(entry)
        if len(entries) >= MAX_STACK:
            break
    return tuple(entries)


def _failure_kind(e: BaseException) -> str:
    """The `kind` of an external call's failure (see `ERROR_KINDS`)."""
    if isinstance(e, TimeoutError):
        return "timeout"
    if isinstance(e, LLMError):
        return e.kind  # "llm", "http", "timeout" or "json" (epic_lang/llm/interface.py)
    return "python"


def default_progress_stream() -> TextIO | None:
    return sys.stderr if sys.stderr.isatty() else None
