"""`epic run FILE`: runs a program's entry point and prints its result.

The result goes to stdout (a string raw, any other value as an EPIC literal, or JSON with
`--json`); everything else — the backend line, the progress line, the timeline, the summary
and errors — goes to stderr, so that `epic run f.epic > out.txt` captures only the answer.
A result always prints: what stdout's encoding cannot take is escaped (`stream_text`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, TextIO

from epic_lang.cli_options import add_run_arguments
from epic_lang.eval.runtime import default_progress_stream

if TYPE_CHECKING:
    from epic_lang.llm.interface import LLMBackend, TokenUsage


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "A character of the result that stdout's encoding cannot take, or a lone surrogate, is "
        "printed as an escape: \\xe9, \\ud800, \\U0001f600 as in an EPIC string literal, or "
        "\\u00e9 and surrogate pairs with --json, which stays valid JSON of the same value."
    )
    parser.add_argument("file", help="the .epic program to run")
    parser.add_argument("--entry", default="main", help="the function to call (default: main)")
    parser.add_argument(
        "--arg",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="pass an argument to the entry function by name (JSON value)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--trace", metavar="FILE", help="write a Chrome trace-event JSON file")
    parser.add_argument("--trace-html", metavar="FILE", help="write an HTML timeline")
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="print a Gantt chart of the external calls on stderr",
    )
    parser.add_argument(
        "--max-concurrency", type=int, metavar="N", help="at most N calls in flight per backend"
    )
    add_run_arguments(parser)


def parse_args(pairs: list[str]) -> dict[str, Any]:
    """`--arg name=JSON` pairs as keyword arguments; a value that is not JSON is a string."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        if not eq or not name.isidentifier():
            raise ValueError(f"--arg expects NAME=JSON, got {pair!r}")
        try:
            out[name] = json.loads(text)
        except json.JSONDecodeError:
            out[name] = text
    return out


def main(args: argparse.Namespace) -> int:
    from epic_lang.eval.program import EpicLoadError, load

    try:
        program = load(args.file)
    except EpicLoadError as e:
        for d in e.diagnostics:
            print(d.render(args.file), file=sys.stderr)
        return 1
    try:
        kwargs = parse_args(args.arg)
    except ValueError as e:
        print(f"epic: {e}", file=sys.stderr)
        return 2
    if args.max_concurrency is not None and args.max_concurrency < 1:
        print("epic: --max-concurrency must be at least 1", file=sys.stderr)
        return 2
    try:
        progress = default_progress_stream()
        if program.uses_llm or progress is not None:
            import asyncio

            return asyncio.run(_run(program, args, kwargs, progress))
        return _run_without_loop(program, args, kwargs)
    except KeyboardInterrupt:
        print("epic: interrupted", file=sys.stderr)
        if _busy_threads():
            # A Python external is still running in a thread and Python cannot stop it;
            # exiting normally would wait for it to finish.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130


def _busy_threads() -> bool:
    main = threading.main_thread()
    return any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate())


