"""The incremental parser must give exactly `parse(text)` (tree, comments, spans, diagnostics)
for every text, whatever edits led to it: random edits to the examples and to generated
programs, and golden edits at the places where cutting a file into chunks is delicate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epic_lang.syntax.incremental import IncrementalParser
from epic_lang.syntax.parser import parse

EXAMPLES = sorted(Path(__file__).parents[2].joinpath("examples").glob("*.epic"))

# Declarations to generate programs from: docs, comments, strings and brackets over lines.
PIECES = [
    "## Doc line one.\n## Doc line two.\ndef f(x, y=2) =\n    let z = x + y\n    z * 2\n",
    "# a plain comment\ndef g() = [1,\n    2,\n3]\n",
    'let prompt = """\nFirst line\ndef not_a_decl() = 1\n"""\n',
    'import python "math" as m\n',
    "def h(xs) =\n    match xs with\n        case [] => none\n        case [x, ...r] => {a: x}\n",
    'def s(name) = f"Hello {name}!\\n{len(name):>4}"\n',
    "let table = map(fn(n) => (n, n ** 2),\n    range(3))\n",
    "\n\n",
    "def k(a) = if a then\n    1\nelse 2\n",
    "## Only a doc.\n\nlet v = 1 |> str\n",
    "def t() = f'''multi\n{1 +\n 2} line'''\n",
    "# trailing comment\n",
]
# Fragments an editor inserts: the characters that change how lines are split.
FRAGMENTS = [
    '"""', "'''", '"', "'", "(", ")", "[", "]", "{", "}", "\n", "\ndef ", "\nlet x = ", "def ",
    "import ", "#", "## ", "\\", 'f"{', "f'''{", " ", "    ", "x", "1", "=", "=>", "\t", "\r",
    "\r\n", " \r ", "$", "let ", " in ", ",", "match x with\n", "\n    ",
]  # fmt: skip


@st.composite
def programs(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.sampled_from(EXAMPLES)).read_text(encoding="utf-8")
    return "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8)))


@st.composite
def edits(draw: st.DrawFn, text: str) -> str:
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + draw(st.sampled_from([0, 1, 5, 40])))))
    inserted = "".join(draw(st.lists(st.sampled_from(FRAGMENTS), max_size=3)))
    return text[:start] + inserted + text[end:]


def assert_same(parser: IncrementalParser, text: str) -> None:
    expected = parse(text)
    got = parser.parse(text)
    assert got.diagnostics == expected.diagnostics
    assert got.module.comments == expected.module.comments
    assert got.module == expected.module
    assert got == expected
    assert parser.parse(text) == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_edits_give_the_full_parse(data: st.DataObject) -> None:
    text = data.draw(programs())
    parser = IncrementalParser()
    assert_same(parser, text)
    for _ in range(data.draw(st.integers(1, 6))):
        text = data.draw(edits(text))
        assert_same(parser, text)


def test_repair_mode_and_path_are_passed_on() -> None:
    text = "def f(x) =\n    let y = (\n    x\n\ndef g() = 1\n"
    parser = IncrementalParser("a.epic", repair=True)
    assert parser.parse(text) == parse(text, "a.epic", repair=True)


PROGRAM = (
    "## Adds.\ndef add(a, b) = a + b\n\n"
    'let text = """\nabc\n"""\n\n'
    "def call() = add(1,\n    2)\n\n"
    "# note\ndef last() = 3\n"
)
# (description, text before, text after) pairs of edits at the delicate places.
GOLDEN = [
    ("open a triple-quoted string", PROGRAM, PROGRAM.replace('"""\nabc\n"""', '"""\nabc\n')),
    ("declaration inside a string", PROGRAM, PROGRAM.replace("abc", "abc\ndef add(x) = x")),
    ("unclosed bracket over lines", PROGRAM, PROGRAM.replace("    2)", "    2")),
    ("open bracket before a comment", PROGRAM, PROGRAM.replace("    2)", "    (2")),
    ("doc comment edited", PROGRAM, PROGRAM.replace("## Adds.", "## Adds two.\n## More.")),
    ("doc separated by a blank line", PROGRAM, PROGRAM.replace("## Adds.\n", "## Adds.\n\n")),
    ("syntax error shifted down", PROGRAM.replace("3\n", "(3\n"), "\n\n" + PROGRAM[:-2] + "(3\n"),
    ("backslash before a newline", PROGRAM, PROGRAM.replace("# note", 'let s = "a\\')),
    ("f-string hole over lines", PROGRAM, PROGRAM.replace("abc", 'x"""\nlet q = f"""{1 +\n')),
    ("edit the first line", PROGRAM, "x" + PROGRAM),
    ("last line without a token", PROGRAM, PROGRAM.replace("    2)\n", "    2)\n    $\n")),
    ("carriage return in a line", PROGRAM, PROGRAM.replace("    2)\n", "    2)\n \r \n")),
    ("bracket closed on a line of its own", PROGRAM, PROGRAM.replace("    2)", "    2\n)")),
    ("comment with a carriage return in brackets", PROGRAM, PROGRAM.replace("# note", "(\n# a\rb")),
]


@pytest.mark.parametrize(("before", "after"), [g[1:] for g in GOLDEN], ids=[g[0] for g in GOLDEN])
def test_golden_edits(before: str, after: str) -> None:
    parser = IncrementalParser()
    for text in (before, after, before, after):
        assert_same(parser, text)


def test_unchanged_declarations_are_not_parsed_again() -> None:
    parser = IncrementalParser()
    first = parser.parse(PROGRAM)
    second = parser.parse(PROGRAM.replace("def last() = 3", "def last() = 4"))
    assert second.module.decls[0] is first.module.decls[0]
    shifted = parser.parse("\n" + PROGRAM)
    assert shifted.module.decls[0].span.line == first.module.decls[0].span.line + 1


def test_a_declaration_too_deep_to_shift_is_parsed_in_place() -> None:
    chain = "def f() = " + " + ".join(["x"] * 3000) + "\n"
    parser = IncrementalParser()
    parser.parse("def g() = 1\n" + chain)
    got = parser.parse("\n\ndef g() = 1\n" + chain)  # the chain moves down by two lines
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # comparing the two trees recurses as deep
    try:
        assert got == parse("\n\ndef g() = 1\n" + chain)
    finally:
        sys.setrecursionlimit(limit)


def test_a_file_opened_with_an_error_is_still_parsed_incrementally() -> None:
    broken = PROGRAM.replace("def last() = 3", "def last() = (3")
    parser = IncrementalParser()
    parser.parse(broken)
    first = parser.parse(broken.replace("a + b", "a - b"))
    second = parser.parse(broken.replace("a + b", "a * b"))
    assert second.module.decls[-1] is first.module.decls[-1]
    assert second == parse(broken.replace("a + b", "a * b"))
