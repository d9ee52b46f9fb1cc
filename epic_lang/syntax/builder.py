"""Turns lark's reductions into the frozen dataclasses of `ast.py`, while the parser runs.

Lark calls one method per grammar rule (the transformer is applied inline, so no lark Tree is
ever built) with the rule's children: tokens from the lexer and nodes already built. Spans come
from the first and last child. Two jobs need more than that:

- Parentheses leave no node, yet `(a + b) * c` must start at the `(`; `paren` returns a
  `_Paren` wrapper whose span includes the brackets, and every rule unwraps its children.
- Operators arrive as one flat sequence (see grammar.lark) and `opexpr` applies the
  precedence table of docs/language.md §5 with a small precedence-climbing loop.

Problems that only show here (a chained comparison, a positional argument after a keyword one)
are reported through the per-parse `Context` so that the tree is still built.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from epic_lang.diagnostics import Diagnostic, Fix, Severity
from epic_lang.records import field, record
from epic_lang.source import Span, join, make_span
from epic_lang.syntax import ast
from epic_lang.syntax.lexer import FStringRaw, HoleRaw, Tok


@record(slots=True)
class Context:
    """Per-parse state the builder needs: where to report, and how to parse an f-string hole."""

    path: str | None
    parse_hole: Callable[[HoleRaw], ast.Expr]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, span: Span, message: str, fixes: tuple[Fix, ...] = ()) -> None:
        self.diagnostics.append(
            Diagnostic(Severity.ERROR, span, message, "syntax", self.path, fixes)
        )


_local = threading.local()


def set_context(ctx: Context | None) -> None:
    _local.ctx = ctx


def _ctx() -> Context:
    return _local.ctx


@record(frozen=True, slots=True)
class _Paren:
    """A parenthesised expression while its parent is being built: `span` covers the brackets."""

    expr: ast.Expr
    span: Span


def tok_span(tok: Tok) -> Span:
    return make_span(tok.start_pos, tok.end_pos, tok.line, tok.column, tok.end_line, tok.end_column)


def span_of(x: object) -> Span:
    if isinstance(x, Tok):
        return tok_span(x)
    return x.span  # type: ignore[attr-defined]


def cover(first: object, last: object) -> Span:
    """The span from the start of `first` to the end of `last` (tokens or nodes)."""
    if isinstance(first, Tok):
        if isinstance(last, Tok):
            return make_span(
                first.start_pos,
                last.end_pos,
                first.line,
                first.column,
                last.end_line,
                last.end_column,
            )
        return join(tok_span(first), last.span)  # type: ignore[attr-defined]
    return join(first.span, span_of(last))  # type: ignore[attr-defined]


def unwrap(x: object) -> ast.Expr:
    return x.expr if type(x) is _Paren else x  # type: ignore[return-value]


def _text(tok: Tok) -> str:
    """A name's or number's text, one string object per distinct text: a large file spells the
    same few names over and over, and each copy would cost as much as the name's node."""
    return sys.intern(str(tok))


def _name(tok: Tok) -> ast.Name:
    return ast.Name(_text(tok), tok_span(tok))


def _nodes(children: list) -> list:
    """The children that are not punctuation tokens."""
    return [c for c in children if not isinstance(c, Tok)]


# Binding power of binary operators; prefix `not` is 4 and prefix `-` is 8.
_PREC = {"PIPE": 1, "OR": 2, "AND": 3, "IN": 5, "NOTIN": 5, "MINUS": 6}
_BINOP_PREC = {
    "==": 5,
    "!=": 5,
    "<": 5,
    "<=": 5,
    ">": 5,
    ">=": 5,
    "+": 6,
    "*": 7,
    "/": 7,
    "//": 7,
    "%": 7,
    "**": 9,
}
_COMPARE = 5
_POWER = 9


def _prec(tok: Tok) -> int:
    if tok.type == "BINOP":
        return _BINOP_PREC[tok.value]
    return _PREC[tok.type]


