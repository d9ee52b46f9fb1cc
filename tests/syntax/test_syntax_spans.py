"""Every node's span is exact: offsets into the whole file, and line/col agreeing with them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from syntax_helpers import parse_ok, text_of

from epic_lang.source import LineIndex, Span
from epic_lang.syntax import ast

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.epic"))

PROGRAM = '''\
import python "math" as math

## Doc.
def f(x, y=(1 + 2)) =
    let msg = f"""x is {x.name}, sum {x + y:>4}
and {g(a=[x, y], b={k: x})} {{literal}}"""
    let h = fn(z) => (z * 2) ** -y
    match x with
        case {kind: "a", v: [p, ...rest]} => p
        case (q, _) => f'{q}'
        case -1 => h(x)[0:len(msg)]
'''


def walk(node: object) -> Iterator[object]:
    """Every dataclass node below `node`, parts of f-strings included."""
    if isinstance(node, tuple):
        for item in node:
            yield from walk(item)
    elif dataclasses.is_dataclass(node) and not isinstance(node, Span):
        yield node
        for f in dataclasses.fields(node):
            yield from walk(getattr(node, f.name))


def check_spans(source: str) -> list[object]:
    module = parse_ok(source)
    index = LineIndex(source)
    nodes = list(walk(module))
    for node in nodes:
        span = getattr(node, "span", None)
        if span is None:
            continue
        assert index.span(span.start, span.end) == span, node
        if isinstance(node, ast.Var):
            assert text_of(source, span) == node.name
        elif isinstance(node, ast.Name):
            assert text_of(source, span) == node.text
        elif isinstance(node, ast.Literal | ast.PLiteral):
            assert text_of(source, span) == node.raw
        elif isinstance(node, ast.Comment):
            assert text_of(source, span) == node.text
        elif isinstance(node, ast.Call | ast.Index | ast.Slice):
            assert text_of(source, span)[-1] in ")]"
    return nodes


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_spans_are_exact(path: Path) -> None:
    check_spans(path.read_text(encoding="utf-8"))


def test_program_spans_are_exact() -> None:
    nodes = check_spans(PROGRAM)
    names = [n.name for n in nodes if isinstance(n, ast.Var)]
    assert names.count("x") >= 5 and "g" in names and "q" in names


def test_fstring_hole_names_point_into_the_file() -> None:
    nodes = check_spans(PROGRAM)
    fstring = next(n for n in nodes if isinstance(n, ast.FString) and n.quote == '"""')
    holes = [p for p in fstring.parts if isinstance(p, ast.FHole)]
    assert [h.format_spec for h in holes] == [None, ">4", None]
    assert text_of(PROGRAM, holes[0].span) == "{x.name}"
    g_call = holes[2].expr
    assert isinstance(g_call, ast.Call)
    assert g_call.func.span.line == 6 and g_call.func.span.col == 6
    assert text_of(PROGRAM, g_call.span) == "g(a=[x, y], b={k: x})"
    assert fstring.parts[-1] == " {literal}"
    assert fstring.parts[0] == "x is "


def test_parenthesised_operands_widen_their_parent() -> None:
    source = "def f(a, b, c) = (a + b) * c\n"
    node = parse_ok(source).decls[0].body  # type: ignore[union-attr]
    assert text_of(source, node.span) == "(a + b) * c"
    assert text_of(source, node.left.span) == "a + b"


def test_declaration_spans() -> None:
    source = "## Doc\ndef f(x) =\n    let y = x\n    y\n\nlet z = 1  # c\n"
    f, z = parse_ok(source).decls
    assert text_of(source, f.span) == "def f(x) =\n    let y = x\n    y"
    assert text_of(source, z.span) == "let z = 1"
    block = f.body  # type: ignore[union-attr]
    assert isinstance(block, ast.Block)
    assert text_of(source, block.span) == "let y = x\n    y"
    assert text_of(source, block.lets[0].span) == "let y = x"


def test_match_and_case_spans() -> None:
    source = "def f(v) =\n    match v with\n        case [h, ...t] => h\n"
    match = parse_ok(source).decls[0].body  # type: ignore[union-attr]
    assert text_of(source, match.span) == "match v with\n        case [h, ...t] => h"
    case = match.cases[0]
    assert text_of(source, case.span) == "case [h, ...t] => h"
    assert text_of(source, case.pattern.span) == "[h, ...t]"
    assert text_of(source, case.pattern.rest.span) == "t"


def test_module_span_covers_the_file() -> None:
    source = "def f() = 1\n\n"
    module = parse_ok(source)
    assert (module.span.start, module.span.end) == (0, len(source))
    assert (module.span.end_line, module.span.end_col) == (3, 1)


@pytest.mark.parametrize(
    "fields",
    [
        (0, 0, 1, 1, 1, 1),
        (3, 10, 1, 4, 2, 5),
        ((1 << 29) - 1, (1 << 29) - 1, 7, 1, 7, 1),  # the largest narrow lane
        (5, 1 << 29, 1, 6, 1, (1 << 29) + 6),  # a line of 512 M characters: wide lanes
        (-1, 0, 0, -3, 1, 1),  # nonsense from a caller still round-trips
    ],
)
def test_a_span_keeps_its_fields(fields: tuple[int, int, int, int, int, int]) -> None:
    """A span is one packed int: every field comes back, equal fields give equal spans (the
    same int, so the same hash), and copies and pickles are spans again."""
    import copy
    import pickle

    span = Span(*fields)
    names = ("start", "end", "line", "col", "end_line", "end_col")
    assert tuple(getattr(span, name) for name in names) == fields
    assert span == Span(**dict(zip(names, fields, strict=True)))
    assert hash(span) == hash(Span(*fields))
    for again in (copy.deepcopy(span), pickle.loads(pickle.dumps(span))):
        assert type(again) is Span and again == span
    shown = ", ".join(f"{n}={v}" for n, v in zip(names, fields, strict=True))
    assert repr(span) == f"Span({shown})"
    assert f"{span}" == repr(span) and bool(span)


def test_spans_that_differ_in_one_field_differ() -> None:
    base = (3, 10, 2, 4, 3, 5)
    for i in range(6):
        other = list(base)
        other[i] += 1
        assert Span(*base) != Span(*other)


def test_cover_joins_narrow_and_wide_spans() -> None:
    a, b = Span(3, 5, 1, 4, 1, 6), Span(20, 30, 3, 2, 4, 7)
    wide = Span(40, 1 << 30, 5, 1, 9, 1 << 30)
    assert a.cover(b) == b.cover(a) == Span(3, 30, 1, 4, 4, 7)
    assert a.cover(wide) == Span(3, 1 << 30, 1, 4, 9, 1 << 30)
    assert a.shifted(100, 10) == Span(103, 105, 11, 4, 11, 6)


def test_a_span_is_one_small_object() -> None:
    """The point of the packing: a span is one object of at most 64 bytes, where a frozen
    dataclass of six ints cost 80 bytes plus its ints (about 120 bytes in a large file)."""
    import sys

    assert sys.getsizeof(Span(999_999, 1_000_000, 26_000, 80, 26_001, 3)) <= 64
