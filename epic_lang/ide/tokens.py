"""Semantic tokens: what each name is, so an editor colours a parameter, a local, a function
and a built-in differently, also inside f-string holes where a grammar cannot see."""

from __future__ import annotations

from dataclasses import dataclass

from epic_lang.analysis.builtins import BuiltinInfo
from epic_lang.analysis.scope import Binding
from epic_lang.ide.document import Analysis
from epic_lang.ide.walk import iter_nodes
from epic_lang.syntax import ast

TOKEN_TYPES = ("namespace", "function", "parameter", "variable", "property")
TOKEN_MODIFIERS = ("declaration", "readonly", "defaultLibrary")


@dataclass(frozen=True, slots=True)
class Token:
    """A name at [start, end) (one line), its type and modifiers (names from the tuples above)."""

    start: int
    end: int
    type: str
    modifiers: tuple[str, ...] = ()


def _binding_type(binding: Binding) -> str:
    if binding.kind == "import":
        return "namespace"
    if binding.kind == "def" or isinstance(binding.node, ast.Def):
        return "function"
    if binding.kind == "param":
        return "parameter"
    return "variable"


def _modifiers(binding: Binding, declaration: bool) -> tuple[str, ...]:
    mods = ("declaration",) if declaration else ()
    return mods + ("readonly",) if binding.kind == "let" else mods


def semantic_tokens(analysis: Analysis) -> list[Token]:
    resolution = analysis.resolution
    tokens: dict[int, Token] = {}
    for binding in resolution.bindings:
        span = binding.name.span
        tokens[span.start] = Token(
            span.start, span.end, _binding_type(binding), _modifiers(binding, True)
        )
    for var, target in resolution.targets.items():
        if isinstance(target, BuiltinInfo):
            token = Token(var.span.start, var.span.end, "function", ("defaultLibrary",))
        else:
            token = Token(
                var.span.start, var.span.end, _binding_type(target), _modifiers(target, False)
            )
        tokens[var.span.start] = token
    for names in resolution.keyword_uses.values():
        for name in names:
            tokens[name.span.start] = Token(name.span.start, name.span.end, "parameter")
    for field, _module in resolution.members:
        span = field.name.span
        tokens[span.start] = Token(span.start, span.end, "function")
    text = analysis.text
    for node in iter_nodes(analysis.module):
        if isinstance(node, ast.Field):
            span = node.name.span
        elif isinstance(node, ast.RecordField | ast.PRecordField):
            span = node.key_span
            if text[span.start : span.start + 1] in ("'", '"'):
                continue
        else:
            continue
        tokens.setdefault(span.start, Token(span.start, span.end, "property"))
    return sorted((t for t in tokens.values() if t.end > t.start), key=lambda t: t.start)
