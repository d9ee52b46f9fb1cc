"""`epic map PROGRAM --input DATA --output RESULTS`: the entry function over every record.

Results go to the results file (see `output`); the backend line, progress and the summary go
to stderr. Exit status: 0 when every record succeeded, 1 when some failed (they are in the
results file with their errors) or nothing could run, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from epic_lang.cli_options import add_run_arguments
from epic_lang.dataset.records import FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the .epic program")
    parser.add_argument(
        "--input",
        required=True,
        metavar="DATA",
        help="records: JSON Lines, CSV or Parquet (chosen by the suffix)",
    )
    parser.add_argument(
        "--output",
        required=True,
        metavar="RESULTS",
        help="the results file (JSON Lines, one line per record)",
    )
    parser.add_argument("--format", choices=FORMATS, help="the input format, if not the suffix's")
    parser.add_argument("--entry", default="main", help="the function to call (default: main)")
    parser.add_argument(
        "--whole-record",
        action="store_true",
        help="pass each record as one argument instead of by its fields",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        metavar="N",
        help="records in flight at once (per worker with --ray; default 16)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the results file and skip the records already in it",
    )
    add_run_arguments(parser)
    parser.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="run on the Ray cluster at ADDRESS (a new local one if omitted)",
    )
    parser.add_argument(
        "--workers", type=int, metavar="N", help="Ray workers (default: one per CPU of the cluster)"
    )


def main(args: argparse.Namespace) -> int:
    from epic_lang.dataset.entry import EntryError, find_entry
    from epic_lang.dataset.output import IndexSet, exists_with_results, finished_indices
    from epic_lang.dataset.records import InputError, count_records, input_format
    from epic_lang.eval.program import EpicLoadError, load

    for name in ("concurrency", "workers"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            print(f"epic: --{name} must be at least 1", file=sys.stderr)
            return 2
    if not args.resume and exists_with_results(args.output):
        print(
            f"epic: {args.output} already has results: add --resume to continue it, or "
            "remove it to start again",
            file=sys.stderr,
        )
        return 2
    try:
        program = load(args.file)
        entry = find_entry(program.module, args.entry, args.whole_record)
        fmt = input_format(args.input, args.format)
        total = count_records(args.input, fmt)
        done = finished_indices(args.output) if args.resume else IndexSet()
        if args.ray is not None:
            try:
                from epic_lang.dataset.ray_runner import map_on_ray
            except ImportError:
                print('epic: --ray needs Ray: pip install "epic-lang[ray]"', file=sys.stderr)
                return 1
            return map_on_ray(program, entry, args, fmt, total, done)
        return asyncio.run(_map_locally(program, entry, args, fmt, total, done))
    except EpicLoadError as e:
        for d in e.diagnostics:
            print(d.render(args.file), file=sys.stderr)
        return 1
    except (EntryError, InputError) as e:
        print(e, file=sys.stderr)
        return 1


async def _map_locally(
    program: Any, entry: Any, args: argparse.Namespace, fmt: str, total: int, done: Any
) -> int:
    from epic_lang.dataset.output import ResultsFile
    from epic_lang.dataset.progress import Progress
    from epic_lang.dataset.records import read_records
    from epic_lang.dataset.runner import Outcome, amap, run_record
    from epic_lang.ide.run import CallCounter, CountingBackend
    from epic_lang.llm.config import backend_from_options

    calls = CallCounter()
    backend = CountingBackend(
        backend_from_options(
            llm_url=args.llm,
            model=args.model,
            cache=args.cache,
            batch=args.batch,
            program_path=args.file,
        ),
        calls,
    )
    if program.uses_llm:
        print(f"backend: {backend.describe()}", file=sys.stderr)
    progress = Progress(
        sys.stderr, total, len(done), calls if program.uses_llm else None, usage=backend.usage
    )

    def run_one(record: Any) -> Any:
        return run_record(program, entry, record, args.input, backend, args.mode, args.call_timeout)

    def on_finish(outcome: Outcome, in_flight: int) -> None:
        progress.finished(outcome.ok, in_flight)

    try:
        with ResultsFile(args.output, append=args.resume) as out:
            records = read_records(args.input, fmt, done.__contains__)
            async for outcomes in amap(run_one, records, args.concurrency, on_finish):
                out.write([o.line for o in outcomes])
    finally:
        await backend.aclose()
    progress.close(args.output)
    return 1 if progress.failed else 0
