"""Range formatting (the editor's "format selection"): whole top-level declarations that
overlap the range are reformatted; the rest of the file is left exactly as written."""

from __future__ import annotations

import pytest

from epic_lang.format import formatter
from epic_lang.format.formatter import FormatError, format_range, format_source

SOURCE = """\
def a( x ) =  x+1


# about b
def b( y ) = [y,
  y]   # trailing


def c() =    3
"""


def apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def test_only_the_declaration_under_the_range_changes() -> None:
    start = SOURCE.index("[y")
    edits = format_range(SOURCE, start, start + 1)
    assert len(edits) == 1
    result = apply(SOURCE, edits)
    assert result == SOURCE.replace(
        "def b( y ) = [y,\n  y]   # trailing", "def b(y) = [y, y]  # trailing"
    )


def test_a_range_over_two_declarations_formats_both() -> None:
    edits = format_range(SOURCE, SOURCE.index("x+1"), SOURCE.index("def b") + 3)
    result = apply(SOURCE, edits)
    assert "def a(x) = x + 1\n" in result
    assert "def b(y) = [y, y]  # trailing\n" in result
    assert "def c() =    3\n" in result  # untouched
    assert "\n\n\n# about b" in result  # the blank lines between are not the range's


def test_a_range_outside_every_declaration_changes_nothing() -> None:
    blank = SOURCE.index("\n\n") + 1
    assert format_range(SOURCE, blank, blank) == []


def test_an_already_formatted_declaration_gives_no_edit() -> None:
    text = format_source(SOURCE)
    assert format_range(text, 0, len(text)) == []


def test_the_whole_range_is_the_whole_format() -> None:
    assert apply(SOURCE, format_range(SOURCE, 0, len(SOURCE))).replace(
        "\n\n\n", "\n\n"
    ) == format_source(SOURCE)


def test_syntax_errors_refuse() -> None:
    with pytest.raises(FormatError):
        format_range("def a() = (\n", 0, 3)


def test_unsafe_piecewise_edits_fall_back_to_the_whole_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A region cut wrongly in the formatted text would delete the declaration: the edits are
    # checked, and the whole formatted file is returned instead.
    def region(text: str, decl) -> tuple[int, int]:
        return (decl.span.start, decl.span.end if text == SOURCE else decl.span.start)

    monkeypatch.setattr(formatter, "_decl_region", region)
    edits = format_range(SOURCE, SOURCE.index("def c"), SOURCE.index("def c") + 1)
    assert edits == [(0, len(SOURCE), format_source(SOURCE))]
