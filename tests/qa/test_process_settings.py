"""The process-wide switches stay changed while any thread still needs them (issue 12): with
two threads inside at once, the first one leaving must not switch the collector back on or
lower the recursion limit under the other. The threads are ordered with events, never with
sleeps."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from epic_lang.process_settings import collector_paused, recursion_limit_at_least


@pytest.fixture(autouse=True)
def restore_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    limit = sys.getrecursionlimit()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()
    sys.setrecursionlimit(limit)


def overlapping(
    first: AbstractContextManager[None],
    second: AbstractContextManager[None],
    seen: Callable[[], object],
) -> dict[str, object]:
    """`first` is entered on a thread, then `second` on another; the first thread leaves while
    the second is still inside, then the second leaves. What `seen()` gives at each step."""
    entered, left, release = threading.Event(), threading.Event(), threading.Event()
    out: dict[str, object] = {}

    def one() -> None:
        with first:
            entered.set()
            release.wait(30)
        left.set()

    def two() -> None:
        entered.wait(30)
        with second:
            out["both inside"] = seen()
            release.set()
            left.wait(30)
            out["after the first left"] = seen()
        out["after both left"] = seen()

    threads = [threading.Thread(target=one), threading.Thread(target=two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


def test_the_collector_stays_paused_until_the_last_thread_leaves() -> None:
    gc.enable()
    steps = overlapping(collector_paused(), collector_paused(), gc.isenabled)
    assert steps == {"both inside": False, "after the first left": False, "after both left": True}


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_the_recursion_limit_is_the_largest_asked_for_until_all_leave() -> None:
    sys.setrecursionlimit(1500)
    steps = overlapping(
        recursion_limit_at_least(30_000), recursion_limit_at_least(5_000), sys.getrecursionlimit
    )
    assert steps == {"both inside": 30_000, "after the first left": 5_000, "after both left": 1500}


def test_a_higher_limit_is_never_lowered() -> None:
    sys.setrecursionlimit(50_000)
    with recursion_limit_at_least(20_000):
        assert sys.getrecursionlimit() == 50_000
    assert sys.getrecursionlimit() == 50_000
