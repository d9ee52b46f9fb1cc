"""`Program.map(records)`: the `epic map` runner for Python values, as a plain iterator.

The iterator drives its own event loop one step per result, so the caller needs no asyncio
and records are taken from `records` only as fast as they are run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from epic_lang.dataset.entry import find_entry
from epic_lang.dataset.records import Record
from epic_lang.dataset.runner import Outcome, amap, run_record

if TYPE_CHECKING:
    from epic_lang.eval.program import Program
    from epic_lang.llm.interface import LLMBackend


def map_program(
    program: Program,
    records: Iterable[Any],
    entry: str = "main",
    concurrency: int = 16,
    whole_record: bool = False,
    mode: str = "opportunistic",
    backend: LLMBackend | None = None,
    call_timeout: float | None = None,
) -> Iterator[Outcome]:
    """Outcomes of `entry` on each of `records` (see `Program.map`)."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    function = find_entry(program.module, entry, whole_record)
    return _outcomes(program, function, records, concurrency, mode, backend, call_timeout)


def _outcomes(
    program: Program,
    entry: Any,
    records: Iterable[Any],
    concurrency: int,
    mode: str,
    given: LLMBackend | None,
    call_timeout: float | None,
) -> Iterator[Outcome]:
    if given is None:
        from epic_lang.llm.config import backend_from_options

        backend = backend_from_options(program_path=program.path)
    else:
        backend = given
    wrapped = (Record(i, i + 1, value) for i, value in enumerate(records))

    def run_one(record: Record) -> Any:
        return run_record(program, entry, record, "<records>", backend, mode, call_timeout)

    loop = asyncio.new_event_loop()
    batches = amap(run_one, wrapped, concurrency)
    try:
        while True:
            try:
                batch = loop.run_until_complete(anext(batches))
            except StopAsyncIteration:
                return
            yield from batch
    finally:
        loop.run_until_complete(batches.aclose())
        if given is None:
            loop.run_until_complete(backend.aclose())
        loop.close()
