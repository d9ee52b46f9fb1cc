"""Running the entry function over records, many at once, on one event loop.

Each record is one evaluation of the entry function (`Program.arun`); up to `concurrency`
evaluations are in flight together and share one LLM backend, so the client's connection
pool and request limits apply across records. A record that fails gives an `Outcome` with
its error and the run goes on. Results come out in input order through `InOrder`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

from epic_lang.dataset.entry import Entry, RecordError
from epic_lang.dataset.ordering import InOrder, Slot
from epic_lang.dataset.output import result_line
from epic_lang.dataset.records import Record


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one record gave: its result (a Python value) or its error, and the line that
    stands for it in the results file."""

    index: int
    value: Any = None
    error: str | None = None
    line: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def failed(index: int, error: str) -> Outcome:
    return Outcome(index, error=error, line=result_line(index, error=error))


def window_for(concurrency: int) -> int:
    """How many finished results may wait for a slower earlier one (see `InOrder`)."""
    return max(1024, 8 * concurrency)


async def run_record(
    program: Any,
    entry: Entry,
    record: Record,
    source: str,
    backend: Any,
    mode: str,
    call_timeout: float | None = None,
) -> Outcome:
    """Evaluates the entry function on one record; never raises for a bad record.
    `call_timeout`: the deadline of its LLM calls that set no `timeout=`."""
    from epic_lang.eval.errors import EpicRuntimeError
    from epic_lang.eval.values import to_display

    if record.error is not None:
        return failed(record.index, record.error)
    try:
        args, kwargs = entry.arguments(record, f"{source}:{record.line}")
        result = await program.arun(
            entry.name, *args, mode=mode, backend=backend, call_timeout=call_timeout, **kwargs
        )
    except RecordError as e:
        return failed(record.index, str(e))
    except EpicRuntimeError as e:
        return failed(record.index, e.render())
    except Exception as e:  # the boundary of one record: whatever it is, the run goes on
        return failed(record.index, f"{type(e).__name__}: {e}")
    line = result_line(record.index, result.value, shown=lambda: to_display(result.epic_value))
    return Outcome(record.index, result.value, line=line)


async def amap(
    run_one: Callable[[Record], Coroutine[Any, Any, Outcome]],
    records: Iterator[Record],
    concurrency: int,
    on_finish: Callable[[Outcome, int], None] | None = None,
) -> AsyncGenerator[list[Outcome], None]:
    """Runs `run_one` on every record, at most `concurrency` at once, and yields the outcomes
    as soon as they may be released in order (a list per wake-up, so that the writer flushes
    once per list). `on_finish(outcome, records_in_flight)` is told of each as it finishes.
    The input is read only as fast as records are started: memory stays flat."""
    order: InOrder[Outcome] = InOrder(window_for(concurrency))
    slots: dict[asyncio.Task[Outcome], Slot[Outcome]] = {}
    finished: asyncio.Queue[asyncio.Task[Outcome]] = asyncio.Queue()
    more = True

    def finish(slot: Slot[Outcome], outcome: Outcome) -> None:
        order.finish(slot, outcome)
        if on_finish is not None:
            on_finish(outcome, len(slots))

    try:
        while more or slots or order.held:
            released = order.release()
            if released:
                yield released
            while more and len(slots) < concurrency and order.held <= order.window:
                record = next(records, None)
                if record is None:
                    more = False
                    break
                slot = order.submit()
                if record.error is not None:
                    finish(slot, failed(record.index, record.error))
                    continue
                task = asyncio.create_task(run_one(record))
                slots[task] = slot
                task.add_done_callback(finished.put_nowait)
            if not slots:
                continue
            task = await finished.get()
            while True:
                finish(slots.pop(task), task.result())
                if finished.empty():
                    break
                task = finished.get_nowait()
    finally:
        for task in slots:
            task.cancel()
        if slots:
            await asyncio.gather(*slots, return_exceptions=True)
