"""Compiles core terms once into Python closures with resolved variable slots.

Every term becomes either *inline* code, `code(env) -> value`, for pieces that cannot take
more than a few steps (variables, constants, `fn`, primitives and constructors over inline
operands, `let`s of those), or *machine* code, `code(env, th) -> value | PUSHED`, which
pushes frames for whatever may run long (calls of closures). A frame (`env`) is a Python list:
slot 0 holds the closure's captured values, then the parameters, then the `let` slots of the
whole body. Free variables are copied into the closure when it is created (flat closures).

`c(fn() => a, fn() => b)` — the shape every `if`, `and`, `or` and `not` desugars to — is
compiled to a test of `c` against the two booleans that runs the chosen branch in place; only
when `c` is some other function are the branches turned into function values.

The code differs per strategy (opportunistic code forks arguments and `let` values), so a
module is compiled once per strategy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from epic_lang.core import terms as core
from epic_lang.eval import map_loop
from epic_lang.eval.errors import Blocked, EpicError, NeedWait, Site
from epic_lang.eval.machine import (
    FALSE,
    PUSHED,
    TRUE,
    CompiledLam,
    Thread,
    apply,
    apply_resume,
    call_if,
    eval_resume,
)
from epic_lang.eval.native import NativeLinker
from epic_lang.eval.prims import PRIM_IMPLS, deep, force
from epic_lang.eval.values import Closure, Pending


class FnCtx:
    """The function being compiled: its slot count and captured names, and where it was
    created (for looking up names it captures)."""

    __slots__ = ("nslots", "free", "free_index", "outer", "name")

    def __init__(
        self, nslots: int, outer: tuple[FnCtx, dict[str, int]] | None, name: str | None
    ) -> None:
        self.nslots = nslots
        self.free: list[str] = []
        self.free_index: dict[str, int] = {}
        self.outer = outer
        self.name = name

    def lookup(self, name: str, local: dict[str, int]) -> tuple[str, int] | None:
        slot = local.get(name)
        if slot is not None:
            return ("local", slot)
        j = self.free_index.get(name)
        if j is not None:
            return ("free", j)
        if self.outer is not None and self.outer[0].lookup(name, self.outer[1]) is not None:
            j = len(self.free)
            self.free.append(name)
            self.free_index[name] = j
            return ("free", j)
        return None

    def new_slot(self) -> int:
        self.nslots += 1
        return self.nslots - 1


class Compiler:
    """Compiles the terms of one module for one strategy. `global_slot(name, span)` gives
    the index of a module-level name in `gvals`, the module's global values."""

    def __init__(
        self,
        opportunistic: bool,
        gvals: list,
        global_slot: Callable[[str, Any], int],
        path: str | None,
        source: str | None,
        native: NativeLinker | None = None,
    ) -> None:
        self.native = native
        self.opp = opportunistic
        self.gvals = gvals
        self.global_slot = global_slot
        self.path = path
        self.source = source

    def site(self, term: Any, fn: FnCtx) -> Site:
        return Site(term.span, self.path, fn.name)

    # -- entry points --------------------------------------------------------------------

    def toplevel(self, term: core.Term, name: str) -> tuple[Any, bool, int]:
        """Code for a global's term, run in a fresh frame of the returned size."""
        fn = FnCtx(1, None, name)
        code, simple = self.compile(term, fn, {})
        return code, simple, fn.nslots

    # -- terms -----------------------------------------------------------------------------

    def compile(self, t: core.Term, fn: FnCtx, local: dict[str, int]) -> tuple[Any, bool]:
        if type(t) is core.Var:
            return self.var(t, fn, local), True
        if type(t) is core.Const:
            value = t.value
            return (lambda env: value), True
        if type(t) is core.Lam:
            return self.lam(t, fn, local), True
        if type(t) is core.Let:
            return self.let(t, fn, local)
        if type(t) is core.Prim:
            return self.prim(t, fn, local)
        if type(t) is core.App:
            if (
                len(t.args) == 2
                and not t.kwargs
                and all(type(a) is core.Lam and not a.params for a in t.args)
            ):
                return self.if_(t, fn, local), False
            return self.app(t, fn, local), False
        raise TypeError(f"not a core term: {t!r}")

    def machine(self, t: core.Term, fn: FnCtx, local: dict[str, int]) -> Any:
        """Code with the machine signature, wrapping inline code."""
        code, simple = self.compile(t, fn, local)
        if simple:
            return lambda env, th: code(env)
        return code

    def var(self, t: core.Var, fn: FnCtx, local: dict[str, int]) -> Any:
        found = fn.lookup(t.name, local)
        if found is None:
            g = self.global_slot(t.name, t.span)
            gvals = self.gvals
            return lambda env: gvals[g]
        kind, i = found
        if kind == "local":
            return lambda env: env[i]
        return lambda env: env[0][i]

    def lam(self, t: core.Lam, fn: FnCtx, local: dict[str, int]) -> Any:
        name = t.name or (f"fn in {fn.name}" if fn.name else "fn")
        inner = FnCtx(1 + len(t.params), (fn, local), name)
        site = Site(t.span, self.path, name)
        lam = CompiledLam(t.name, t.params, site)
        inner_local = {p: 1 + i for i, p in enumerate(t.params)}
        body, body_simple = self.compile(t.body, inner, inner_local)
        body_m = body if not body_simple else (lambda env, th: body(env))
        entry = body_m
        for i in reversed(range(len(t.params))):
            default = t.defaults[i] if i < len(t.defaults) else None
            if default is not None:
                entry = self.default_setter(1 + i, default, entry, inner, inner_local, site)
        lam.body = body_m
        lam.simple_body = body if body_simple else None
        lam.entry = entry
        lam.required = frozenset(
            p for i, p in enumerate(t.params) if i >= len(t.defaults) or t.defaults[i] is None
        )
        lam.nslots = inner.nslots
        lam.free = tuple(inner.free)
        if self.native is not None:
            self.native.register(t, lam)
        lam.pad = (None,) * (inner.nslots - 1 - len(t.params))
        getters = tuple(self.var(core.Var(n, t.span), fn, local) for n in inner.free)
        if not getters:
            closure = Closure(lam, ())
            return lambda env: closure
        if len(getters) == 1:
            g0 = getters[0]
            return lambda env: Closure(lam, (g0(env),))
        if len(getters) == 2:
            g0, g1 = getters
            return lambda env: Closure(lam, (g0(env), g1(env)))
        return lambda env: Closure(lam, tuple([g(env) for g in getters]))

    def default_setter(
        self, slot: int, default: core.Term, rest: Any, fn: FnCtx, local: dict[str, int], site: Site
    ) -> Any:
        from epic_lang.eval.machine import MISSING

        value = self.machine(default, fn, local)

        def set_default(env: list, th: Thread) -> Any:
            if env[slot] is not MISSING:
                return rest(env, th)
            th.stack.append((_store_resume, site, slot, rest, env))
            th.stack.append((eval_resume, site, value, env))
            return PUSHED

        return set_default

    def let(self, t: core.Let, fn: FnCtx, local: dict[str, int]) -> tuple[Any, bool]:
        value, value_simple = self.compile(t.value, fn, local)
        slot = fn.new_slot()
        body, body_simple = self.compile(t.body, fn, {**local, t.name: slot})
        site = self.site(t, fn)
        if value_simple and body_simple:

            def let_inline(env: list) -> Any:
                env[slot] = value(env)
                return body(env)

            return let_inline, True
        body_m = body if not body_simple else (lambda env, th: body(env))
        if value_simple:
            if self.opp:

                def let_fork_inline(env: list, th: Thread) -> Any:
                    try:
                        env[slot] = value(env)
                    except NeedWait as w:
                        env[slot] = th.m.spawn_simple(w.pending, value, env, th)
                    return body_m(env, th)

                return let_fork_inline, False

            def let_simple(env: list, th: Thread) -> Any:
                env[slot] = value(env)
                return body_m(env, th)

            return let_simple, False
        if self.opp:

            def let_fork(env: list, th: Thread) -> Any:
                stack = th.stack
                stack.append((_store_resume, site, slot, body_m, env))
                return _forked(value, env, stack, site, th)

            return let_fork, False

        def let_seq(env: list, th: Thread) -> Any:
            th.stack.append((_store_resume, site, slot, body_m, env))
            return value(env, th)

        return let_seq, False

    def if_(self, t: core.App, fn: FnCtx, local: dict[str, int]) -> Any:
        cond, cond_simple = self.compile(t.func, fn, local)
        then_lam, else_lam = t.args
        assert isinstance(then_lam, core.Lam) and isinstance(else_lam, core.Lam)  # desugared if
        then_inline, then_simple = self.compile(then_lam.body, fn, local)
        else_inline, else_simple = self.compile(else_lam.body, fn, local)
        then_code = then_inline if not then_simple else (lambda env, th: then_inline(env))
        else_code = else_inline if not else_simple else (lambda env, th: else_inline(env))
        site = self.site(t, fn)
        kind = self.condition_kind(t)
        if cond_simple and then_simple and not else_simple:

            def if_inline_then(env: list, th: Thread) -> Any:
                c = cond(env)
                if c is TRUE:
                    return then_inline(env)
                if c is FALSE:
                    return else_code(env, th)
                return call_if(c, then_code, else_code, env, site, kind, th)

            return if_inline_then
        if cond_simple and else_simple and not then_simple:

            def if_inline_else(env: list, th: Thread) -> Any:
                c = cond(env)
                if c is TRUE:
                    return then_code(env, th)
                if c is FALSE:
                    return else_inline(env)
                return call_if(c, then_code, else_code, env, site, kind, th)

            return if_inline_else
        if cond_simple:

            def if_inline(env: list, th: Thread) -> Any:
                c = cond(env)
                if c is TRUE:
                    return then_code(env, th)
                if c is FALSE:
                    return else_code(env, th)
                return call_if(c, then_code, else_code, env, site, kind, th)

            return if_inline

        def if_machine(env: list, th: Thread) -> Any:
            th.stack.append((_if_resume, site, then_code, else_code, env, kind))
            return cond(env, th)

        return if_machine

    def condition_kind(self, t: core.App) -> str:
        """Which surface form an inlined conditional came from, for its error message."""
        text = self.source or ""
        head = text[t.span.start : t.span.end].lstrip()
        if head.startswith("if"):
            return "`if` condition"
        if head.startswith("not"):
            return "`not` operand"
        between = text[t.func.span.end : t.span.end].split()
        if between and between[0] in ("and", "or"):
            return f"`{between[0]}` operand"
        return "the called value"

    def app(self, t: core.App, fn: FnCtx, local: dict[str, int]) -> Any:
        parts = [t.func, *t.args, *(v for _, v in t.kwargs)]
        compiled = [self.compile(p, fn, local) for p in parts]
        site = self.site(t, fn)
        npos = len(t.args)
        kwnames = tuple(k for k, _ in t.kwargs)
        if all(simple for _, simple in compiled):
            return self.app_inline([c for c, _ in compiled], npos, kwnames, site)
        spec = ArgSpec(compiled, site, _app_finish, (npos, kwnames))
        return spec.start

    def app_inline(self, codes: list, npos: int, kwnames: tuple[str, ...], site: Site) -> Any:
        fcode = codes[0]
        argcodes = codes[1 : 1 + npos]
        kwcodes = codes[1 + npos :]
        if self.opp and not kwcodes and npos == 1:
            a0 = argcodes[0]

            def app_opp1(env: list, th: Thread) -> Any:
                try:
                    f = fcode(env)
                except NeedWait as w:
                    f = th.m.spawn_simple(w.pending, fcode, env, th)
                try:
                    x = a0(env)
                except NeedWait as w:
                    x = th.m.spawn_simple(w.pending, a0, env, th)
                if type(f) is Pending:
                    if not f.done:
                        th.stack.append((apply_resume, site, None, (x,), None))
                        return f
                    f = f.value
                return apply(f, (x,), None, site, th)

            return app_opp1
        if self.opp:

            def app_opp(env: list, th: Thread) -> Any:
                try:
                    f = fcode(env)
                except NeedWait as w:
                    f = th.m.spawn_simple(w.pending, fcode, env, th)
                args = []
                for c in argcodes:
                    try:
                        args.append(c(env))
                    except NeedWait as w:
                        args.append(th.m.spawn_simple(w.pending, c, env, th))
                kw = None
                if kwcodes:
                    kw = {}
                    for k, c in zip(kwnames, kwcodes, strict=True):
                        try:
                            kw[k] = c(env)
                        except NeedWait as w:
                            kw[k] = th.m.spawn_simple(w.pending, c, env, th)
                if type(f) is Pending:
                    if not f.done:
                        th.stack.append((apply_resume, site, None, args, kw))
                        return f
                    f = f.value
                return apply(f, args, kw, site, th)

            return app_opp
        if not kwcodes and len(argcodes) == 1:
            a0 = argcodes[0]

            def app_seq1(env: list, th: Thread) -> Any:
                return apply(fcode(env), (a0(env),), None, site, th)

            return app_seq1
        if not kwcodes and len(argcodes) == 2:
            a0, a1 = argcodes

            def app_seq2(env: list, th: Thread) -> Any:
                return apply(fcode(env), (a0(env), a1(env)), None, site, th)

            return app_seq2

        def app_seq(env: list, th: Thread) -> Any:
            f = fcode(env)
            args = [c(env) for c in argcodes]
            kw = {k: c(env) for k, c in zip(kwnames, kwcodes, strict=True)} if kwcodes else None
            return apply(f, args, kw, site, th)

        return app_seq

    def prim(self, t: core.Prim, fn: FnCtx, local: dict[str, int]) -> tuple[Any, bool]:
        compiled = [self.compile(a, fn, local) for a in t.args]
        site = self.site(t, fn)
        op = t.op
        if op in ("list", "tuple", "record"):
            build = _BUILDERS[op]
            if all(simple for _, simple in compiled):
                codes = [c for c, _ in compiled]
                if op == "list":
                    return (lambda env: [c(env) for c in codes]), True
                return (lambda env: build([c(env) for c in codes])), True
            spec = ArgSpec(compiled, site, _build_finish, build)
            return spec.start, False
        if op not in PRIM_IMPLS:
            raise EpicError(f"unknown primitive {op!r}", site)
        impl, deep_ = PRIM_IMPLS[op]
        if all(simple for _, simple in compiled):
            fetches = [self.fetch(a, fn, local) for a in t.args]
            return _inline_prim(op, impl, deep_, [c for c, _ in compiled], fetches, site), True
        if len(t.args) == 2 and op in _FAST_BINARY:
            spec = ArgSpec(compiled, site, _binary_finish, (impl, _FAST_BINARY[op]))
            if not compiled[0][1] and not compiled[1][1]:
                return self.binary_machine(spec), False
        else:
            spec = ArgSpec(compiled, site, _prim_finish, (impl, deep_))
        return spec.start, False

    def binary_machine(self, spec: ArgSpec) -> Any:
        """`f(x) + g(y)`: both operands need the machine; two small frames instead of the
        general operand list."""
        code_a = spec.codes[0]
        site = spec.site
        if self.opp:

            def start_opp(env: list, th: Thread) -> Any:
                stack = th.stack
                stack.append((_binary_first, site, spec, env))
                return _forked(code_a, env, stack, site, th)

            return start_opp

        def start_seq(env: list, th: Thread) -> Any:
            th.stack.append((_binary_first, site, spec, env))
            return code_a(env, th)

        return start_seq

    def fetch(self, t: core.Term, fn: FnCtx, local: dict[str, int]) -> tuple[str, Any] | None:
        """A constant or local-slot operand, which specialised code reads without a call."""
        if type(t) is core.Const:
            return ("const", t.value)
        if type(t) is core.Var and t.name in local:
            return ("local", local[t.name])
        return None


