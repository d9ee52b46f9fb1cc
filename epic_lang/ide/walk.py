"""Generic traversal of the syntax tree, so each editor feature does not re-list every node type.

Every node in `epic_lang.syntax.ast` is a dataclass with a `span`; children are found in its
fields (single nodes, tuples of nodes, or f-string parts mixing text and holes). The fields are
read from each class's `__slots__` (a slotted dataclass's are its fields, in order), not with
`dataclasses.fields()`: `epic check` would import `dataclasses` (and `inspect`) for it alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from epic_lang.syntax import ast

_CHILD_FIELDS = {
    kind: tuple(name for name in vars(kind)["__slots__"] if name != "span")
    for kind in vars(ast).values()
    if isinstance(kind, type) and kind.__module__ == ast.__name__
}
"""The fields of each kind of node that may hold nodes: all but the span."""


def is_node(value: Any) -> bool:
    return type(value) in _CHILD_FIELDS


def children(node: Any) -> Iterator[Any]:
    """The direct child nodes of `node`, in source order."""
    for name in _CHILD_FIELDS[type(node)]:
        value = getattr(node, name)
        if isinstance(value, tuple):
            for item in value:
                if is_node(item):
                    yield item
        elif is_node(value):
            yield value


def iter_nodes(node: Any) -> Iterator[Any]:
    """Every node under (and including) `node`, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def decl_at(module: ast.Module, offset: int) -> ast.Decl | None:
    """The top-level declaration containing `offset`, if any."""
    for decl in module.decls:
        if decl.span.start <= offset <= decl.span.end:
            return decl
    return None
