"""Runs for the editor in child processes that can always be stopped.

A run evaluates the user's program, and a program can loop for ever in pure code or hand the
regular-expression engine a pattern that backtracks for ever; neither ever reaches a point
where a cancelled task would notice. So each run happens in a worker process of its own
(run_worker.py) and cancelling it kills the process: SIGTERM, then SIGKILL after a short
grace. Each worker leads its own process group, so whatever a trusted Python tool started
goes with it, and the kernel kills it if the server dies (see `run_worker._die_with_parent`).

Starting Python and importing the evaluator takes a good part of a second, so one worker is
kept started ahead ("the spare"); a run takes it and the next spare starts at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Callable
from typing import Any

from epic_lang.ide.run import CANCELLED, RunError, RunOutcome, RunRequest
from epic_lang.ide.run_wire import decode_outcome, encode_request
from epic_lang.safe_python import python_child

WORKER_MODULE = "epic_lang.ide.run_worker"
# How long a worker asked to stop may take before it is killed.
GRACE = 0.3
# A run's outcome is one line; its trace can be large.
LINE_LIMIT = 1 << 30


class RunWorkers:
    """The worker processes of one server: at most one spare and those running."""

    def __init__(self) -> None:
        self._spare: asyncio.Task[asyncio.subprocess.Process] | None = None
        self._running: set[asyncio.subprocess.Process] = set()
        self._closed = False

    def prepare(self) -> None:
        """Starts the spare worker in the background, unless there is one."""
        if self._spare is None and not self._closed:
            self._spare = asyncio.ensure_future(_start())

    async def run(
        self,
        request: RunRequest,
        on_progress: Callable[[str], None],
        on_output: Callable[[dict[str, Any]], None] | None = None,
    ) -> RunOutcome:
        """Runs the request in a worker; `on_output` receives the run's output in order, as
        the worker reports it (`run_worker.py`): each line the program prints (`print`,
        `log`) and the text of streamed answers. Cancelling the awaiting task kills the
        worker and answers with the error `CANCELLED`, as do `close` and the server ending."""
        try:
            process = await self._take()
        except asyncio.CancelledError:
            return RunOutcome(None, CANCELLED, None)
        self._running.add(process)
        self.prepare()
        try:
            assert process.stdin is not None
            process.stdin.write(encode_request(request))
            await process.stdin.drain()
            return await self._outcome(process, on_progress, on_output)
        except asyncio.CancelledError:
            return RunOutcome(None, CANCELLED, None)
        except (ConnectionError, json.JSONDecodeError, KeyError, TypeError) as error:
            return self._ended(f"the run's process failed: {error}")
        finally:
            self._running.discard(process)
            await _stop(process)

    async def _take(self) -> asyncio.subprocess.Process:
        """The spare worker if it is still there, or a new one; one whose start the caller
        stopped waiting for is killed when it has started."""
        starting, self._spare = self._spare, None
        if starting is None or (starting.done() and _gone(starting)):
            starting = asyncio.ensure_future(_start())
        try:
            return await asyncio.shield(starting)
        except asyncio.CancelledError:
            starting.add_done_callback(_kill_started)
            raise

    async def _outcome(
        self,
        process: asyncio.subprocess.Process,
        on_progress: Callable[[str], None],
        on_output: Callable[[dict[str, Any]], None] | None,
    ) -> RunOutcome:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            message = json.loads(line)
            if "outcome" in message:
                return decode_outcome(message["outcome"])
            if "output" in message:
                if on_output is not None:
                    on_output(dict(message["output"]))
                continue
            on_progress(str(message.get("progress", "")))
        await process.wait()
        return self._ended(f"the run's process ended (exit code {process.returncode})")

    def _ended(self, message: str) -> RunOutcome:
        if self._closed:
            return RunOutcome(None, CANCELLED, None)
        return RunOutcome(None, RunError(message, message, None, None), None)

    def close(self) -> None:
        """Kills every worker at once, without waiting: for the server's shutdown and exit."""
        self._closed = True
        spare, self._spare = self._spare, None
        if spare is not None:
            if spare.done():
                _kill_started(spare)
            else:
                spare.add_done_callback(_kill_started)
        for process in list(self._running):
            _kill_group(process.pid, signal.SIGKILL)

    async def aclose(self) -> None:
        """`close`, then waits for the spare to be gone (the running ones are waited for by
        their runs), so that nothing is left to clean up after the event loop."""
        spare = self._spare
        self.close()
        if spare is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await (await spare).wait()

    def pids(self) -> list[int]:
        """The process ids of the running workers (for tests and benchmarks)."""
        return [process.pid for process in self._running]


async def _start() -> asyncio.subprocess.Process:
    command = python_child(["-m", WORKER_MODULE])
    return await asyncio.create_subprocess_exec(
        *command.argv,
        cwd=command.cwd,
        env=command.env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        start_new_session=True,
        limit=LINE_LIMIT,
    )


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Ends the worker and anything it started (a worker that has answered is exiting
    anyway): SIGTERM, and SIGKILL after the grace or if this task is cancelled meanwhile."""
    try:
        if process.returncode is None:
            _kill_group(process.pid, signal.SIGTERM)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(process.wait()), GRACE)
    finally:
        _kill_group(process.pid, signal.SIGKILL)
    await process.wait()


def _gone(started: asyncio.Task[asyncio.subprocess.Process]) -> bool:
    """Whether a finished start gave no worker, or one that has died since (while spare)."""
    return (
        started.cancelled()
        or started.exception() is not None
        or started.result().returncode is not None
    )


def _kill_started(starting: asyncio.Task[asyncio.subprocess.Process]) -> None:
    if not starting.cancelled() and starting.exception() is None:
        _kill_group(starting.result().pid, signal.SIGKILL)


def _kill_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
