""" "Evaluate selection": the value of a selected expression in its file's context.

The expression becomes the body of a fresh zero-parameter `def` appended to the file's text,
so it sees exactly what the file's top level sees (its definitions, lets and imports) and
runs in the run worker like any ▶ Run, cancellable the same way. It is put inside
parentheses, where line breaks and indentation do not count, and its first line is padded
to its original column: so every position in it is its original position moved down by a
fixed number of lines, and an error inside it maps back onto the selection exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from epic_lang.source import LineIndex, Span

SELECTION_ENTRY = "__epic_selection__"


@dataclass(frozen=True, slots=True)
class SelectionProgram:
    """`text` is the file with the selection appended as `entry`; positions on lines after
    `first_line` (1-based) belong to the selection, `line_shift` lines below their source."""

    text: str
    entry: str
    first_line: int
    line_shift: int
    start: int
    end: int


# A selected (or current) line `let name = value` evaluates its value.
_LET_HEAD = re.compile(r"\s*let\s+[A-Za-z_][A-Za-z0-9_]*\s*=(?!=)\s*")


def selection_program(text: str, start: int, end: int) -> SelectionProgram | None:
    """The program evaluating `text[start:end]`, or None when the selection is blank."""
    head_match = _LET_HEAD.match(text, start, end)
    if head_match is not None:
        start = head_match.end()
    selected = text[start:end]
    if not selected.strip():
        return None
    entry = _fresh_name(text)
    head = text if text.endswith("\n") else text + "\n"
    column = start - (text.rfind("\n", 0, start) + 1)
    program = f"{head}\ndef {entry}() = (\n{' ' * column}{selected}\n)\n"
    header_line = head.count("\n") + 2  # the `def` line, 1-based
    source_line = text.count("\n", 0, start) + 1
    return SelectionProgram(program, entry, header_line, header_line + 1 - source_line, start, end)


def _fresh_name(text: str) -> str:
    """A name the file does not use (a file could define the usual one)."""
    name, n = SELECTION_ENTRY, 0
    while re.search(rf"\b{name}\b", text):
        n += 1
        name = f"{SELECTION_ENTRY}{n}"
    return name


def map_back(program: SelectionProgram, original: str, span: Span) -> Span:
    """A span of the appended text as the span in the original text; spans of the file's own
    text are unchanged, and one in the wrapper around the selection is the whole selection."""
    if span.line < program.first_line:
        return span
    lines = LineIndex(original)
    start = lines.offset(span.line - program.line_shift, span.col)
    end = lines.offset(span.end_line - program.line_shift, span.end_col)
    if span.line == program.first_line or not program.start <= start <= end <= program.end:
        return lines.span(program.start, program.end)
    return lines.span(start, end)