def _record(values: list) -> dict:
    return {values[i]: values[i + 1] for i in range(0, len(values), 2)}


_BUILDERS: dict[str, Callable[[list], Any]] = {"list": list, "tuple": tuple, "record": _record}

_FAST_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
}
# The types of values `deep` returns as they are.
_PLAIN = frozenset((int, float, str, type(None)))

_FAST_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
}


def _inline_prim(
    op: str, impl: Callable[..., Any], deep_: bool, codes: list, fetches: list, site: Site
) -> Any:
    """Inline code for a primitive over inline operands, with a fast path for arithmetic and
    comparison of two ints (the common case in loops)."""
    resolve = deep if deep_ else force
    if len(codes) == 2:
        special = _int_fast_path(op, impl, resolve, fetches, site)
        if special is not None:
            return special
        ca, cb = codes
        fast = _FAST_BINARY.get(op)
        if fast is not None:

            def arith(env: list) -> Any:
                a = ca(env)
                b = cb(env)
                if type(a) is int and type(b) is int:
                    return fast(a, b)
                try:
                    return impl(resolve(a), resolve(b))
                except EpicError as e:
                    e.site = e.site or site
                    raise

            return arith
        compare = _FAST_COMPARE.get(op)
        if compare is not None:

            def cmp(env: list) -> Any:
                a = ca(env)
                b = cb(env)
                if type(a) is int and type(b) is int:
                    return TRUE if compare(a, b) else FALSE
                try:
                    return impl(resolve(a), resolve(b))
                except EpicError as e:
                    e.site = e.site or site
                    raise

            return cmp

        if deep_:  # `f"..{x}"`: most operands are plain values, with nothing to wait for

            def binary_deep(env: list) -> Any:
                try:
                    a = ca(env)
                    if type(a) not in _PLAIN:
                        a = deep(a)
                    b = cb(env)
                    return impl(a, b if type(b) in _PLAIN else deep(b))
                except EpicError as e:
                    e.site = e.site or site
                    raise

            return binary_deep

        def binary(env: list) -> Any:
            try:
                return impl(resolve(ca(env)), resolve(cb(env)))
            except EpicError as e:
                e.site = e.site or site
                raise

        return binary

    def nary(env: list) -> Any:
        try:
            return impl(*[resolve(c(env)) for c in codes])
        except EpicError as e:
            e.site = e.site or site
            raise

    return nary


