"""Source positions shared by every phase, so an error found at run time still names the line.

Lines and columns are 1-based and count characters (code points), which is what a user reads in
`file:line:col`. The language server converts them to LSP's 0-based UTF-16 positions itself.
"""

from __future__ import annotations

import re

_LONE_CR = re.compile(r"\r(?!\n)")


def with_lf_breaks(text: str) -> str:
    """`text` with every lone CR (the line break of old Mac files) turned into LF.

    Each CR becomes exactly one LF, so every offset, line and column stays the same: the lexer
    can keep looking for LF alone, and positions found in the result are true in `text`.
    LF and CRLF are left as they are; a lone CR is a line break, as in Python and in LSP."""
    return _LONE_CR.sub("\n", text) if "\r" in text else text


# A span's six fields are packed into one int: bit 0 says which lane width holds them, then
# start, line, col, end, end_line, end_col from the low bits up. Narrow lanes hold any file up
# to 512 M characters; wide ones anything (biased, so that a nonsense negative position
# from a caller still round-trips). The choice depends on the fields alone, so equal fields
# always give the same int.
_NARROW = 29
_WIDE = 64
_NARROW_MASK = (1 << _NARROW) - 1
_WIDE_MASK = (1 << _WIDE) - 1
_BIAS = 1 << (_WIDE - 1)
# The start's three fields with the flag bit, and the end's three, of a narrow span.
_START_BITS = (1 << (1 + 3 * _NARROW)) - 1
_END_BITS = ((1 << (1 + 6 * _NARROW)) - 1) ^ _START_BITS
_new_int = int.__new__


class Span(int):
    """A half-open range of source text: `start` <= offset < `end`, with the 1-based line and
    column of both ends.

    A span is one int with its fields packed in it, not an object holding six ints: a large
    file has a span for every five characters, and as a frozen dataclass each cost about
    120 bytes with its ints, against 64 packed (the syntax tree of a 1 MB file shrank from
    39 to 27 MB). Spans compare and hash by their fields, as before; they are not numbers to
    compute with."""

    __slots__ = ()

    def __new__(
        cls, start: int, end: int, line: int, col: int, end_line: int, end_col: int
    ) -> Span:
        return make_span(start, end, line, col, end_line, end_col)

    @property
    def start(self) -> int:
        if self & 1:
            return ((self >> 1) & _WIDE_MASK) - _BIAS
        return (self >> 1) & _NARROW_MASK

    @property
    def line(self) -> int:
        if self & 1:
            return ((self >> (1 + _WIDE)) & _WIDE_MASK) - _BIAS
        return (self >> (1 + _NARROW)) & _NARROW_MASK

    @property
    def col(self) -> int:
        if self & 1:
            return ((self >> (1 + 2 * _WIDE)) & _WIDE_MASK) - _BIAS
        return (self >> (1 + 2 * _NARROW)) & _NARROW_MASK

    @property
    def end(self) -> int:
        if self & 1:
            return ((self >> (1 + 3 * _WIDE)) & _WIDE_MASK) - _BIAS
        return (self >> (1 + 3 * _NARROW)) & _NARROW_MASK

    @property
    def end_line(self) -> int:
        if self & 1:
            return ((self >> (1 + 4 * _WIDE)) & _WIDE_MASK) - _BIAS
        return (self >> (1 + 4 * _NARROW)) & _NARROW_MASK

    @property
    def end_col(self) -> int:
        if self & 1:
            return ((self >> (1 + 5 * _WIDE)) & _WIDE_MASK) - _BIAS
        return (self >> (1 + 5 * _NARROW)) & _NARROW_MASK

    def cover(self, other: Span) -> Span:
        """The smallest span containing both, for a node built from two children."""
        first = self if self.start <= other.start else other
        last = self if self.end >= other.end else other
        return join(first, last)

    def contains(self, offset: int) -> bool:
        return self.start <= offset <= self.end

    def shifted(self, offsets: int, lines: int) -> Span:
        """The same span `offsets` characters and `lines` lines further on (columns kept)."""
        return make_span(
            self.start + offsets,
            self.end + offsets,
            self.line + lines,
            self.col,
            self.end_line + lines,
            self.end_col,
        )

    def fields(self) -> tuple[int, int, int, int, int, int]:
        return self.start, self.end, self.line, self.col, self.end_line, self.end_col

    def __getnewargs__(self) -> tuple[int, int, int, int, int, int]:  # type: ignore[override]
        return self.fields()  # pickle and copy call `Span(*fields)`

    def __repr__(self) -> str:
        start, end, line, col, end_line, end_col = self.fields()
        return (
            f"Span(start={start}, end={end}, line={line}, col={col}, "
            f"end_line={end_line}, end_col={end_col})"
        )

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def __bool__(self) -> bool:
        return True


def make_span(start: int, end: int, line: int, col: int, end_line: int, end_col: int) -> Span:
    """`Span(...)`, for the parser's hot loops (no `__new__` dispatch)."""
    if not (start | end | line | col | end_line | end_col) >> _NARROW:
        n = _NARROW
        return _new_int(
            Span,
            start << 1
            | line << (1 + n)
            | col << (1 + 2 * n)
            | end << (1 + 3 * n)
            | end_line << (1 + 4 * n)
            | end_col << (1 + 5 * n),
        )
    fields = (start, end, line, col, end_line, end_col)
    if not all(-_BIAS <= x < _BIAS for x in fields):
        raise ValueError(f"a span's fields must be within 2**63: {fields}")
    w = _WIDE
    b = _BIAS
    return _new_int(
        Span,
        1
        | (start + b) << 1
        | (line + b) << (1 + w)
        | (col + b) << (1 + 2 * w)
        | (end + b) << (1 + 3 * w)
        | (end_line + b) << (1 + 4 * w)
        | (end_col + b) << (1 + 5 * w),
    )


def join(first: Span, last: Span) -> Span:
    """From the start of `first` to the end of `last`."""
    if not (first | last) & 1:  # both narrow: take the bits as they are
        return _new_int(Span, first & _START_BITS | last & _END_BITS)
    return make_span(first.start, last.end, first.line, first.col, last.end_line, last.end_col)


NO_SPAN = Span(0, 0, 1, 1, 1, 1)


class LineIndex:
    """Maps offsets to (line, col) in O(log n); built once per text."""

    def __init__(self, text: str) -> None:
        self.text = text
        # str.find runs in C: a character loop here cost ~4 ms per version of a 2,000-line
        # file in the language server.
        breaks = with_lf_breaks(text)
        starts = [0]
        at = breaks.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = breaks.find("\n", at + 1)
        self.line_starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        from bisect import bisect_right

        line = bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    def offset(self, line: int, col: int) -> int:
        """The offset of 1-based (line, col); clamps past-the-end positions."""
        if line - 1 >= len(self.line_starts):
            return len(self.text)
        return min(self.line_starts[line - 1] + col - 1, len(self.text))

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(start, end, line, col, end_line, end_col)
