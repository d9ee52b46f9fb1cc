"""Hand-built surface trees for desugaring tests that do not depend on the parser.

Each helper gives its node a fresh, distinct span, so a test can check that a core node
carries exactly the span of the surface node it came from.
"""

from __future__ import annotations

from itertools import count

from epic_lang.source import Span
from epic_lang.syntax import ast

_offsets = count(0, 10)


def span() -> Span:
    start = next(_offsets)
    return Span(start, start + 5, 1, start + 1, 1, start + 6)


def var(name: str) -> ast.Var:
    return ast.Var(name, span())


def lit(value: None | bool | int | float | str) -> ast.Literal:
    return ast.Literal(value, repr(value), span())


def name(text: str) -> ast.Name:
    return ast.Name(text, span())


def param(text: str, default: ast.Expr | None = None) -> ast.Param:
    return ast.Param(name(text), default, span())


def call(func: ast.Expr, *args: ast.Expr, **kwargs: ast.Expr) -> ast.Call:
    arguments = [ast.Arg(None, a, span()) for a in args]
    arguments += [ast.Arg(name(k), v, span()) for k, v in kwargs.items()]
    return ast.Call(func, tuple(arguments), span())


def binop(op: str, left: ast.Expr, right: ast.Expr) -> ast.BinOp:
    return ast.BinOp(op, left, right, span())  # type: ignore[arg-type]


def compare(op: str, left: ast.Expr, right: ast.Expr) -> ast.Compare:
    return ast.Compare(op, left, right, span())  # type: ignore[arg-type]


def def_(text: str, params: list[ast.Param], body: ast.Expr) -> ast.Def:
    return ast.Def(name(text), tuple(params), body, None, span())


def module(*decls: ast.Decl) -> ast.Module:
    return ast.Module(tuple(decls), (), span())