def _int_fast_path(
    op: str, impl: Callable[..., Any], resolve: Callable[[Any], Any], fetches: list, site: Site
) -> Any:
    """`n - 1`, `n < 2`, `hi - lo`: arithmetic or comparison of a local with a constant or
    another local, reading the frame directly (no operand calls) when both are ints."""
    fast = _FAST_BINARY.get(op)
    compare = _FAST_COMPARE.get(op)
    if fast is None and compare is None:
        return None
    fa, fb = fetches
    if fa is None or fb is None or fa[0] != "local":
        return None
    i = fa[1]

    def slow(a: Any, b: Any) -> Any:
        try:
            return impl(resolve(a), resolve(b))
        except EpicError as e:
            e.site = e.site or site
            raise

    if fb[0] == "const":
        k = fb[1]
        if type(k) is not int:
            return None
        if fast is not None:

            def arith_local_const(env: list) -> Any:
                a = env[i]
                if type(a) is int:
                    return fast(a, k)
                return slow(a, k)

            return arith_local_const
        assert compare is not None  # not both None: checked above

        def compare_local_const(env: list) -> Any:
            a = env[i]
            if type(a) is int:
                return TRUE if compare(a, k) else FALSE
            return slow(a, k)

        return compare_local_const
    j = fb[1]
    if fast is not None:

        def arith_locals(env: list) -> Any:
            a = env[i]
            b = env[j]
            if type(a) is int and type(b) is int:
                return fast(a, b)
            return slow(a, b)

        return arith_locals
    assert compare is not None  # not both None: checked above

    def compare_locals(env: list) -> Any:
        a = env[i]
        b = env[j]
        if type(a) is int and type(b) is int:
            return TRUE if compare(a, b) else FALSE
        return slow(a, b)

    return compare_locals


