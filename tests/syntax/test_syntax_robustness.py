"""The parser never raises, whatever it is given, and still recovers what it can."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epic_lang.diagnostics import Severity
from epic_lang.source import LineIndex
from epic_lang.syntax import ast
from epic_lang.syntax.parser import parse

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.epic"))
# Read once: examples edited while the tests run must not make hypothesis's replays differ.
EXAMPLE_TEXTS = [p.read_text(encoding="utf-8") for p in EXAMPLES]
FRAGMENTS = [
    "def ",
    "let ",
    "import ",
    "python ",
    "as ",
    "fn",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "=",
    "=>",
    "|>",
    "if ",
    "then ",
    "else ",
    "match ",
    "with",
    "case ",
    " in ",
    "not ",
    "and ",
    "or ",
    "x",
    "f",
    "_",
    "1",
    "2.5",
    "-",
    "+",
    "**",
    "...",
    ".",
    '"s"',
    "'",
    '"',
    '"""',
    'f"{',
    "}",
    "{x}",
    "\n",
    "\n    ",
    "\n        ",
    "\t",
    "#c\n",
    "## d\n",
    " ",
    "\r\n",
    "\\",
]


def check(text: str) -> None:
    result = parse(text)
    assert isinstance(result.module, ast.Module)
    lines = LineIndex(text)
    for d in result.diagnostics:
        assert lines.span(d.span.start, d.span.end) == d.span, (text, d)
        assert d.severity is Severity.ERROR and d.code == "syntax"
        assert 0 <= d.span.start <= d.span.end <= len(text)
        assert d.message
        assert not d.message.startswith("internal error"), (text, d.message)
    repaired = parse(text, repair=True)
    assert repaired.diagnostics == result.diagnostics
    assert len(repaired.module.decls) >= len(result.module.decls)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    check(data.decode("utf-8", errors="replace"))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_never_raises(text: str) -> None:
    check(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60))
def test_random_token_soup_never_raises(parts: list[str]) -> None:
    check("".join(parts))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(EXAMPLE_TEXTS) - 1), st.data())
def test_damaged_examples_never_raise(which: int, data: st.DataObject) -> None:
    text = EXAMPLE_TEXTS[which]
    cut = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.sampled_from(FRAGMENTS))
    check(text[:cut] + insert + text[cut:])
    check(text[:cut])


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    check("def f() = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    check("def f() = " + "-" * 5000 + "1\n")
    check("def f() = " + "2 ** " * 3000 + "1\n")
    check("def f() = " + "[" * 3000 + "\n")


def test_an_error_does_not_hide_the_other_declarations() -> None:
    text = "def a() = 1\ndef b() = (\ndef c() = 3\nlet d = if\nimport 'x.epic' as e\n"
    result = parse(text)
    names = [
        d.alias.text if isinstance(d, ast.Import) else d.name.text for d in result.module.decls
    ]
    assert names == ["a", "b", "c", "e"]
    assert [d.span.line for d in result.diagnostics] == [2, 4]


def test_repair_keeps_a_declaration_without_its_broken_lines() -> None:
    text = (
        "def f(x) =\n"
        "    let a = x.\n"
        "    let b = (x 1)\n"
        "    let c = 2\n"
        "    a + c\n"
        "def g() = (\n"
        "def h(y) = y.\n"
    )
    plain = parse(text)
    repaired = parse(text, repair=True)
    assert repaired.diagnostics == plain.diagnostics
    assert [d.span.line for d in plain.diagnostics] == [2, 3, 6, 7]
    assert [d.name.text for d in plain.module.decls] == ["g"]  # type: ignore[union-attr]
    f, g = repaired.module.decls
    assert isinstance(f, ast.Def) and isinstance(f.body, ast.Block)
    assert [let.name.text for let in f.body.lets] == ["c"]
    assert f.params[0].name.text == "x"


def test_repair_removes_a_broken_line_with_its_block() -> None:
    text = "def f() =\n    let g = fn(y) =>\n        y +\n    let z = 1\n    z\n"
    f = parse(text, repair=True).module.decls[0]
    assert isinstance(f, ast.Def) and isinstance(f.body, ast.Block)
    assert [let.name.text for let in f.body.lets] == ["z"]
