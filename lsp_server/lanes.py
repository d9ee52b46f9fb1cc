"""Work about a document, done off the server's event loop, one job per document at a time.

Analysing or formatting a large file takes seconds. Done on the event loop, it would hold up
every other request, a hover on a small file included, and `$/cancelRequest` would only be
read after it. So each request about a document becomes a job in that document's *lane*:
jobs of one lane run one after the other in a worker thread, jobs of different lanes run side
by side (a thread per running job, so a busy document never takes another's place). The loop
only waits, so it keeps reading and answering; a cancelled request is answered at once, and a
job that had not started yet is never run. A job already running
cannot be stopped in a thread; it finishes (analysis and formatting are linear in the text)
and its analysis is kept for the next request. Threads, not processes, because every feature
reads the same in-memory analysis; the interpreter lock still lets the loop run every few
milliseconds. Runs, which can go on for ever, happen in processes (`epic_lang.ide.run_process`).

`settle` makes an analysis safe to share between threads: `Analysis` computes its parts on
first use, and two threads computing them at once would each build their own tree. It
computes every part once, under a lock per parser (the versions of one document share theirs).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from epic_lang.ide.document import Analysis

T = TypeVar("T")

_locks: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_locks_lock = threading.Lock()


def settle(analysis: Analysis) -> Analysis:
    """The analysis with every part computed, which makes it read-only from then on."""
    with _locks_lock:
        lock = _locks.setdefault(analysis.parser, threading.Lock())
    with lock:
        analysis.lines  # noqa: B018 (computed for its cached value)
        analysis.diagnostics  # noqa: B018 (computes the parse and resolution too)
    return analysis


class Lanes:
    """One lane per key (a document's URI)."""

    def __init__(self) -> None:
        self._lanes: dict[str, asyncio.Lock] = {}

    async def run(self, key: str, job: Callable[[], T]) -> T:
        """`job()` in a thread of its own once the jobs queued before it in this lane are
        done. Cancelling the caller answers at once; the lane stays busy until the job ends."""
        lane = self._lanes.setdefault(key, asyncio.Lock())
        await lane.acquire()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()

        def done(finished: asyncio.Future[T]) -> None:
            lane.release()
            if not finished.cancelled():
                finished.exception()  # retrieved, so a cancelled caller's job logs nothing

        answer.add_done_callback(done)
        threading.Thread(target=_work, args=(loop, answer, job), daemon=True).start()
        return await asyncio.shield(answer)

    def forget(self, key: str) -> None:
        """Drops an idle lane (for a closed document)."""
        lane = self._lanes.get(key)
        if lane is not None and not lane.locked():
            del self._lanes[key]


def _work(loop: asyncio.AbstractEventLoop, answer: asyncio.Future[T], job: Callable[[], T]) -> None:
    """A daemon thread, not an executor's: the server must be able to exit while a long
    job runs, and interpreter exit waits for executor threads."""
    try:
        value = job()
    except BaseException as error:
        outcome: tuple[Any, BaseException | None] = (None, error)
    else:
        outcome = (value, None)
    with contextlib.suppress(RuntimeError):  # the loop closed: the server is exiting
        loop.call_soon_threadsafe(_resolve, answer, *outcome)


def _resolve(answer: asyncio.Future[T], value: T, error: BaseException | None) -> None:
    if error is not None:
        answer.set_exception(error)
    else:
        answer.set_result(value)