# ---------------------------------------------------------------------------------------------
# Operands that need the machine: collected one by one into `vals` through ARGS frames.


class ArgSpec:
    """How to evaluate the operands of a call or primitive some of which need the machine,
    and what to do with their values (`finish(spec, vals, th)`)."""

    __slots__ = ("codes", "simple", "n", "site", "finish", "data", "start")

    def __init__(self, compiled: list, site: Site, finish: Callable[..., Any], data: Any):
        self.codes = tuple(c for c, _ in compiled)
        self.simple = tuple(s for _, s in compiled)
        self.n = len(compiled)
        self.site = site
        self.finish = finish
        self.data = data
        self.start = self._start

    def _start(self, env: list, th: Thread) -> Any:
        return _collect(self, env, [None] * self.n, 0, th)


def _collect(spec: ArgSpec, env: list, vals: list, i: int, th: Thread) -> Any:
    codes = spec.codes
    simple = spec.simple
    opp = not th.m.sequential
    n = spec.n
    while i < n:
        code = codes[i]
        if simple[i]:
            if opp:
                try:
                    vals[i] = code(env)
                except NeedWait as w:
                    vals[i] = th.m.spawn_simple(w.pending, code, env, th)
            else:
                vals[i] = code(env)
            i += 1
            continue
        stack = th.stack
        stack.append((_args_resume, spec.site, spec, env, vals, i))
        if opp:
            return _forked(code, env, stack, spec.site, th)
        return code(env, th)
    return spec.finish(spec, vals, th)


