"""The process an editor's run happens in: `python -P -m epic_lang.ide.run_worker`.

The language server runs every program in a child process of its own, because only a process
can be stopped whatever it is doing: a pure EPIC loop or a regular expression that backtracks
for ever never reaches a point where a cancelled task would notice. The server starts a worker
ahead of time; the worker imports the evaluator while it waits, runs exactly one request and
exits. `run_process.py` is the server's side, `run_wire.py` the messages.

The wire is JSON lines. The server writes one request line on stdin; it carries the LLM
settings, the API key included, which so never appear in argv, the environment or a file. The
worker writes `{"progress": "..."}` lines at most ten a second, `{"output": {...}}` lines (the
run's output, as the `epic/output` notification carries it: `{"kind": "print", "text"}` for
each line the program prints with `print` or `log`, `{"kind": "stream", "pieces": [{"call",
"label", "text"}]}` for the text of streamed answers since the last such line, at most ten a
second and always before a printed line, so that the two keep their order), and ends with one
`{"outcome": {...}}` line. The program's own output goes to stderr, so a Python tool that
prints cannot garble the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import signal
import sys
import threading
from typing import IO, Any

# Imported before the request arrives, so that a run does not wait for them.
import epic_lang.eval  # noqa: F401
import epic_lang.llm.config  # noqa: F401
import epic_lang.llm.openai_client  # noqa: F401  (a third of the start-up)
from epic_lang.ide.document import Analysis
from epic_lang.ide.run import CallCounter, RunOutcome, RunRequest, run_program
from epic_lang.ide.run_wire import decode_request, encode_outcome

REPORT_INTERVAL = 0.1
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ends this process when the server ends, however it ends. On Linux the kernel sends
    SIGKILL when the parent dies (even while this process is stuck inside a regular
    expression, holding the interpreter lock); elsewhere a thread that sees stdin close does
    it, which covers everything that lets threads run."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before the line above took effect
        os._exit(1)


def _exit_on_eof(stdin: IO[bytes]) -> None:
    def watch() -> None:
        while stdin.read(65536):
            pass
        os._exit(1)

    threading.Thread(target=watch, name="epic-run-stdin", daemon=True).start()


def _write(stream: IO[bytes], message: dict[str, Any]) -> None:
    stream.write(json.dumps(message).encode("utf-8") + b"\n")
    stream.flush()


async def _run(request: RunRequest, wire: IO[bytes]) -> RunOutcome:
    counter = CallCounter()

    def flush_stream() -> None:
        if pieces := counter.take_stream():
            _write(wire, {"output": {"kind": "stream", "pieces": pieces}})

    def printed(text: str) -> None:
        flush_stream()
        _write(wire, {"output": {"kind": "print", "text": text}})

    async def report() -> None:
        last = ""
        while True:
            await asyncio.sleep(REPORT_INTERVAL)
            flush_stream()
            if (message := counter.describe()) != last:
                last = message
                _write(wire, {"progress": message})

    reporter = asyncio.ensure_future(report())
    try:
        return await run_program(request, counter, output=printed)
    finally:
        reporter.cancel()
        flush_stream()  # the last pieces, before the outcome


def _warm_up() -> None:
    """A first run pays for compiling the prelude (a fifth of a second); a trivial program
    pays it here, while the worker waits for its request."""
    trivial = RunRequest(Analysis("def main() = 1\n"), "main", "sequential", {}, False)
    asyncio.run(run_program(trivial, CallCounter()))


def main() -> None:
    _die_with_parent()
    _warm_up()
    # The wire keeps the original stdout; everything else printed goes to stderr.
    wire = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    line = sys.stdin.buffer.readline()
    if not line:
        return
    request = decode_request(line)
    if request.trusted_python and request.analysis.path:
        # Python tools of a trusted workspace open files relative to the program, as they
        # would under `epic run` started beside it; `-P` keeps this folder off `sys.path`.
        os.chdir(os.path.dirname(request.analysis.path))
    _exit_on_eof(sys.stdin.buffer)
    outcome = asyncio.run(_run(request, wire))
    _write(wire, {"outcome": encode_outcome(outcome)})
    # Done: the server ends the process group now anyway, and a normal interpreter exit
    # would wait for the thread blocked reading stdin.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
