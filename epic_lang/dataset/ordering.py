"""Releasing results in input order without letting one slow record stall the run.

Results are released in the order their work was submitted. A finished result whose earlier
neighbours are still running is held back, but at most `window` of them: past that, every
finished result held is released at once, out of order, and the slow ones follow when they
finish. Memory is therefore bounded by the window, the output is in order whenever no record
is more than `window` results slower than the ones after it, and nothing ever waits for order.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Slot(Generic[T]):
    """One submitted piece of work, finished or not; `seq` is its place in submission order."""

    __slots__ = ("done", "released", "seq", "value")

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.done = False
        self.released = False
        self.value: T | None = None


class InOrder(Generic[T]):
    """Submission-ordered release of results, holding back at most `window` of them.
    Every operation is O(1) amortised: held results are also kept by sequence number, so
    releasing them past the window never walks the work still running."""

    def __init__(self, window: int) -> None:
        self.window = window
        self.slots: deque[Slot[T]] = deque()
        self.waiting: dict[int, Slot[T]] = {}
        self.submitted = 0

    @property
    def held(self) -> int:
        return len(self.waiting)

    def submit(self) -> Slot[T]:
        slot: Slot[T] = Slot(self.submitted)
        self.submitted += 1
        self.slots.append(slot)
        return slot

    def finish(self, slot: Slot[T], value: T) -> None:
        slot.done = True
        slot.value = value
        self.waiting[slot.seq] = slot

    def release(self) -> list[T]:
        """The results that may go out now, in the order to write them."""
        out: list[T] = []
        slots = self.slots
        while slots and slots[0].done:
            slot = slots.popleft()
            if not slot.released:
                out.append(self._take(slot))
        if len(self.waiting) > self.window:
            out.extend(self._take(self.waiting[seq]) for seq in sorted(self.waiting))
        return out

    def _take(self, slot: Slot[T]) -> T:
        slot.released = True
        del self.waiting[slot.seq]
        value = slot.value
        slot.value = None
        return value  # type: ignore[return-value]  # set by `finish`
