"""Core terms as JSON data and back, for the desugared prelude kept in the user's cache
(`prelude.py`): parsing and desugaring the prelude at every start would cost `epic run` more
than the rest of a small program.

A term is a list whose first item names its form (`v` Var, `c` Const, `l` Lam, `a` App, `L`
Let, `p` Prim) and whose other items are its fields in order; a span is its packed int. The
decoder checks every field's type, so a damaged entry raises `ValueError` (the caller then
builds the prelude again) instead of giving the evaluator a malformed term.

A module's globals are stored as `[name, text]` pairs, the text being the JSON of the term: the
entry then reads as a list of strings, which is quick, and a reader decodes only the globals
it uses (`decode_text`); reading the whole prelude as nested lists cost every `epic run` about
0.4 ms more.
"""

from __future__ import annotations

import json
from typing import Any

from epic_lang.core.terms import App, Const, CoreModule, Lam, Let, Prim, Term, Var
from epic_lang.source import Span

_new_int = int.__new__


def encode_globals(module: CoreModule) -> list[list[str]]:
    """The globals of `module` (whose imports are not kept) as `[name, JSON text]` pairs."""
    return [
        [name, json.dumps(encode(term), ensure_ascii=False, separators=(",", ":"))]
        for name, term in module.globals
    ]


def encoded_globals(data: Any) -> dict[str, str]:
    """The JSON text of each global's term from `encode_globals`'s pairs, by name, left to
    `decode_text` one by one; raises `ValueError` if `data` does not have that shape."""
    return {_str(name): _str(text) for name, text in _pairs(data)}


def decode_text(text: str) -> Term:
    """A term from its JSON text; raises `ValueError` if it is not one."""
    return decode(json.loads(text))


def encode(term: Term) -> list[Any]:
    if isinstance(term, Var):
        return ["v", term.name, int(term.span)]
    if isinstance(term, Const):
        return ["c", term.value, int(term.span)]
    if isinstance(term, Lam):
        defaults = [None if d is None else encode(d) for d in term.defaults]
        return ["l", list(term.params), defaults, encode(term.body), int(term.span), term.name]
    if isinstance(term, App):
        kwargs = [[k, encode(v)] for k, v in term.kwargs]
        args = [encode(a) for a in term.args]
        return ["a", encode(term.func), args, kwargs, int(term.span)]
    if isinstance(term, Let):
        return ["L", term.name, encode(term.value), encode(term.body), int(term.span)]
    return ["p", term.op, [encode(a) for a in term.args], int(term.span)]


def decode(data: Any) -> Term:
    tag = data[0]
    if tag == "v" and len(data) == 3:
        return Var(_str(data[1]), _span(data[2]))
    if tag == "c" and len(data) == 3:
        value = data[1]
        if value is not None and type(value) not in (int, float, str):
            raise ValueError("a constant of the wrong type")
        return Const(value, _span(data[2]))
    if tag == "l" and len(data) == 6:
        params = tuple(_str(p) for p in _list(data[1]))
        defaults = tuple(None if d is None else decode(d) for d in _list(data[2]))
        name = data[5]
        return Lam(
            params, defaults, decode(data[3]), _span(data[4]), None if name is None else _str(name)
        )
    if tag == "a" and len(data) == 5:
        args = tuple(decode(a) for a in _list(data[2]))
        kwargs = tuple((_str(k), decode(v)) for k, v in _pairs(data[3]))
        return App(decode(data[1]), args, kwargs, _span(data[4]))
    if tag == "L" and len(data) == 5:
        return Let(_str(data[1]), decode(data[2]), decode(data[3]), _span(data[4]))
    if tag == "p" and len(data) == 4:
        return Prim(_str(data[1]), tuple(decode(a) for a in _list(data[2])), _span(data[3]))
    raise ValueError(f"not a term: {str(data)[:40]}")


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise ValueError("expected a list")
    return value


def _pairs(value: Any) -> list[Any]:
    items = _list(value)
    if any(type(item) is not list or len(item) != 2 for item in items):
        raise ValueError("expected pairs")
    return items


def _str(value: Any) -> str:
    if type(value) is not str:
        raise ValueError("expected a string")
    return value


def _span(value: Any) -> Span:
    if type(value) is not int:
        raise ValueError("expected a span")
    return _new_int(Span, value)
