"""Document and range formatting as minimal text edits, so the editor keeps the cursor put.

Nothing is edited while the file has syntax errors: the formatter refuses (FormatError), and
an editor that formats on save must not mangle half-typed code. The refusal says why, so that
the editor can tell the user (an empty list of edits alone looks like "already formatted").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from epic_lang.format.formatter import FormatError


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace text[start:end] (character offsets) by `new_text`."""

    start: int
    end: int
    new_text: str


@dataclass(frozen=True, slots=True)
class Formatting:
    """The edits of a format request, or (with no edits) why the text was not formatted:
    the formatter's sentence, with the line of the first problem."""

    edits: list[Edit]
    refusal: str | None = None


def format_document(text: str, path: str | None = None) -> Formatting:
    # The formatter is loaded on the first format request, not when the server starts.
    from epic_lang.format.formatter import FormatError, format_source

    try:
        formatted = format_source(text, path)
    except FormatError as error:
        return Formatting([], _refusal(error))
    return Formatting(minimal_edits(text, 0, len(text), formatted))


def format_selection(text: str, start: int, end: int) -> Formatting:
    from epic_lang.format.formatter import FormatError, format_range

    try:
        replacements = format_range(text, start, end)
    except FormatError as error:
        return Formatting([], _refusal(error))
    edits: list[Edit] = []
    for rep_start, rep_end, new_text in replacements:
        edits.extend(minimal_edits(text, rep_start, rep_end, new_text))
    return Formatting(edits)


def _refusal(error: FormatError) -> str:
    if not error.diagnostics:
        return error.message
    first = error.diagnostics[0]
    return f"{error.message} (line {first.span.line}: {first.message})"


def minimal_edits(text: str, start: int, end: int, new_text: str) -> list[Edit]:
    """The edit replacing text[start:end] by `new_text`, trimmed of the unchanged prefix and
    suffix; no edit at all when nothing changes."""
    old = text[start:end]
    if old == new_text:
        return []
    prefix = 0
    limit = min(len(old), len(new_text))
    while prefix < limit and old[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix
        and old[len(old) - 1 - suffix] == new_text[len(new_text) - 1 - suffix]
    ):
        suffix += 1
    return [Edit(start + prefix, end - suffix, new_text[prefix : len(new_text) - suffix])]
