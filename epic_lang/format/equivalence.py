"""What "the same program" means for the formatter's safety check (black's `assert_equivalent`).

Two trees are equivalent when they are equal once spans, comments and the spelling of literals
(`raw`, quote style, quoted record keys) are ignored. Literal values are compared together with
their types, so that `1` and `1.0` (equal in Python) or `1` and `true` stay different. A block
with no `let` lines is the same as its result.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass

from epic_lang.syntax import ast

_IGNORED = {"span", "raw", "key_span", "source_span", "quote", "quoted", "comments"}


_FIELDS: dict[type, tuple[str, ...]] = {}
_LITERALS = (ast.Literal, ast.PLiteral)


def _compared_fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in fields(kind) if f.name not in _IGNORED)
    return names


def tree_key(node: object) -> object:
    """A hashable, comparable value standing for `node` minus what formatting may change."""
    kind = type(node)
    if kind is ast.Block and not node.lets:  # type: ignore[attr-defined]
        return tree_key(node.result)  # type: ignore[attr-defined]
    if kind is tuple or kind is list:
        return tuple(tree_key(x) for x in node)  # type: ignore[attr-defined]
    if not is_dataclass(node):
        return node
    items: list[object] = [kind.__name__]
    literal = kind in _LITERALS
    for name in _compared_fields(kind):
        value = getattr(node, name)
        if literal and name == "value":
            items.append((type(value).__name__, value))
        else:
            items.append(tree_key(value))
    return tuple(items)


def first_difference(a: ast.Module, b: ast.Module) -> int | None:
    """The index of the first top-level declaration that differs (None if equivalent)."""
    for i, (x, y) in enumerate(zip(a.decls, b.decls, strict=False)):
        if tree_key(x) != tree_key(y):
            return i
    if len(a.decls) != len(b.decls):
        return min(len(a.decls), len(b.decls))
    return None
