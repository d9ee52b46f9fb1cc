"""The interpreter's process-wide switches (the cyclic garbage collector, the recursion limit),
changed only here.

Parsing, checking, formatting and compiling pause the collector (they allocate many small
objects and no cycles worth collecting) and raise the recursion limit (they recurse once per
nesting level of generated code). Both settings belong to the whole process, and the language
server analyses documents on several threads at once (lsp_server/lanes.py): a thread that
saved "enabled" and restored it on leaving would switch the collector back on under a thread
still inside, and a thread restoring its saved limit would lower it under another still
recursing. So each setting is reference counted under a lock: the first thread in changes it,
the last one out restores what it was before the first came in.

Ctrl-C (SIGINT) belongs to whoever owns the process: runs take it over only inside
`ctrl_c_stops_runs`, which the `epic` command enters and a program embedding EPIC does not.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_lock = threading.Lock()
_pausing = 0
_collector_was_enabled = False
_limits: Counter[int] = Counter()
_limit_before = 0


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector is off inside (for every thread: it is one collector)."""
    global _pausing, _collector_was_enabled
    with _lock:
        if _pausing == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _lock:
            _pausing -= 1
            if _pausing == 0 and _collector_was_enabled:
                gc.enable()


@contextmanager
def recursion_limit_at_least(limit: int) -> Iterator[None]:
    """Python's recursion limit is at least `limit` inside: the largest limit any thread asks
    for while the others are still inside, and the limit from before once all have left."""
    global _limit_before
    with _lock:
        if not _limits:
            _limit_before = sys.getrecursionlimit()
        _limits[limit] += 1
        sys.setrecursionlimit(max(_limit_before, *_limits))
    try:
        yield
    finally:
        with _lock:
            _limits[limit] -= 1
            if _limits[limit] == 0:
                del _limits[limit]
            sys.setrecursionlimit(max(_limit_before, *_limits) if _limits else _limit_before)


def freeze_long_lived_objects() -> None:
    """Takes every object made so far out of later collections: for a long-running server,
    once its tables are loaded, so that the collector's pauses stay short. Called once, by the
    process's entry point, never at import."""
    gc.collect()
    gc.freeze()


_ctrl_c_stops_runs: ContextVar[bool] = ContextVar("epic_ctrl_c_stops_runs", default=False)


@contextmanager
def ctrl_c_stops_runs() -> Iterator[None]:
    """Runs started inside take over Ctrl-C while they run (`runtime.Run`), so that it stops
    them even in the middle of a pure computation, where asyncio's handler cannot."""
    token = _ctrl_c_stops_runs.set(True)
    try:
        yield
    finally:
        _ctrl_c_stops_runs.reset(token)


def runs_own_ctrl_c() -> bool:
    return _ctrl_c_stops_runs.get()
