"""The formatter refuses rather than damage code: syntax errors, a printer that changes the
meaning, loses a comment or is not stable all raise `FormatError`, and nothing is returned."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from epic_lang.diagnostics import Severity
from epic_lang.format import formatter
from epic_lang.format.chunks import Chunk
from epic_lang.format.equivalence import equivalent
from epic_lang.format.formatter import FormatError, Mode, format_source
from epic_lang.syntax.parser import parse

PROGRAM = """\
# A comment that must survive.
def f(x) = x + 1  # and this one

def main() =
    let a = f(1)
    a * 2
"""


def test_syntax_errors_are_reported_not_formatted() -> None:
    with pytest.raises(FormatError) as caught:
        format_source("def f(x) = (x +\ndef g() = 1\n", "bad.epic")
    error = caught.value
    assert error.diagnostics
    assert all(
        d.severity is Severity.ERROR and d.code.startswith("syntax") for d in error.diagnostics
    )
    assert "syntax errors" in error.message


def _printing(monkeypatch: pytest.MonkeyPatch, edit: Callable[[str], str]) -> None:
    """Make the printer's first pass give `edit` of each chunk's text (the proof reprints
    with the real printer)."""
    real = formatter.print_chunks

    def edited(*args: Any, **kwargs: Any) -> Iterator[Chunk]:
        for chunk in real(*args, **kwargs):
            yield replace(chunk, text=edit(chunk.text))

    monkeypatch.setattr(formatter, "print_chunks", edited)


def test_a_printer_that_changes_the_meaning_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _printing(monkeypatch, lambda text: text.replace("x + 1", "x - 1"))
    with pytest.raises(FormatError) as caught:
        format_source(PROGRAM, "prog.epic")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "format-unsafe"
    assert "change the meaning" in diagnostic.message
    assert diagnostic.span.line == 2  # the declaration that changed


def test_a_printer_that_drops_a_comment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _printing(monkeypatch, lambda text: text.replace("  # and this one", ""))
    with pytest.raises(FormatError, match="lose the comment `# and this one`"):
        format_source(PROGRAM)


def test_a_printer_whose_output_is_not_stable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Equivalent, but printed again the parentheses go.
    _printing(monkeypatch, lambda text: text.replace("a * 2", "(a * 2)"))
    with pytest.raises(FormatError, match="not stable") as caught:
        format_source(PROGRAM)
    assert caught.value.diagnostics[0].span.line == 4


def test_output_that_does_not_parse_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _printing(monkeypatch, lambda text: "def (\n")
    with pytest.raises(FormatError, match="does not parse"):
        format_source(PROGRAM)


def test_a_syntax_error_further_on_is_reported_rather_than_a_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The file is proven as it is parsed: a refusal in its first declarations must not hide
    that the file cannot be formatted at all."""
    _printing(monkeypatch, lambda text: text.replace("x + 1", "x - 1"))
    filler = "".join(f"def g{i}() = {i}\n\n" for i in range(2000))  # a few runs
    with pytest.raises(FormatError, match="syntax errors") as caught:
        format_source(PROGRAM + filler + "def broken( =\n")
    assert caught.value.diagnostics[0].span.line == 4007


def test_the_real_formatter_passes_its_own_checks() -> None:
    formatted = format_source(PROGRAM)
    assert equivalent(parse(formatted).module, parse(PROGRAM).module)
    assert "# A comment that must survive." in formatted
    assert "  # and this one" in formatted


def test_mode_carries_the_options() -> None:
    narrow = format_source("def f() = g(aaaaaaaaaa, bbbbbbbbbb)\n", mode=Mode(width=20, indent=2))
    assert narrow == "def f() = g(\n  aaaaaaaaaa,\n  bbbbbbbbbb,\n)\n"
    assert Mode() == Mode(width=88, indent=4)


def test_crlf_files_stay_crlf() -> None:
    source = 'def f() =\r\n    1 +  2\r\ndef g() = """a\r\nb"""\r\n'
    assert format_source(source) == 'def f() = 1 + 2\r\n\r\ndef g() = """a\r\nb"""\r\n'


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("", ""),
        ("\n\n", ""),
        ("# only a comment", "# only a comment\n"),
        ("\n\n# one\n\n\n\n# two\n\n", "# one\n\n# two\n"),
        ("def f() = 1   \n\n\n", "def f() = 1\n"),
    ],
)
def test_files_without_code(source: str, expected: str) -> None:
    assert format_source(source) == expected


def test_a_printer_crash_becomes_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(module, source, mode=None):
        raise KeyError("bug")

    monkeypatch.setattr(formatter, "print_chunks", crash)
    with pytest.raises(FormatError, match="internal error"):
        format_source(PROGRAM)


@pytest.mark.parametrize(
    "body",
    [
        " + ".join(["x"] * 3000),  # a tree 3,000 levels deep
        " |> ".join(["g"] * 2000),
        "f(" * 300 + ")" * 300,
        "[" * 200 + "]" * 200,
    ],
)
def test_deeply_nested_code_is_formatted(body: str) -> None:
    formatted = format_source(f"def f() = {body}\n")
    assert equivalent(parse(formatted).module, parse(f"def f() = {body}\n").module)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("def f() = g(1, 'a')", 'def f() =\n    g(1, "a")', True),
        ("def f() = (1 + 2) * 3", "def f() = 1 + 2 * 3", False),
        ("def f() = 1", "def f() = 1.0", False),
        ("def f() = 1", "def f() = true", False),
        ("def f() = [1, 2]", "def f() = [1, 2, 3]", False),
        ("def f(x) = x", "def f(y) = y", False),
    ],
)
def test_equivalence_ignores_layout_and_spelling_only(a: str, b: str, same: bool) -> None:
    assert equivalent(parse(a).module, parse(b).module) is same
