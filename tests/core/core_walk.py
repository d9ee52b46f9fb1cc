"""Checks shared by the core tests: a desugared term holds only core nodes, each with a span."""

from __future__ import annotations

from collections.abc import Iterator

from epic_lang.core import terms as core
from epic_lang.source import Span

CORE_TYPES = (core.Var, core.Const, core.Lam, core.App, core.Let, core.Prim)


def subterms(term: core.Term) -> Iterator[core.Term]:
    """Every node of `term`, parents before children, failing on anything not core."""
    stack: list[object] = [term]
    while stack:
        node = stack.pop()
        assert type(node) in CORE_TYPES, f"surface or foreign node left: {node!r}"
        assert isinstance(node.span, Span), f"node without a span: {node!r}"
        yield node
        if isinstance(node, core.Lam):
            stack += [d for d in node.defaults if d is not None]
            stack.append(node.body)
        elif isinstance(node, core.App):
            stack += [node.func, *node.args, *(v for _, v in node.kwargs)]
        elif isinstance(node, core.Let):
            assert isinstance(node.name, str)
            stack += [node.value, node.body]
        elif isinstance(node, core.Prim):
            assert node.op in core.PRIMITIVES, f"unknown primitive {node.op}"
            arity = core.PRIMITIVES[node.op][0]
            assert arity is None or arity == len(node.args), f"arity of {node.op}"
            stack += list(node.args)
        elif isinstance(node, core.Const):
            assert node.value is None or type(node.value) in (int, float, str)


def assert_core_module(module: core.CoreModule) -> None:
    for _, term in module.globals:
        for _ in subterms(term):
            pass