def _binary(op: Tok, left: object, right: object) -> ast.Expr:
    span = cover(left, right)
    lhs, rhs = unwrap(left), unwrap(right)
    kind = op.type
    if kind == "PIPE":
        return ast.Pipe(lhs, _with_placeholder(rhs), span)
    if kind == "AND" or kind == "OR":
        return ast.BoolOp(op.value, lhs, rhs, span)
    if kind == "IN":
        return ast.Compare("in", lhs, rhs, span)
    if kind == "NOTIN":
        return ast.Compare("not in", lhs, rhs, span)
    if kind == "MINUS":
        return ast.BinOp("-", lhs, rhs, span)
    if _BINOP_PREC[op.value] == _COMPARE:
        return ast.Compare(op.value, lhs, rhs, span)
    return ast.BinOp(op.value, lhs, rhs, span)


def _with_placeholder(right: ast.Expr) -> ast.Expr:
    """The right side of `|>` with its `_` argument, if it has one, made a `Placeholder`."""
    if type(right) is not ast.Call or not any(
        type(a.value) is ast.Var and a.value.name == "_" for a in right.args
    ):
        return right
    args = []
    found = False
    for a in right.args:
        if type(a.value) is ast.Var and a.value.name == "_":
            if found:
                _ctx().error(a.value.span, "only one argument can be `_`, the piped value")
            found = True
            a = ast.Arg(a.name, ast.Placeholder(a.value.span), a.span)
        args.append(a)
    return ast.Call(right.func, tuple(args), right.span)


class _Climber:
    """Precedence climbing over `prefix* operand (op prefix* operand)*`."""

    def __init__(self, items: list) -> None:
        self.items = items
        self.pos = 0

    def parse(self, min_prec: int) -> object:
        items = self.items
        item = items[self.pos]
        self.pos += 1
        if isinstance(item, Tok):
            if item.type == "NOT":
                operand = self.parse(_COMPARE)
                left: object = ast.Not(unwrap(operand), cover(item, operand))
            else:
                operand = self.parse(_POWER)
                left = ast.Neg(unwrap(operand), cover(item, operand))
        else:
            left = item
        chained = False
        while self.pos < len(items):
            op = items[self.pos]
            prec = _prec(op)
            if prec < min_prec:
                break
            self.pos += 1
            right = self.parse(prec if prec == _POWER else prec + 1)
            if prec == _COMPARE:
                if chained:
                    _ctx().error(
                        tok_span(op),
                        "comparisons cannot be chained; combine them with `and`",
                    )
                chained = True
            left = _binary(op, left, right)
        return left


