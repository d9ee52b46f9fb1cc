"""A tiny call-by-value interpreter of core terms, written to be obviously right rather than
fast: the test oracle for the desugarer and the prelude that does not depend on the real
evaluator (which the tests in `test_core_eval.py` then compare against)."""

from __future__ import annotations

import operator
import sys
from dataclasses import dataclass
from typing import Any

from epic_lang.core import terms as core
from epic_lang.core.desugar import desugar_module
from epic_lang.core.prelude import prelude_core
from epic_lang.syntax.parser import parse


@dataclass
class Closure:
    lam: core.Lam
    env: dict[str, Any]


class MatchFail(Exception):
    pass


def _type_name(v: Any) -> str:
    if isinstance(v, Closure) and v.lam.name in ("church_true", "church_false"):
        return "bool"
    names = {
        type(None): "none",
        int: "int",
        float: "float",
        str: "str",
        list: "list",
        tuple: "tuple",
        dict: "record",
    }
    return names.get(type(v), "function")


class Reference:
    """Runs a program (source text) on top of the prelude."""

    def __init__(self, text: str) -> None:
        result = parse(text)
        assert not result.diagnostics, result.diagnostics
        self.globals: dict[str, Any] = {
            "len": len,
            "range": lambda a, b=None: list(range(a) if b is None else range(a, b)),
            "str": str,
            "int": int,
            "float": float,
            "is_stream": lambda x: self.bool(False),  # this interpreter has no streams
        }
        for module in (prelude_core(), desugar_module(result.module)):
            for name, term in module.globals:
                self.globals[name] = self.eval(term, {})
        self.globals["true"] = self.globals["church_true"]
        self.globals["false"] = self.globals["church_false"]

    def bool(self, b: bool) -> Closure:
        return self.globals["church_true" if b else "church_false"]

    def to_python(self, v: Any) -> Any:
        if isinstance(v, Closure) and _type_name(v) == "bool":
            return v is self.globals["church_true"]
        if isinstance(v, list | tuple):
            return type(v)(self.to_python(x) for x in v)
        if isinstance(v, dict):
            return {k: self.to_python(x) for k, x in v.items()}
        return v

    def call(self, name: str, *args: Any) -> Any:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20000))
        try:
            return self.to_python(self.apply(self.globals[name], list(args), []))
        finally:
            sys.setrecursionlimit(limit)

    def apply(self, f: Any, args: list[Any], kwargs: list[tuple[str, Any]]) -> Any:
        if not isinstance(f, Closure):
            return f(*args, **dict(kwargs))
        lam = f.lam
        env = dict(f.env)
        given = dict(zip(lam.params, args, strict=False))
        given.update(kwargs)
        assert len(args) <= len(lam.params) and set(given) <= set(lam.params)
        for param, default in zip(lam.params, lam.defaults, strict=True):
            if param in given:
                env[param] = given[param]
            else:
                assert default is not None, f"missing argument {param}"
                env[param] = self.eval(default, env)
        return self.eval(lam.body, env)

    def eval(self, t: core.Term, env: dict[str, Any]) -> Any:
        if isinstance(t, core.Var):
            return env[t.name] if t.name in env else self.globals[t.name]
        if isinstance(t, core.Const):
            return t.value
        if isinstance(t, core.Lam):
            return Closure(t, env)
        if isinstance(t, core.App):
            f = self.eval(t.func, env)
            args = [self.eval(a, env) for a in t.args]
            kwargs = [(k, self.eval(v, env)) for k, v in t.kwargs]
            return self.apply(f, args, kwargs)
        if isinstance(t, core.Let):
            return self.eval(t.body, {**env, t.name: self.eval(t.value, env)})
        args = [self.eval(a, env) for a in t.args]
        return self.prim(t.op, args)

    def prim(self, op: str, a: list[Any]) -> Any:
        binary = {
            "add": operator.add,
            "sub": operator.sub,
            "mul": operator.mul,
            "div": operator.truediv,
            "floordiv": operator.floordiv,
            "mod": operator.mod,
            "pow": operator.pow,
        }
        compare = {
            "eq": operator.eq,
            "ne": operator.ne,
            "lt": operator.lt,
            "le": operator.le,
            "gt": operator.gt,
            "ge": operator.ge,
            "in": lambda x, y: x in y,
            "not_in": lambda x, y: x not in y,
        }
        if op in binary:
            return binary[op](*a)
        if op in compare:
            return self.bool(compare[op](*a))
        simple = {
            "neg": lambda x: -x,
            "index": lambda x, i: x[i],
            "slice": lambda x, i, j: x[i:j],
            "field": lambda x, k: x[k],
            "list": lambda *xs: list(xs),
            "tuple": lambda *xs: tuple(xs),
            "record": lambda *kv: dict(zip(kv[::2], kv[1::2], strict=True)),
            "format": lambda x, spec: format(x, spec or ""),
            "concat": lambda *xs: "".join(xs),
            "record_merge": lambda r, new: {**r, **new},
        }
        if op in simple:
            return simple[op](*a)
        if op == "type_is":
            return self.bool(_type_name(a[0]) == a[1])
        if op == "len_eq":
            return self.bool(len(a[0]) == a[1])
        if op == "len_ge":
            return self.bool(len(a[0]) >= a[1])
        if op == "has_key":
            return self.bool(a[1] in a[0])
        assert op in ("match_fail", "unpack_fail")
        raise MatchFail(a[0])
