"""Streams: values whose elements arrive while the rest is still being generated.

A stream is a chain of pending cells (`values.Stream`): each cell resolves to `None` at the
end or to `(element, rest)`. A `StreamWriter` feeds one: the run pushes each piece of an
`llm_stream` answer as it arrives, which wakes whatever waits on that cell (a `map` over the
stream applies its function to the element at once). `lines(s)` is a second writer fed by the
first, which pushes a line as soon as its newline arrives. Anything that is not stream-aware
sees the stream's whole value (`prims.force`), so a program gives the same result whether the
stream arrives piece by piece (opportunistic mode) or complete (sequential mode).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from epic_lang.eval.errors import EpicError
from epic_lang.eval.prims import boolean, whole
from epic_lang.eval.values import Pending, Stream, type_name

Settle = Callable[[Pending, Any], None]
"""Resolves a pending cell and wakes its waiters (the machine's `resolve`, with a cause)."""


def settle_fresh(p: Pending, value: Any) -> None:
    """Resolves a pending that nothing can be waiting on yet (made in the same step)."""
    p.done = True
    p.value = value


class StreamWriter:
    """The feeding end of a stream: `push` adds an element, `end` closes it. `text`: the
    elements are pieces of one text (the whole value is their concatenation), else the whole
    value is the list of elements. Listeners (`lines`) get every element after it is pushed."""

    def __init__(self, text: bool) -> None:
        self.text = text
        self.items: list[Any] = []
        self.size = 0  # characters (text) or elements pushed so far
        self.ended = False
        self.whole = Pending()
        self._last = Pending()
        self.stream = Stream(self._last, self.whole, 0, text, self)
        self._listeners: list[_LineSplitter] = []

    def push(self, element: Any, settle: Settle) -> None:
        cell, self._last = self._last, Pending()
        self.items.append(element)
        self.size += len(element) if self.text else 1
        rest = Stream(self._last, self.whole, self.size, self.text, self)
        settle(cell, (element, rest))
        for listener in self._listeners:
            listener.push(element, settle)

    def end(self, settle: Settle) -> None:
        if self.ended:
            return
        self.ended = True
        settle(self._last, None)
        settle(self.whole, "".join(self.items) if self.text else list(self.items))
        for listener in self._listeners:
            listener.end(settle)

    def listen(self, listener: _LineSplitter) -> None:
        self._listeners.append(listener)

    def text_so_far(self) -> str:
        return "".join(self.items)


class _LineSplitter:
    """Feeds a stream of lines from pieces of text: a line is pushed when its newline arrives
    (without the newline, and without a `\\r` before it); the text after the last newline is
    the last line, unless it is empty."""

    def __init__(self, target: StreamWriter) -> None:
        self.target = target
        self._parts: list[str] = []

    def push(self, piece: str, settle: Settle) -> None:
        if "\n" not in piece:
            self._parts.append(piece)
            return
        first, *middle, last = piece.split("\n")
        self._parts.append(first)
        self._line("".join(self._parts), settle)
        for line in middle:
            self._line(line, settle)
        self._parts = [last] if last else []

    def end(self, settle: Settle) -> None:
        rest = "".join(self._parts)
        if rest:
            self._line(rest, settle)
        self.target.end(settle)

    def _line(self, line: str, settle: Settle) -> None:
        self.target.push(line.removesuffix("\r"), settle)


def split_lines(text: str) -> list[str]:
    """The lines of a text, as `lines` of a stream of it gives them."""
    parts = [line.removesuffix("\r") for line in text.split("\n")]
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def _lines(s: Any) -> Any:
    if type(s) is str:
        return split_lines(s)
    if type(s) is not Stream or not s.text:
        raise EpicError(f"lines expects a str or a stream of text, got {type_name(s)}")
    source: StreamWriter = s.writer
    target = StreamWriter(text=False)
    splitter = _LineSplitter(target)
    already = source.text_so_far()[s.offset :]
    if already:
        splitter.push(already, settle_fresh)
    if source.ended:
        splitter.end(settle_fresh)
    else:
        source.listen(splitter)
    return target.stream


def _text(s: Any) -> Any:
    if type(s) is str:
        return s
    if type(s) is not Stream:
        raise EpicError(f"text expects a str or a stream, got {type_name(s)}")
    value = whole(s)
    if s.text:
        return value
    if any(type(x) is not str for x in value):
        raise EpicError("text expects a stream of str")
    return "\n".join(value)


def _stream_next(s: Any) -> Any:
    if type(s) is list:
        return (s[0], s[1:]) if s else None
    if type(s) is not Stream:
        raise EpicError(f"stream_next expects a stream or a list, got {type_name(s)}")
    cell = s.cell
    return cell.value if cell.done else cell


def _is_stream(x: Any) -> Any:
    return boolean(type(x) is Stream)


STREAM_BUILTINS: dict[str, Callable[..., Any]] = {
    "lines": _lines,
    "text": _text,
    "stream_next": _stream_next,
    "is_stream": _is_stream,
}
"""The built-ins that take a stream as a stream (not its whole value), by name."""