def _binary_first(frame: tuple, val: Any, th: Thread) -> Any:
    spec = frame[2]
    stack = th.stack
    stack.append((_binary_second, spec.site, spec, val))
    if th.m.sequential:
        return spec.codes[1](frame[3], th)
    return _forked(spec.codes[1], frame[3], stack, spec.site, th)


def _binary_second(frame: tuple, val: Any, th: Thread) -> Any:
    a = frame[3]
    if type(a) is int and type(val) is int:
        return frame[2].data[1](a, val)
    return _binary_finish(frame[2], [a, val], th)


def _forked(code: Any, env: list, stack: list, site: Site, th: Thread) -> Any:
    """Runs machine code just above a fork point. If it must wait before doing anything,
    its retry goes above the fork point too, so that only it waits and its siblings go on."""
    depth = len(stack)
    try:
        return code(env, th)
    except NeedWait as w:
        del stack[depth:]
        stack.append((eval_resume, site, code, env))
        raise Blocked(w.pending) from None


def _args_resume(frame: tuple, val: Any, th: Thread) -> Any:
    vals = frame[4]
    i = frame[5]
    vals[i] = val
    return _collect(frame[2], frame[3], vals, i + 1, th)


def _finish_resume(frame: tuple, val: Any, th: Thread) -> Any:
    spec = frame[2]
    return spec.finish(spec, frame[3], th)


