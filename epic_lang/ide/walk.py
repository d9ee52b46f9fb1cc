"""Generic traversal of the syntax tree, so each editor feature does not re-list every node type.

Every node in `epic_lang.syntax.ast` is a dataclass with a `span`; children are found in its
fields (single nodes, tuples of nodes, or f-string parts mixing text and holes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from epic_lang.syntax import ast


def is_node(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and hasattr(value, "span")


def children(node: Any) -> Iterator[Any]:
    """The direct child nodes of `node`, in source order."""
    for field in dataclasses.fields(node):
        if field.name == "span":
            continue
        value = getattr(node, field.name)
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
