"""Runtime errors as users see them, and the two signals the machine uses to wait.

`EpicError` is raised by primitives and built-ins with a message and (when known) the span
of the expression; the machine adds the file and the EPIC call stack and turns it into
`EpicRuntimeError`, the one exception the public API raises for a failed run.
"""

from __future__ import annotations

from epic_lang.eval.values import Pending
from epic_lang.records import record
from epic_lang.source import Span

ERROR_KINDS: dict[str, str] = {
    "http": "an LLM server answered with an error, or could not be reached, after the retries "
    "the client settings allow (a `read_timeout` is one of these)",
    "timeout": "an external call ran out of time (an LLM call's `timeout=` or `--call-timeout`)",
    "json": "text that is not JSON given to `json_parse`, or an LLM answer without the form "
    "asked for (`llm_json`, `llm_choice`, `regex=`)",
    "llm": "any other failure of an LLM backend, such as the local model's",
    "python": "a Python external raised an exception",
    "index": "an index out of range, or a record key that is not there",
    "type": "a value of the wrong type, or a call with the wrong arguments",
    "value": 'a value of the right type that cannot be used: `int("x")`, a division by '
    "zero, a bad regular expression",
    "match": "no `case` of a `match` matched",
    "user": "`fail(message)` in the program",
    "runtime": "anything else: a value nested too deeply, out of memory",
}
"""The `kind` of an error record (docs/language.md §13), each with when it happens: the one
list that handlers, the docs and the tests read."""


@record(frozen=True, slots=True)
class Site:
    """Where a piece of code is: its span, file and enclosing function, for error
    positions, call stacks and the trace's call sites."""

    span: Span
    path: str | None
    function: str | None


class EpicError(Exception):
    """A runtime error raised inside the machine; `site` is filled in by whoever knows the
    position (the primitive's code, or the machine from the frame being run). `trail` holds
    the call sites of functions that were run inline (innermost first), for the stack.
    `kind` is one of `ERROR_KINDS`, what a handler (`try`) sees as `err.kind`."""

    def __init__(self, message: str, site: Site | None = None, kind: str = "runtime") -> None:
        super().__init__(message)
        self.message = message
        self.site = site
        self.kind = kind
        self.trail: list[Site] = []


@record(frozen=True, slots=True)
class StackEntry:
    """One line of the EPIC call stack: a function waiting at a position."""

    function: str | None
    path: str | None
    line: int
    col: int

    def render(self) -> str:
        where = f"{self.path or '<input>'}:{self.line}:{self.col}"
        return f"  in {self.function or '<top level>'} at {where}"


class EpicRuntimeError(Exception):
    """A failed run: the message, where it happened and the EPIC call stack (innermost
    first). `render()` is what `epic run` prints; never a Python traceback."""

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        path: str | None = None,
        stack: tuple[StackEntry, ...] = (),
        kind: str = "runtime",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.path = path
        self.stack = stack
        self.kind = kind

    @property
    def where(self) -> str:
        """`file:line:col` of the error (`<input>` for a program given as text)."""
        where = self.path or "<input>"
        if self.span is not None:
            where = f"{where}:{self.span.line}:{self.span.col}"
        return where

    def render(self) -> str:
        where = self.where
        lines = [f"{where}: error: {self.message}"]
        if self.stack:
            lines.append("EPIC call stack (innermost first):")
            lines.extend(entry.render() for entry in self.stack)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class NeedWait(Exception):  # noqa: N818 - a control signal, not an error
    """Raised where a strict position meets a value still pending and nothing irrevocable
    has happened yet in the current step: the machine re-runs the step once it is known."""

    __slots__ = ("pending",)

    def __init__(self, pending: Pending) -> None:
        self.pending = pending


class Blocked(Exception):  # noqa: N818 - a control signal, not an error
    """Like `NeedWait`, but the raiser has already pushed the frame to resume with, because
    the step did something (spawned a thread) that must not be repeated."""

    __slots__ = ("pending",)

    def __init__(self, pending: Pending) -> None:
        self.pending = pending
