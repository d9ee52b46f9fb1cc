"""What "the same program" means for the formatter's safety check (black's `assert_equivalent`).

Two trees are equivalent when they are equal once spans, comments and the spelling of literals
(`raw`, quote style, quoted record keys) are ignored. Literal values are compared together with
their types, so that `1` and `1.0` (equal in Python) or `1` and `true` stay different. A block
with no `let` lines is the same as its result.
"""

from __future__ import annotations

from epic_lang.syntax import ast

_IGNORED = {"span", "raw", "key_span", "source_span", "quote", "quoted", "comments"}


_LITERALS = (ast.Literal, ast.PLiteral)
_CHILD = ("child",)
_SEQUENCES = (tuple, list)


# The compared fields of each kind of node, read from its `__slots__` (a slotted dataclass's
# are its fields, in order) so that `epic fmt` need not import `dataclasses` and `inspect`.
_FIELDS: dict[type, tuple[str, ...]] = {
    kind: tuple(name for name in vars(kind)["__slots__"] if name not in _IGNORED)
    for kind in vars(ast).values()
    if isinstance(kind, type) and kind.__module__ == ast.__name__
}


def _compared_fields(kind: type) -> tuple[str, ...] | None:
    """The compared fields of a kind of node, None for anything else."""
    return _FIELDS.get(kind)


def tree_key(node: object) -> tuple[object, ...]:
    """A comparable value standing for `node` minus what formatting may change: its nodes in
    pre-order, each as its class name and compared scalar fields, every tuple with its length
    (so the sequence determines the tree). Iterative, because a long operator chain is a
    tree thousands of levels deep."""
    out: list[object] = []
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is ast.Block and not item.lets:  # type: ignore[attr-defined]
            stack.append(item.result)  # type: ignore[attr-defined]
        elif kind in _SEQUENCES:
            out.append(("tuple", len(item)))  # type: ignore[arg-type]
            stack.extend(reversed(item))  # type: ignore[call-overload]
        elif (names := _compared_fields(kind)) is not None:
            out.append(kind.__name__)
            literal = kind in _LITERALS
            children = []
            for name in names:
                value = getattr(item, name)
                if literal and name == "value":
                    out.append((type(value).__name__, value))
                elif type(value) in _SEQUENCES or _compared_fields(type(value)) is not None:
                    out.append(_CHILD)  # keeps each field in its place: Slice(a, None, b)
                    children.append(value)
                else:
                    out.append(value)
            stack.extend(reversed(children))
        else:
            out.append(item)
    return tuple(out)


def first_difference(a: ast.Module, b: ast.Module) -> int | None:
    """The index of the first top-level declaration that differs (None if equivalent)."""
    for i, (x, y) in enumerate(zip(a.decls, b.decls, strict=False)):
        if tree_key(x) != tree_key(y):
            return i
    if len(a.decls) != len(b.decls):
        return min(len(a.decls), len(b.decls))
    return None