class Builder:
    """One method per grammar rule; see grammar.lark for the shapes of `children`."""

    # ---- declarations

    def import_decl(self, c: list) -> ast.Import:
        python = c[1].type == "PYTHON"
        source = c[2 if python else 1]
        return ast.Import(python, source.data, tok_span(source), _name(c[-1]), cover(c[0], c[-1]))

    def def_decl(self, c: list) -> ast.Def:
        body = c[6]
        return ast.Def(_name(c[1]), c[3], unwrap(body), None, cover(c[0], body))

    def let_decl(self, c: list) -> ast.LetDecl:
        return ast.LetDecl(_name(c[1]), unwrap(c[3]), None, cover(c[0], c[3]))

    def params(self, c: list) -> tuple[ast.Param, ...]:
        params = tuple(_nodes(c))
        seen_default = False
        for p in params:
            if p.default is not None:
                seen_default = True
            elif seen_default:
                _ctx().error(
                    p.span, "a parameter without a default cannot follow one with a default"
                )
        return params

    def param(self, c: list) -> ast.Param:
        if len(c) == 1:
            name = _name(c[0])
            return ast.Param(name, None, name.span)  # one span object for both
        return ast.Param(_name(c[0]), unwrap(c[2]), cover(c[0], c[2]))

    def block(self, c: list) -> object:
        if len(c) == 1:
            return c[0]
        lets = tuple(c[:-1])
        return ast.Block(lets, unwrap(c[-1]), cover(lets[0], c[-1]))

    def block_let(self, c: list) -> ast.BlockLet:
        return ast.BlockLet(_name(c[1]), unwrap(c[3]), cover(c[0], c[3]))

    def block_unpack(self, c: list) -> ast.BlockUnpack:
        return ast.BlockUnpack(c[1], unwrap(c[3]), cover(c[0], c[3]))

    def hole(self, c: list) -> ast.Expr:
        return unwrap(c[0])

    # ---- expressions

    def lambda_(self, c: list) -> ast.Lambda:
        return ast.Lambda(c[2], unwrap(c[5]), cover(c[0], c[5]))

    def if_expr(self, c: list) -> ast.If:
        return ast.If(unwrap(c[1]), unwrap(c[3]), unwrap(c[5]), cover(c[0], c[5]))

    def let_in(self, c: list) -> ast.LetIn | ast.LetInUnpack:
        span = cover(c[0], c[5])
        if isinstance(c[1], Tok):
            return ast.LetIn(_name(c[1]), unwrap(c[3]), unwrap(c[5]), span)
        return ast.LetInUnpack(c[1], unwrap(c[3]), unwrap(c[5]), span)

    def try_expr(self, c: list) -> ast.Try:
        return ast.Try(unwrap(c[1]), _name(c[3]), unwrap(c[5]), cover(c[0], c[5]))

    def match_expr(self, c: list) -> ast.Match:
        cases = tuple(_nodes(c[3:]))
        return ast.Match(unwrap(c[1]), cases, cover(c[0], cases[-1]))

    def case(self, c: list) -> ast.Case:
        return ast.Case(c[1], unwrap(c[3]), cover(c[0], c[3]))

    def opexpr(self, c: list) -> object:
        if len(c) == 1:
            return c[0]
        return _Climber(c).parse(0)

    def call(self, c: list) -> ast.Call:
        args: tuple[ast.Arg, ...] = c[2]
        seen_keyword = False
        for a in args:
            if a.name is not None:
                seen_keyword = True
            elif seen_keyword:
                _ctx().error(a.span, "a positional argument cannot follow a keyword argument")
        return ast.Call(unwrap(c[0]), args, cover(c[0], c[3]))

    def args(self, c: list) -> tuple[ast.Arg, ...]:
        out = []
        for a in _nodes(c):
            if type(a) is ast.Arg:
                out.append(a)
            else:
                out.append(ast.Arg(None, unwrap(a), a.span))
        return tuple(out)

    def kwarg(self, c: list) -> ast.Arg:
        return ast.Arg(_name(c[0]), unwrap(c[2]), cover(c[0], c[2]))

    def index(self, c: list) -> ast.Index:
        return ast.Index(unwrap(c[0]), unwrap(c[2]), cover(c[0], c[3]))

    def slice(self, c: list) -> ast.Slice:
        start = None if c[2] is None else unwrap(c[2])
        stop = None if c[4] is None else unwrap(c[4])
        return ast.Slice(unwrap(c[0]), start, stop, cover(c[0], c[5]))

    def field(self, c: list) -> ast.Field:
        return ast.Field(unwrap(c[0]), _name(c[2]), cover(c[0], c[2]))

    # ---- atoms

    def var(self, c: list) -> ast.Var:
        return ast.Var(_text(c[0]), tok_span(c[0]))

    def number(self, c: list) -> ast.Literal:
        return ast.Literal(c[0].data, _text(c[0]), tok_span(c[0]))

    def string(self, c: list) -> ast.Literal:
        return ast.Literal(c[0].data, str(c[0]), tok_span(c[0]))

    def fstring(self, c: list) -> ast.FString:
        tok = c[0]
        raw: FStringRaw = tok.data
        parse_hole = _ctx().parse_hole
        parts: list[str | ast.FHole] = []
        for part in raw.parts:
            if isinstance(part, str):
                parts.append(part)
            else:
                parts.append(ast.FHole(parse_hole(part), part.format_spec, part.span))
        return ast.FString(tuple(parts), raw.quote, tok_span(tok))

    def constant(self, c: list) -> ast.Literal:
        tok = c[0]
        value = {"TRUE": True, "FALSE": False, "NONE": None}[tok.type]
        return ast.Literal(value, str(tok), tok_span(tok))

    def paren(self, c: list) -> _Paren:
        return _Paren(unwrap(c[1]), cover(c[0], c[2]))

    def record(self, c: list) -> ast.RecordExpr:
        return ast.RecordExpr(tuple(_nodes(c)), cover(c[0], c[-1]))

    def record_update(self, c: list) -> ast.RecordUpdate:
        fields = tuple(_nodes(c[3:]))
        return ast.RecordUpdate(unwrap(c[2]), fields, cover(c[0], c[-1]))

    def record_field(self, c: list) -> ast.RecordField:
        key = c[0]
        quoted = key.type == "STRING"
        text = key.data if quoted else _text(key)
        return ast.RecordField(text, tok_span(key), quoted, unwrap(c[2]), cover(key, c[2]))

    # ---- patterns

    def pname(self, c: list) -> ast.PWildcard | ast.PName:
        tok = c[0]
        if tok == "_":
            return ast.PWildcard(tok_span(tok))
        name = _name(tok)
        return ast.PName(name, name.span)  # one span object for both

    def pliteral(self, c: list) -> ast.PLiteral:
        tok = c[-1]
        if tok.type in ("INT", "FLOAT"):
            value = tok.data
            if len(c) == 2:
                return ast.PLiteral(-value, f"-{tok}", cover(c[0], tok))
            return ast.PLiteral(value, str(tok), tok_span(tok))
        if tok.type == "STRING":
            return ast.PLiteral(tok.data, str(tok), tok_span(tok))
        value = {"TRUE": True, "FALSE": False, "NONE": None}[tok.type]
        return ast.PLiteral(value, str(tok), tok_span(tok))

    def pparen(self, c: list) -> ast.Pattern:
        return c[1]

    def ptuple(self, c: list) -> ast.PTuple:
        return ast.PTuple(tuple(_nodes(c)), cover(c[0], c[-1]))

    def plist(self, c: list) -> ast.PList:
        nodes = _nodes(c)
        rest = None
        if nodes and type(nodes[-1]) is ast.Name:
            rest = nodes.pop()
        return ast.PList(tuple(nodes), rest, cover(c[0], c[-1]))

    def prest(self, c: list) -> ast.Name:
        return _name(c[1])

    def precord(self, c: list) -> ast.PRecord:
        return ast.PRecord(tuple(_nodes(c)), cover(c[0], c[-1]))

    def precord_field(self, c: list) -> ast.PRecordField:
        key = c[0]
        if len(c) == 1:
            span = tok_span(key)
            return ast.PRecordField(_text(key), span, ast.PName(_name(key), span), span)
        text = key.data if key.type == "STRING" else str(key)
        return ast.PRecordField(text, tok_span(key), c[2], cover(key, c[2]))

    # Last in the class: below these two, `list` and `tuple` in annotations would name them.
    def tuple(self, c: list) -> ast.TupleExpr:
        return ast.TupleExpr(tuple(unwrap(x) for x in _nodes(c)), cover(c[0], c[-1]))

    def list(self, c: list) -> ast.ListExpr:
        return ast.ListExpr(tuple(unwrap(x) for x in _nodes(c)), cover(c[0], c[-1]))


# `lambda` is a Python keyword; lark looks the rule's callback up by name.
setattr(Builder, "lambda", Builder.lambda_)
