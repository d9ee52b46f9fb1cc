"""Hypothesis strategies that build random EPIC syntax trees from the AST classes.

The formatter prints them (the tree has no text to start from), and the property tests check
that parsing the printed text gives the same tree back: every tree the parser could produce
must have a printed form that means exactly that tree. All spans are NO_SPAN; literals have
no `raw`, so the printer spells them itself.
"""

from __future__ import annotations

from hypothesis import strategies as st

from epic_lang.source import NO_SPAN
from epic_lang.syntax import ast

S = NO_SPAN
NAMES = ["x", "y", "f", "xs", "acc", "value", "item_2", "_tmp", "é"]
KEYS = ["a", "name", "b c", "", "if", "x-y"]
STRING_ALPHABET = "ab \"'\\\n\t{}é#"

names = st.sampled_from(NAMES)


def name_node(text: str) -> ast.Name:
    return ast.Name(text, S)


def literal(value: object) -> ast.Literal:
    return ast.Literal(value, "", S)  # type: ignore[arg-type]


literals = st.one_of(
    st.sampled_from([None, True, False]).map(literal),
    st.integers(min_value=0, max_value=10**20).map(literal),
    st.floats(min_value=0, max_value=1e20, allow_nan=False, allow_infinity=False).map(literal),
    st.text(STRING_ALPHABET, max_size=8).map(literal),
)
# Literals as an author may spell them: the printer must keep `raw` as written.
spelled = st.one_of(
    st.sampled_from(
        [(31, "0x1f"), (1000, "1_000"), (0.002, "2e-3"), (15, "0o17"), ("x", "'x'"), ("", "''")]
    ).map(lambda vr: ast.Literal(vr[0], vr[1], S)),
    st.text("ab \n'é#", max_size=8).map(lambda v: ast.Literal(v, f'"""{v}"""', S)),
)
variables = names.map(lambda n: ast.Var(n, S))

# Holes of f-strings hold simple expressions: a string inside a hole may not reuse the
# f-string's quote, so holes here have no strings.
hole_exprs = st.recursive(
    st.one_of(variables, st.integers(0, 99).map(literal)),
    lambda inner: st.one_of(
        st.builds(lambda a, b: ast.BinOp("+", a, b, S), inner, inner),
        st.builds(lambda a, n: ast.Field(a, name_node(n), S), inner, names),
        st.builds(lambda f, a: ast.Call(f, (ast.Arg(None, a, S),), S), inner, inner),
        st.builds(lambda a, b: ast.Index(a, b, S), inner, inner),
    ),
    max_leaves=4,
)


@st.composite
def fstrings(draw: st.DrawFn) -> ast.FString:
    quote = draw(st.sampled_from(['"', "'", '"""']))
    parts: list[str | ast.FHole] = []
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            text = draw(st.text(STRING_ALPHABET, min_size=1, max_size=6))
            if parts and isinstance(parts[-1], str):
                parts[-1] += text
            else:
                parts.append(text)
        else:
            spec = draw(st.sampled_from([None, None, ">3", ".2f"]))
            parts.append(ast.FHole(draw(hole_exprs), spec, S))
    return ast.FString(tuple(parts), quote, S)


def params(exprs: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[tuple[ast.Param, ...]]:
    """Parameters, those with a default last (the grammar requires it)."""

    def build(plain: list[str], defaults: list[tuple[str, ast.Expr]]) -> tuple[ast.Param, ...]:
        first = [ast.Param(name_node(n), None, S) for n in plain]
        return tuple(first + [ast.Param(name_node(n), d, S) for n, d in defaults])

    return st.builds(
        build, st.lists(names, max_size=2), st.lists(st.tuples(names, exprs), max_size=2)
    )


patterns = st.recursive(
    st.one_of(
        st.just(ast.PWildcard(S)),
        names.map(lambda n: ast.PName(name_node(n), S)),
        st.integers(-50, 50).map(lambda v: ast.PLiteral(v, "", S)),
        st.text("ab'\"", max_size=3).map(lambda v: ast.PLiteral(v, "", S)),
        st.sampled_from([None, True, False]).map(lambda v: ast.PLiteral(v, "", S)),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: ast.PTuple(tuple(xs), S)),
        st.builds(
            lambda xs, rest: ast.PList(tuple(xs), rest, S),
            st.lists(inner, max_size=3),
            st.one_of(st.none(), names.map(name_node)),
        ),
        st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=2).map(
            lambda fs: ast.PRecord(tuple(ast.PRecordField(k, S, p, S) for k, p in fs), S)
        ),
    ),
    max_leaves=5,
)


# The patterns a destructuring `let` takes: tuples, lists and records.
targets = patterns.filter(lambda p: isinstance(p, ast.PTuple | ast.PList | ast.PRecord))