class _Backend:
    """The run's LLM backend, made on first use (printing the `backend:` line)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.made: LLMBackend | None = None

    def make(self) -> LLMBackend:
        if self.made is None:
            from epic_lang.llm.config import backend_from_options

            self.made = backend_from_options(
                llm_url=self.args.llm,
                model=self.args.model,
                cache=self.args.cache,
                batch=self.args.batch,
                program_path=self.args.file,
            )
            print(f"backend: {self.made.describe()}", file=sys.stderr)
        return self.made


async def _run(
    program: Any, args: argparse.Namespace, kwargs: dict[str, Any], progress: TextIO | None
) -> int:
    """Runs a program that calls the LLM (its backend is made, and named, up front) or that
    shows a progress line, on an event loop from the start."""
    from epic_lang.eval.errors import EpicRuntimeError
    from epic_lang.eval.program import EpicLoadError
    from epic_lang.eval.trace import Trace

    backend = _Backend(args)
    trace = Trace()
    try:
        if program.uses_llm:
            backend.make()
        try:
            outcome = await program.arun(
                args.entry, **_run_options(args, backend, trace, progress), **kwargs
            )
        except (EpicRuntimeError, EpicLoadError) as e:
            outcome = e
        status = _show(outcome, args)
    finally:
        if backend.made is not None:
            await backend.made.aclose()
    return _reported(status, outcome, trace, args, backend)


def _run_without_loop(program: Any, args: argparse.Namespace, kwargs: dict[str, Any]) -> int:
    """Runs a program that names no LLM external, with no progress line: its run starts an
    event loop only at its first external call (`Run.execute_sync`), so that a program that
    makes none never loads asyncio. A backend the run makes on the way is the run's to close."""
    from epic_lang.eval.errors import EpicRuntimeError
    from epic_lang.eval.program import EpicLoadError
    from epic_lang.eval.trace import Trace

    backend = _Backend(args)
    trace = Trace()
    try:
        outcome = program.run(args.entry, **_run_options(args, backend, trace, None), **kwargs)
    except (EpicRuntimeError, EpicLoadError) as e:
        outcome = e
    return _reported(_show(outcome, args), outcome, trace, args, backend)


def _run_options(
    args: argparse.Namespace, backend: _Backend, trace: Any, progress: TextIO | None
) -> dict[str, Any]:
    return {
        "mode": args.mode,
        "backend": backend.made,
        "max_concurrency": args.max_concurrency,
        "call_timeout": args.call_timeout,
        "progress": progress,
        "backend_factory": backend.make,
        "trace": trace,
    }


def _show(outcome: Any, args: argparse.Namespace) -> int:
    """Prints the run's result (stdout) or its error (stderr); the exit status."""
    from epic_lang.eval.program import EpicLoadError, RunResult

    if isinstance(outcome, RunResult):
        _print_result(outcome.epic_value, args.json)
        return 0
    if isinstance(outcome, EpicLoadError):
        for d in outcome.diagnostics:
            print(d.render(), file=sys.stderr)
    else:
        print(outcome.render(), file=sys.stderr)
    return 1


def _reported(
    status: int, outcome: Any, trace: Any, args: argparse.Namespace, backend: _Backend
) -> int:
    """Writes the trace and the summary of the run (none after a load error, which an
    imported file can raise when the run starts); the exit status."""
    from epic_lang.eval.program import EpicLoadError

    if isinstance(outcome, EpicLoadError):
        return status
    try:
        _report(trace, args, backend.made.usage if backend.made is not None else None)
    except OSError as e:
        print(f"epic: cannot write {e.filename}: {e.strerror}", file=sys.stderr)
        status = status or 1
    return status


def _print_result(value: Any, as_json: bool) -> None:
    """Characters stdout cannot take are escaped (see `stream_text`), never an error."""
    from epic_lang.eval.stream_text import encodable, json_escape, text_escape
    from epic_lang.eval.values import to_display, to_python

    encoding = getattr(sys.stdout, "encoding", None)
    if as_json:
        try:
            text = json.dumps(to_python(value), ensure_ascii=False)
        except (TypeError, ValueError):
            text = json.dumps(to_display(value), ensure_ascii=False)
        print(encodable(text, encoding, json_escape))
    else:
        print(encodable(to_display(value), encoding, text_escape))


def _report(trace: Any, args: argparse.Namespace, usage: TokenUsage | None) -> None:
    from epic_lang.eval.trace import timeline, write_chrome

    data = trace.to_dict()
    if args.trace:
        write_chrome(data, args.trace)
    if args.trace_html:
        from epic_lang.eval.timeline_html import render_timeline_html

        with open(args.trace_html, "w", encoding="utf-8") as f:
            title = f"{args.entry}() in {os.path.basename(args.file)}"
            f.write(render_timeline_html(data, title=title))
    if args.timeline:
        print(timeline(data), file=sys.stderr)
    tokens = f", {usage.summary()}" if usage is not None and usage.answers else ""
    print(trace.summary() + tokens, file=sys.stderr)
