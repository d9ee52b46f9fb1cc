"""Small helpers shared by the syntax tests: parse-or-fail and span-free tree shapes."""

from __future__ import annotations

import dataclasses

from epic_lang.source import Span
from epic_lang.syntax import ast
from epic_lang.syntax.parser import parse


def parse_ok(text: str) -> ast.Module:
    result = parse(text)
    assert result.diagnostics == (), [d.render() for d in result.diagnostics]
    return result.module


def body(text: str) -> ast.Expr:
    """The body of the single `def` in `text`."""
    decl = parse_ok(text).decls[0]
    assert isinstance(decl, ast.Def)
    return decl.body


def expr(source: str) -> ast.Expr:
    return body(f"def f() = {source}\n")


def shape(node: object) -> object:
    """A node as nested tuples without spans or raw text, for readable comparisons."""
    if isinstance(node, tuple):
        return tuple(shape(x) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, Span):
        fields = [
            shape(getattr(node, f.name))
            for f in dataclasses.fields(node)
            if f.name not in ("span", "key_span", "source_span", "raw")
        ]
        return (type(node).__name__, *fields)
    return node


def text_of(source: str, span: Span) -> str:
    return source[span.start : span.end]