def _extend(inner: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    positional = st.lists(inner.map(lambda v: ast.Arg(None, v, S)), max_size=2)
    keyword = st.lists(
        st.builds(lambda n, v: ast.Arg(name_node(n), v, S), names, inner), max_size=2
    )
    # Keyword arguments come last, as the grammar requires.
    args = st.builds(lambda p, k: tuple(p + k), positional, keyword)
    optional = st.one_of(st.none(), inner)
    return st.one_of(
        st.builds(
            lambda op, a, b: ast.BinOp(op, a, b, S),
            st.sampled_from(["+", "-", "*", "/", "//", "%", "**"]),
            inner,
            inner,
        ),
        st.builds(
            lambda op, a, b: ast.Compare(op, a, b, S),
            st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "in", "not in"]),
            inner,
            inner,
        ),
        st.builds(
            lambda op, a, b: ast.BoolOp(op, a, b, S), st.sampled_from(["and", "or"]), inner, inner
        ),
        st.builds(lambda a: ast.Not(a, S), inner),
        st.builds(lambda a: ast.Neg(a, S), inner),
        st.builds(lambda a, b: ast.Pipe(a, b, S), inner, inner),
        st.builds(lambda f, a: ast.Call(f, a, S), inner, args),
        st.builds(lambda a, b: ast.Index(a, b, S), inner, inner),
        st.builds(lambda a, b, c: ast.Slice(a, b, c, S), inner, optional, optional),
        st.builds(lambda a, n: ast.Field(a, name_node(n), S), inner, names),
        st.lists(inner, max_size=3).map(lambda xs: ast.TupleExpr(tuple(xs), S)),
        st.lists(inner, max_size=3).map(lambda xs: ast.ListExpr(tuple(xs), S)),
        st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=3).map(
            lambda fs: ast.RecordExpr(
                tuple(ast.RecordField(k, S, not k.isidentifier(), v, S) for k, v in fs), S
            )
        ),
        st.builds(lambda ps, b: ast.Lambda(ps, b, S), params(inner), inner),
        st.builds(lambda c, a, b: ast.If(c, a, b, S), inner, inner, inner),
        st.builds(lambda n, v, b: ast.LetIn(name_node(n), v, b, S), names, inner, inner),
        st.builds(lambda b, n, h: ast.Try(b, name_node(n), h, S), inner, names, inner),
        st.builds(
            lambda base, fs: ast.RecordUpdate(
                base, tuple(ast.RecordField(k, S, not k.isidentifier(), v, S) for k, v in fs), S
            ),
            inner,
            st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=2),
        ),
        st.builds(lambda p, v, b: ast.LetInUnpack(p, v, b, S), targets, inner, inner),
        st.builds(
            lambda left, f, before, after: ast.Pipe(
                left,
                ast.Call(f, (*before, ast.Arg(None, ast.Placeholder(S), S), *after), S),
                S,
            ),
            inner,
            inner,
            positional,
            positional,
        ),
        st.builds(
            lambda subject, cases: ast.Match(
                subject, tuple(ast.Case(p, b, S) for p, b in cases), S
            ),
            inner,
            st.lists(st.tuples(patterns, inner), min_size=1, max_size=3),
        ),
    )


expressions = st.recursive(
    st.one_of(variables, literals, spelled, fstrings()), _extend, max_leaves=12
)


@st.composite
def bodies(draw: st.DrawFn) -> ast.Expr:
    """A def or let body: an expression, or a block of `let` lines and a result."""
    lets = draw(
        st.lists(
            st.one_of(
                st.builds(lambda n, v: ast.BlockLet(name_node(n), v, S), names, expressions),
                st.builds(lambda p, v: ast.BlockUnpack(p, v, S), targets, expressions),
            ),
            max_size=2,
        )
    )
    result = draw(expressions)
    return ast.Block(tuple(lets), result, S) if lets else result


docs = st.one_of(st.none(), st.sampled_from(["Doc.", "Two\nlines.", "Has `code` in it."]))

declarations = st.one_of(
    st.builds(
        lambda n, ps, b, d: ast.Def(name_node(n), ps, b, d, S),
        names,
        params(expressions),
        bodies(),
        docs,
    ),
    st.builds(lambda n, b, d: ast.LetDecl(name_node(n), b, d, S), names, bodies(), docs),
    st.builds(
        lambda py, src, n: ast.Import(py, src, S, name_node(n), S),
        st.booleans(),
        st.sampled_from(["math", "./tools.py", "./x.epic"]),
        names,
    ),
)

modules = st.lists(declarations, min_size=1, max_size=4).map(
    lambda ds: ast.Module(tuple(ds), (), S)
)