def _app_finish(spec: ArgSpec, vals: list, th: Thread) -> Any:
    npos, kwnames = spec.data
    f = vals[0]
    args = vals[1 : 1 + npos]
    kw = dict(zip(kwnames, vals[1 + npos :], strict=True)) if kwnames else None
    try:
        return apply(f, args, kw, spec.site, th)
    except NeedWait as w:
        th.stack.append((apply_resume, spec.site, f, args, kw))
        raise Blocked(w.pending) from None


def _prim_finish(spec: ArgSpec, vals: list, th: Thread) -> Any:
    impl, deep_ = spec.data
    return _prim_finish_with(spec, vals, th, impl, deep_)


def _binary_finish(spec: ArgSpec, vals: list, th: Thread) -> Any:
    a, b = vals
    if type(a) is int and type(b) is int:
        return spec.data[1](a, b)
    return _prim_finish_with(spec, vals, th, spec.data[0], False)


def _prim_finish_with(
    spec: ArgSpec, vals: list, th: Thread, impl: Callable[..., Any], deep_: bool
) -> Any:
    resolve = deep if deep_ else force
    try:
        return impl(*[resolve(v) for v in vals])
    except NeedWait as w:
        th.stack.append((_finish_resume, spec.site, spec, vals))
        raise Blocked(w.pending) from None
    except EpicError as e:
        e.site = e.site or spec.site
        raise


def _build_finish(spec: ArgSpec, vals: list, th: Thread) -> Any:
    return spec.data(vals)


def _store_resume(frame: tuple, val: Any, th: Thread) -> Any:
    """After a `let` value (or a parameter default): store it and run the rest."""
    frame[4][frame[2]] = val
    return frame[3](frame[4], th)


def _if_resume(frame: tuple, val: Any, th: Thread) -> Any:
    if val is TRUE:
        return frame[2](frame[4], th)
    if val is FALSE:
        return frame[3](frame[4], th)
    return call_if(val, frame[2], frame[3], frame[4], frame[1], frame[5], th)


def set_global_resume(frame: tuple, val: Any, th: Thread) -> Any:
    """After a top-level `let` value: store it in its global slot and its module's fields."""
    frame[2][frame[3]] = val
    frame[4][frame[5]] = val
    return None


FORK_POINTS: frozenset[Callable[..., Any]] = (
    frozenset((_args_resume, _store_resume, _binary_first, _binary_second, set_global_resume))
    | map_loop.FORK_POINTS
)
"""Resume functions of frames that receive an argument or `let` value in opportunistic mode:
where the machine may split a thread (see machine.py)."""
