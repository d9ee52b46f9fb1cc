"""Hand-built core terms for testing the machine without the parser: a tiny constructor
language and a minimal prelude with the two Church booleans."""

from __future__ import annotations

from typing import Any

from epic_lang.core import terms as core
from epic_lang.source import Span

S = Span(0, 0, 1, 1, 1, 1)


def v(name: str) -> core.Var:
    return core.Var(name, S)


def c(value: Any) -> core.Const:
    return core.Const(value, S)


def lam(params: str, body: core.Term, name: str | None = None, **defaults: core.Term) -> core.Lam:
    ps = tuple(params.split())
    return core.Lam(ps, tuple(defaults.get(p) for p in ps), body, S, name)


def app(f: core.Term | str, *args: core.Term, **kwargs: core.Term) -> core.App:
    func = v(f) if isinstance(f, str) else f
    return core.App(func, args, tuple(kwargs.items()), S)


def let(name: str, value: core.Term, body: core.Term) -> core.Let:
    return core.Let(name, value, body, S)


def prim(op: str, *args: core.Term) -> core.Prim:
    return core.Prim(op, args, S)


def if_(cond: core.Term, then: core.Term, orelse: core.Term) -> core.App:
    return core.App(cond, (lam("", then), lam("", orelse)), (), S)


def module(*globals_: tuple[str, core.Term], path: str | None = "test.epic") -> core.CoreModule:
    return core.CoreModule(path, tuple(globals_), ())


MINI_PRELUDE = module(
    ("church_true", lam("t f", app("t"), "church_true")),
    ("church_false", lam("t f", app("f"), "church_false")),
    path="prelude.epic",
)


def program(*globals_: tuple[str, core.Term]) -> Any:
    from epic_lang.eval.program import Program

    return Program(module(*globals_), None, prelude=MINI_PRELUDE)
