"""Generated programs: hypothesis builds random expressions together with the tree they must
parse to, writes them with random line breaks and indentation where the language allows them,
and checks the parser's tree and spans."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from syntax_helpers import shape
from test_syntax_spans import check_spans

from epic_lang.syntax.parser import parse

# Hypothesis warns that the strategies' reprs are large; they are, and that is fine here.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

# A generated expression is (source, tree). In `source`, "\0" marks a place between tokens
# where any whitespace may go (newlines included, since the whole expression is in brackets).
# Not after `=>`: a line break there followed by a deeper line opens a block, where layout
# counts (docs/language.md §3, "Blocks inside brackets").
Gen = tuple[str, object]
J = "\0"
# Around keywords at least one space is needed, or `then x` would read as the name `thenx`.
K = "\1"

NAMES = st.sampled_from(["x", "y", "foo", "_a", "b2", "größe"])
KEYWORD_ARG_NAMES = st.sampled_from(["k", "sep", "max_tokens"])
BINOPS = ["+", "-", "*", "/", "//", "%", "**", "|>", "and", "or"]
COMPARES = ["==", "!=", "<", "<=", ">", ">=", "in", "not in"]


def _binary_tree(op: str, left: object, right: object) -> object:
    if op == "|>":
        return ("Pipe", left, right)
    if op in ("and", "or"):
        return ("BoolOp", op, left, right)
    if op in COMPARES:
        return ("Compare", op, left, right)
    return ("BinOp", op, left, right)


def _float_source(value: float) -> str:
    text = repr(value)
    return text if ("." in text or "e" in text) else text + ".0"


leaves: st.SearchStrategy[Gen] = st.one_of(
    NAMES.map(lambda n: (n, ("Var", n))),
    st.integers(0, 10**30).map(lambda i: (str(i), ("Literal", i))),
    st.integers(0, 10**6).map(lambda i: (f"{i:_}", ("Literal", i))),
    st.integers(0, 10**6).map(lambda i: (hex(i), ("Literal", i))),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False)
    .filter(math.isfinite)
    .map(lambda f: (_float_source(f), ("Literal", f))),
    st.text(max_size=12).map(lambda s: (repr(s), ("Literal", s))),
    st.sampled_from([("true", True), ("false", False), ("none", None)]).map(
        lambda p: (p[0], ("Literal", p[1]))
    ),
)


def _paren(gen: Gen) -> str:
    return f"({J}{gen[0]}{J})"


def _commas(items: list[str], trailing: bool) -> str:
    return f"{J},{J}".join(items) + (f"{J},{J}" if trailing and items else "")


def _extend(children: st.SearchStrategy[Gen]) -> st.SearchStrategy[Gen]:
    binary = st.tuples(st.sampled_from(BINOPS + COMPARES), children, children).map(
        lambda t: (
            f"{_paren(t[1])}{J}{t[0]}{J}{_paren(t[2])}",
            _binary_tree(t[0], t[1][1], t[2][1]),
        )
    )
    unary = st.tuples(st.sampled_from(["-", "not "]), children).map(
        lambda t: (
            f"{t[0]}{_paren(t[1])}",
            ("Neg" if t[0] == "-" else "Not", t[1][1]),
        )
    )
    arg = st.one_of(
        children.map(lambda c: (c[0], ("Arg", None, c[1]))),
    )
    kwarg = st.tuples(KEYWORD_ARG_NAMES, children).map(
        lambda t: (f"{t[0]}{J}={J}{t[1][0]}", ("Arg", ("Name", t[0]), t[1][1]))
    )
    call = st.tuples(
        children, st.lists(arg, max_size=3), st.lists(kwarg, max_size=2), st.booleans()
    ).map(
        lambda t: (
            f"{_paren(t[0])}({J}{_commas([a[0] for a in t[1] + t[2]], t[3])}{J})",
            ("Call", t[0][1], tuple(a[1] for a in t[1] + t[2])),
        )
    )
    index = st.tuples(children, children).map(
        lambda t: (f"{_paren(t[0])}[{J}{t[1][0]}{J}]", ("Index", t[0][1], t[1][1]))
    )
    slice_ = st.tuples(children, st.none() | children, st.none() | children).map(
        lambda t: (
            f"{_paren(t[0])}[{J}{t[1][0] if t[1] else ''}{J}:{J}{t[2][0] if t[2] else ''}{J}]",
            ("Slice", t[0][1], t[1][1] if t[1] else None, t[2][1] if t[2] else None),
        )
    )
    field = st.tuples(children, NAMES).map(
        lambda t: (f"{_paren(t[0])}{J}.{J}{t[1]}", ("Field", t[0][1], ("Name", t[1])))
    )
    list_ = st.tuples(st.lists(children, max_size=4), st.booleans()).map(
        lambda t: (
            f"[{J}{_commas([c[0] for c in t[0]], t[1])}{J}]",
            ("ListExpr", tuple(c[1] for c in t[0])),
        )
    )
    tuple_ = st.tuples(st.lists(children, min_size=2, max_size=4), st.booleans()).map(
        lambda t: (
            f"({J}{_commas([c[0] for c in t[0]], t[1])}{J})",
            ("TupleExpr", tuple(c[1] for c in t[0])),
        )
    )
    one_tuple = children.map(lambda c: (f"({J}{c[0]}{J},{J})", ("TupleExpr", (c[1],))))
    record = st.tuples(
        st.lists(st.tuples(NAMES, st.booleans(), children), max_size=3, unique_by=lambda f: f[0]),
        st.booleans(),
    ).map(
        lambda t: (
            "{"
            + J
            + _commas([f"{repr(k) if q else k}{J}:{J}{v[0]}" for k, q, v in t[0]], t[1])
            + J
            + "}",
            ("RecordExpr", tuple(("RecordField", k, q, v[1]) for k, q, v in t[0])),
        )
    )
    lambda_ = st.tuples(st.lists(NAMES, max_size=3, unique=True), children).map(
        lambda t: (
            f"(fn({J}{_commas(list(t[0]), False)}{J}){J}=> {t[1][0]})",
            ("Lambda", tuple(("Param", ("Name", n), None) for n in t[0]), t[1][1]),
        )
    )
    if_ = st.tuples(children, children, children).map(
        lambda t: (
            f"(if{K}{_paren(t[0])}{K}then{K}{t[1][0]}{K}else{K}{t[2][0]})",
            ("If", t[0][1], t[1][1], t[2][1]),
        )
    )
    let_in = st.tuples(NAMES, children, children).map(
        lambda t: (
            f"(let {t[0]}{J}={J}{_paren(t[1])}{K}in{K}{t[2][0]})",
            ("LetIn", ("Name", t[0]), t[1][1], t[2][1]),
        )
    )
    match = st.tuples(children, children, children).map(
        lambda t: (
            f"(match{K}{_paren(t[0])}{K}with{K}case [h,{J}...rest]{J}=> {_paren(t[1])}"
            f"{K}case _{J}=> {_paren(t[2])})",
            (
                "Match",
                t[0][1],
                (
                    ("Case", ("PList", (("PName", ("Name", "h")),), ("Name", "rest")), t[1][1]),
                    ("Case", ("PWildcard",), t[2][1]),
                ),
            ),
        )
    )
    return st.one_of(
        binary,
        unary,
        call,
        index,
        slice_,
        field,
        list_,
        tuple_,
        one_tuple,
        record,
        lambda_,
        if_,
        let_in,
        match,
    )


def _flat(source: str) -> str:
    return source.replace(K, " ").replace(J, " ")


expressions = st.recursive(leaves, _extend, max_leaves=12)
WHITESPACE = st.sampled_from(["", " ", "  ", "\n", "\n        ", "\n# note\n", " \t"])


@settings(max_examples=300, deadline=None)
@given(expressions, st.data())
def test_generated_expressions_parse_to_their_tree(gen: Gen, data: st.DataObject) -> None:
    source, tree = gen
    pieces = source.replace(K, J + " " + J).split(J)
    spaces = data.draw(st.lists(WHITESPACE, min_size=len(pieces), max_size=len(pieces)))
    text = "".join(p + s for p, s in zip(pieces, spaces, strict=True))
    program = f"def f() = ({text})\n"
    result = parse(program)
    assert result.diagnostics == (), (program, [d.render() for d in result.diagnostics])
    assert shape(result.module.decls[0].body) == tree  # type: ignore[union-attr]
    check_spans(program)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(NAMES, expressions), max_size=4),
    expressions,
    st.integers(1, 8),
)
def test_generated_blocks_parse_to_their_tree(
    lets: list[tuple[str, Gen]], result: Gen, indent: int
) -> None:
    pad = " " * indent
    lines = [f"{pad}let {name} = ({_flat(value[0])})" for name, value in lets]
    lines.append(f"{pad}({_flat(result[0])})")
    program = "def f() =\n" + "\n".join(lines) + "\n"
    parsed = parse(program)
    assert parsed.diagnostics == (), (program, [d.render() for d in parsed.diagnostics])
    expected: object = result[1]
    if lets:
        expected = (
            "Block",
            tuple(("BlockLet", ("Name", name), value[1]) for name, value in lets),
            result[1],
        )
    assert shape(parsed.module.decls[0].body) == expected  # type: ignore[union-attr]
