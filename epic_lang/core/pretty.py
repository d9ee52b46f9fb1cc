"""A readable S-expression form of core terms, for golden tests and for debugging desugaring.

`(f a :k v)` is an application, `(#add a b)` a primitive, `(fn (x y=d) body)` a function
(`(fn name (x) body)` for a `def`), `(let x value body)` a binding, and constants are printed
as EPIC literals. Terms that do not fit on one line are broken one child per line.
"""

from __future__ import annotations

import json

from epic_lang.core import terms as core

WIDTH = 88


def show_term(term: core.Term, indent: int = 0) -> str:
    """`term` as an S-expression, indented by `indent` spaces after the first line."""
    if isinstance(term, core.Var):
        return term.name
    if isinstance(term, core.Const):
        return show_const(term.value)
    flat = _one_line(term)
    if indent + len(flat) <= WIDTH:
        return flat
    head, children = _parts(term)
    pad = " " * (indent + 2)
    lines = [f"({head}"]
    for child in children:
        lines.append(pad + _show_child(child, indent + 2))
    return "\n".join(lines) + ")"


def show_module(module: core.CoreModule) -> str:
    """Every import and global of `module`, one top-level form each."""
    out = [
        f"(import {m.alias} {'python ' if m.python else ''}{show_const(m.source)})"
        for m in module.imports
    ]
    out += [f"(define {name}\n  {show_term(term, 2)})" for name, term in module.globals]
    return "\n".join(out) + "\n"


def show_const(value: None | int | float | str) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


# A child is a term, or a `:key` label / parameter list printed as-is.
_Child = core.Term | str


def _parts(term: core.Term) -> tuple[str, list[_Child]]:
    if isinstance(term, core.Lam):
        params = []
        for p, d in zip(term.params, term.defaults, strict=True):
            params.append(p if d is None else f"{p}={_flat(d)}")
        head = "fn" if term.name is None else f"fn {term.name}"
        return f"{head} (" + " ".join(params) + ")", [term.body]
    if isinstance(term, core.App):
        children: list[_Child] = [*term.args]
        for key, value in term.kwargs:
            children += [f":{key}", value]
        return _flat(term.func), children
    if isinstance(term, core.Let):
        return f"let {term.name}", [term.value, term.body]
    if isinstance(term, core.Prim):
        return f"#{term.op}", list(term.args)
    raise TypeError(f"not a core term: {term!r}")


def _flat(child: _Child) -> str:
    return child if isinstance(child, str) else _one_line(child)


def _one_line(term: core.Term) -> str:
    if isinstance(term, core.Var):
        return term.name
    if isinstance(term, core.Const):
        return show_const(term.value)
    head, children = _parts(term)
    return "(" + " ".join([head, *(_flat(c) for c in children)]) + ")"


def _show_child(child: _Child, indent: int) -> str:
    return child if isinstance(child, str) else show_term(child, indent)
