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
_SEQUENCES = (tuple, list)


# The compared fields of each kind of node, read from its `__slots__` (a slotted dataclass's
# are its fields, in order) so that `epic fmt` need not import `dataclasses` and `inspect`.
_FIELDS: dict[type, tuple[str, ...]] = {
    kind: tuple(name for name in vars(kind)["__slots__"] if name not in _IGNORED)
    for kind in vars(ast).values()
    if isinstance(kind, type) and kind.__module__ == ast.__name__
}


def equivalent(a: object, b: object) -> bool:
    """Whether two trees (or sequences of them) are the same program. Both are walked at once
    and the walk stops at the first difference; iterative, because a long operator chain is
    a tree thousands of levels deep."""
    stack: list[tuple[object, object]] = [(a, b)]
    pop, push = stack.pop, stack.append
    fields_of = _FIELDS.get  # a node's compared fields, None for anything else
    while stack:
        x, y = pop()
        while type(x) is ast.Block and not x.lets:
            x = x.result
        while type(y) is ast.Block and not y.lets:
            y = y.result
        kind = type(x)
        if kind in _SEQUENCES:
            if type(y) not in _SEQUENCES or len(x) != len(y):  # type: ignore[arg-type]
                return False
            stack.extend(zip(x, y, strict=True))  # type: ignore[call-overload]
        elif (names := fields_of(kind)) is not None:
            if type(y) is not kind:
                return False
            literal = kind in _LITERALS
            for name in names:
                vx, vy = getattr(x, name), getattr(y, name)
                if literal and name == "value":
                    if type(vx) is not type(vy) or vx != vy:
                        return False
                elif type(vx) in _SEQUENCES or fields_of(type(vx)) is not None:
                    push((vx, vy))
                elif vx != vy:
                    return False
        elif x != y:
            return False
    return True


def first_difference(a: ast.Module, b: ast.Module) -> int | None:
    """The index of the first top-level declaration that differs (None if equivalent)."""
    for i, (x, y) in enumerate(zip(a.decls, b.decls, strict=False)):
        if not equivalent(x, y):
            return i
    if len(a.decls) != len(b.decls):
        return min(len(a.decls), len(b.decls))
    return None
