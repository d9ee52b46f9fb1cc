"""`epic map --ray`: the same run spread over the workers of a Ray cluster.

The driver (this process) reads the input, skips what `--resume` found, and writes the results
file exactly as a local run does; only the evaluation moves. Each worker is a Ray actor that
loads the program once, builds its own LLM backend, and evaluates the batches it is sent
`--concurrency` records at a time on its own event loop, as `runner` does locally. Each worker
has two batches in hand so that it never waits for the driver.

Actors rather than Ray Data: the driver must own reading (line numbers, `--resume`) and
writing (flushed, ordered), which leaves Ray Data only the part that actors do directly, at
the cost of its streaming executor's start-up and per-block overhead (see docs/datasets.md for
the figures).

Each batch's results come back with the tokens the worker's backend counted since its last
batch returned (batches overlap on a worker, so a batch may carry tokens of its neighbour's
calls; the driver's sum is exact all the same); tokens of a worker that dies before returning
them are not counted.

A worker that dies is restarted by Ray and its batches are sent again (`max_task_retries`);
a batch whose worker dies on every try fails with that error, record by record, so a record
that crashes its worker cannot stall the run.

No setting and no API key travels through Ray (a runtime_env variable shows in the dashboard,
and task arguments are kept in the cluster's control store): each worker resolves its backend
exactly as `epic map` would on its own machine, from the same `--llm`/`--model`/`--cache`/
`--batch` options, its own environment and the settings files at the program's path. A local
instance started here inherits the driver's environment, so it resolves the same backend; on a
cluster, set the variables on every node.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
from contextlib import suppress
from itertools import islice
from typing import Any

import ray

from epic_lang.dataset.entry import Entry
from epic_lang.dataset.ordering import InOrder, Slot
from epic_lang.dataset.output import ResultsFile
from epic_lang.dataset.progress import Progress
from epic_lang.dataset.records import Record, read_records
from epic_lang.dataset.runner import Outcome, failed, run_record, window_for
from epic_lang.llm.interface import TokenUsage

RETRIES = 3
BATCHES_PER_WORKER = 2


@ray.remote(max_restarts=-1, max_task_retries=RETRIES)
class MapWorker:
    """Evaluates batches of records with its own copy of the program and its own backend."""

    def __init__(
        self,
        source: str,
        path: str | None,
        entry: Entry,
        input_path: str,
        mode: str,
        options: dict[str, Any],
        concurrency: int,
        call_timeout: float | None,
    ) -> None:
        from epic_lang.eval.program import load_source
        from epic_lang.llm.config import backend_from_options

        self.program = load_source(source, path)
        self.entry = entry
        self.input_path = input_path
        self.mode = mode
        self.backend = backend_from_options(**options)
        self.concurrency = concurrency
        self.call_timeout = call_timeout
        self.limit: asyncio.Semaphore | None = None
        self.reported = TokenUsage()  # the backend's tally when the last batch returned

    async def run(self, records: list[Record]) -> tuple[list[Outcome], TokenUsage]:
        if self.limit is None:  # made here: it belongs to the actor's event loop
            self.limit = asyncio.Semaphore(self.concurrency)
        limit = self.limit

        async def one(record: Record) -> Outcome:
            async with limit:
                return await run_record(
                    self.program,
                    self.entry,
                    record,
                    self.input_path,
                    self.backend,
                    self.mode,
                    self.call_timeout,
                )

        outcomes = list(await asyncio.gather(*(one(r) for r in records)))
        usage = self.backend.usage
        since, self.reported = usage.since(self.reported), usage.copy()
        return outcomes, since

    async def close(self) -> None:
        await self.backend.aclose()


def map_on_ray(
    program: Any, entry: Entry, args: argparse.Namespace, fmt: str, total: int, done: Any
) -> int:
    options = {
        "llm_url": args.llm,
        "model": args.model,
        "cache": args.cache,
        "batch": args.batch,
        "program_path": args.file,
    }
    unreachable = _unreachable(args.ray)
    if unreachable:
        print(f"epic: cannot reach the Ray cluster at {args.ray}: {unreachable}", file=sys.stderr)
        return 1
    try:
        if args.ray:
            ray.init(address=args.ray, logging_level=logging.WARNING, log_to_driver=False)
        else:
            ray.init(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    except Exception as e:  # Ray raises several kinds for an unreachable cluster
        where = f"the Ray cluster at {args.ray}" if args.ray else "a local Ray instance"
        print(f"epic: cannot start or reach {where}: {e}", file=sys.stderr)
        return 1
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        count = args.workers or cpus
        share = {"num_cpus": min(1.0, cpus / count)}
        workers = [
            MapWorker.options(**share).remote(  # type: ignore[attr-defined]
                program.source,
                program.path,
                entry,
                args.input,
                args.mode,
                options,
                args.concurrency,
                args.call_timeout,
            )
            for _ in range(count)
        ]
        progress = Progress(sys.stderr, total, len(done), usage=TokenUsage())
        print(f"epic map: {count} Ray workers", file=sys.stderr)
        with ResultsFile(args.output, append=args.resume) as out:
            records = read_records(args.input, fmt, done.__contains__)
            for outcomes in _drive(workers, records, args.concurrency, progress):
                out.write([o.line for o in outcomes])
        for closing in [w.close.remote() for w in workers]:
            with suppress(ray.exceptions.RayError):  # a dead worker has nothing to close
                ray.get(closing)
    finally:
        ray.shutdown()
    progress.close(args.output)
    return 1 if progress.failed else 0


def _drive(workers: list[Any], records: Any, batch_size: int, progress: Progress) -> Any:
    """Keeps every worker busy with batches and yields the outcomes in input order."""
    order: InOrder[list[Outcome]] = InOrder(max(4, window_for(batch_size) // batch_size))
    pending: dict[Any, tuple[int, Slot[list[Outcome]], list[int]]] = {}
    load = [0] * len(workers)
    in_flight = 0
    more = True
    while more or pending or order.held:
        for outcomes in order.release():
            yield outcomes
        while more and order.held <= order.window:
            worker = min(range(len(workers)), key=load.__getitem__)
            if load[worker] >= BATCHES_PER_WORKER:
                break
            batch = list(islice(records, batch_size))
            if not batch:
                more = False
                break
            ref = workers[worker].run.remote(batch)
            pending[ref] = (worker, order.submit(), [r.index for r in batch])
            load[worker] += 1
            in_flight += len(batch)
        if not pending:
            continue
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            worker, slot, indices = pending.pop(ref)
            load[worker] -= 1
            in_flight -= len(indices)
            try:
                outcomes, usage = ray.get(ref)
                progress.usage.add_all(usage)
            except ray.exceptions.RayError as e:
                reason = _reason(e)
                outcomes = [
                    failed(
                        i,
                        f"the Ray worker failed {RETRIES + 1} times on this "
                        f"record's batch: {reason}",
                    )
                    for i in indices
                ]
            for outcome in outcomes:
                progress.finished(outcome.ok, in_flight)
            order.finish(slot, outcomes)


def _unreachable(address: str) -> str | None:
    """Why nothing listens at a `HOST:PORT` address, checked first because Ray itself keeps
    retrying a wrong address for minutes; None when it answers or is not of that form."""
    host, colon, port = address.rpartition(":")
    if not colon or not host or not port.isdigit() or "/" in host:
        return None
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as e:
        return e.strerror or str(e)
    return None


def _reason(error: Exception) -> str:
    """Ray's first line says what happened, its last (for a worker that could not start)
    the Python exception that caused it."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    return lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
