"""Pure EPIC functions compiled to Python functions: the fast path of the machine.

The machine (machine.py) runs every call through frames on an explicit stack, which is what
lets a thread stop at a pending value and split, but costs about a microsecond per call. Most
calls in the work around LLM calls are pure and meet no pending value. For those, a function
also gets a *native* version: Python source generated from its core term, compiled with
`compile()` the first time the function is called, that runs the body with Python's own calls
and loops (a tail call of the function itself becomes a `while` loop).

Native code does only what cannot be observed: it computes values. The moment it meets
anything else (a pending value, an external, a function without native code, a call with
keywords or defaults, an error, Python's recursion limit) it raises, and the caller runs the
same call on the machine from its start, which gives the same result and reports errors with
the same positions and stacks. Re-running is safe because nothing it did was visible. A
function whose native version keeps giving up (`MAX_MISSES` times: it calls an LLM, or
recurses deeper than Python allows) loses it, so the machine never pays for the attempt twice
in a loop.

The code generator is written here rather than taken from a library: the candidates (numba,
mypyc, Cython) compile typed Python ahead of time, not a small dynamically typed calculus at
run time, and `compile()` of generated source is the standard way to get CPython bytecode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from epic_lang.core import terms as core
from epic_lang.eval.prims import PRIM_IMPLS, deep, force, format_hole
from epic_lang.eval.values import (
    FALSE,
    TRUE,
    Builtin,
    Closure,
    ExternalFn,
    ModuleValue,
    Pending,
    int_text,
)

if TYPE_CHECKING:
    from epic_lang.eval.machine import CompiledLam

MAX_MISSES = 64
"""How many times a function's native code may give up before it is dropped."""

COMPILE_AT_CALL = 2
"""The call of a function at which its native code is generated."""


class Deopt(Exception):  # noqa: N818 - a control signal, not an error
    """Native code cannot go on; the machine runs the call instead."""


DEOPT = Deopt()
NOT_YET = Deopt()
"""Raised by a function not compiled yet; not counted against its native code."""


def give_up(*_: Any) -> Any:
    raise DEOPT


def truth(c: Any) -> bool:
    """A condition as a Python bool; anything but a ready Church boolean leaves native code
    (a user-written boolean function is called by the machine with its two branches)."""
    if c is TRUE:
        return True
    if c is FALSE:
        return False
    if type(c) is Pending and c.done:
        return truth(c.value)
    raise DEOPT


def ready(v: Any) -> Any:
    """`v` without a finished pending around it; an unfinished one leaves native code."""
    if type(v) is Pending:
        if v.done:
            return v.value
        raise DEOPT
    return v


def call(f: Any, *args: Any) -> Any:
    """Calls `f` natively: a closure with native code of the right arity or a pure built-in;
    anything else (externals, keywords, defaults, a function without native code) leaves."""
    t = type(f)
    if t is Closure:
        lam = f.lam
        native = lam.native
        if native is not None and lam.nparams == len(args):
            return native(f.captured, *args)
        raise DEOPT
    if t is Builtin:
        if len(args) != len(f.params):
            from epic_lang.eval.machine import call_builtin

            return call_builtin(f, args, None)
        if f.deep:
            return f.fn(*[deep(a) for a in args])
        for a in args:
            if type(a) is Pending:
                return f.fn(*[force(a) for a in args])
        return f.fn(*args)
    if t is Pending and f.done:
        return call(f.value, *args)
    raise DEOPT


def call1(f: Any, a: Any) -> Any:
    if type(f) is Closure:
        lam = f.lam
        native = lam.native
        if native is not None and lam.nparams == 1:
            return native(f.captured, a)
    return call(f, a)


def call2(f: Any, a: Any, b: Any) -> Any:
    if type(f) is Closure:
        lam = f.lam
        native = lam.native
        if native is not None and lam.nparams == 2:
            return native(f.captured, a, b)
    return call(f, a, b)


def call_kw(f: Any, args: tuple, kwargs: dict) -> Any:
    """A call with keywords: only pure built-ins take them natively."""
    if type(f) is Pending and f.done:
        f = f.value
    if type(f) is Builtin:
        from epic_lang.eval.machine import call_builtin

        return call_builtin(f, args, kwargs)
    raise DEOPT


def field(obj: Any, name: str) -> Any:
    """`obj.name` for records and EPIC modules; a Python object's attribute (which may run
    code) is left to the machine."""
    obj = ready(obj)
    if type(obj) is dict or (type(obj) is ModuleValue and obj.fields is not None):
        return PRIM_IMPLS["field"][0](obj, name)
    raise DEOPT


def display(v: Any) -> str:
    """`f"{v}"`: a str as it is, an int in decimal, anything else as `str(v)` shows it."""
    t = type(v)
    if t is str:
        return v
    if t is int:
        return int_text(v)
    return format_hole(deep(v), None)


def _generic(impl: Callable[..., Any], deep_: bool, arity: int | None) -> Callable[..., Any]:
    """A primitive over operands that may be finished pendings (an unfinished one leaves)."""
    resolve = deep if deep_ else force

    def run(*vals: Any) -> Any:
        return impl(*[resolve(v) for v in vals])

    def run2(a: Any, b: Any) -> Any:
        return impl(resolve(a), resolve(b))

    return run2 if arity == 2 else run


_ARITH = {"add": "+", "sub": "-", "mul": "*"}
_DIVIDE = {"floordiv": "//", "mod": "%"}
_COMPARE = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}

NAMESPACE: dict[str, Any] = {
    "TRUE": TRUE,
    "Pending": Pending,
    "SEQ": frozenset((list, tuple)),
    "FALSE": FALSE,
    "Closure": Closure,
    "truth": truth,
    "ready": ready,
    "call": call,
    "call1": call1,
    "call2": call2,
    "call_kw": call_kw,
    "give_up": give_up,
    "display": display,
    "P_field": field,
    **{
        f"P_{op}": _generic(impl, deep_, core.PRIMITIVES[op][0])
        for op, (impl, deep_) in PRIM_IMPLS.items()
    },
}


# ---------------------------------------------------------------------------------------------
# Code generation


class Refuse(Exception):  # noqa: N818 - a control signal, not an error
    """The function has no native version (it names an external, for example)."""


class Gen:
    """Python source for one function's body. `scope` maps EPIC names to Python expressions;
    names it lacks are the function's captured values (`c[j]`) or globals (`G[g]`)."""

    def __init__(self, lam: CompiledLam, term: core.Lam, linker: NativeLinker) -> None:
        self.lam = lam
        self.term = term
        self.linker = linker
        self.consts: dict[str, Any] = {}
        self.counter = 0
        self.lines: list[str] = []
        self.free = {name: j for j, name in enumerate(lam.free)}

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def const(self, value: Any) -> str:
        if value is None or (type(value) is int and abs(value) < 2**62) or type(value) is str:
            return repr(value)
        name = self.fresh("K")
        self.consts[name] = value
        return name

    def source(self) -> str:
        params = [f"p{i}" for i in range(len(self.term.params))]
        scope = dict(zip(self.term.params, params, strict=True))
        self.lines = []
        body: list[str] = []
        self.tail(self.term.body, scope, body, "        ")
        head = ", ".join(["c", *params])
        return "\n".join([f"def native({head}):", "    while True:", *body])

    # -- names -----------------------------------------------------------------------------

    def var(self, name: str, scope: dict[str, str]) -> str:
        found = scope.get(name)
        if found is not None:
            return found
        j = self.free.get(name)
        if j is not None:
            return f"c[{j}]"
        return self.global_(name)

    def global_(self, name: str) -> str:
        g = self.linker.global_slot(name)
        value = self.linker.gvals[g]
        if type(value) is ExternalFn or (type(value) is ModuleValue and value.fields is None):
            raise Refuse(name)
        return f"G[{g}]"

    # -- statements (tail position) --------------------------------------------------------

    def tail(self, t: core.Term, scope: dict[str, str], out: list[str], ind: str) -> None:
        if type(t) is core.Let:
            name = self.fresh("v")
            out.append(f"{ind}{name} = {self.expr(t.value, scope)}")
            self.tail(t.body, {**scope, t.name: name}, out, ind)
            return
        if type(t) is core.App and _is_if(t):
            then_lam, else_lam = t.args
            assert isinstance(then_lam, core.Lam) and isinstance(else_lam, core.Lam)
            out.append(f"{ind}if {self.cond(t.func, scope)}:")
            self.tail(then_lam.body, scope, out, ind + "    ")
            out.append(f"{ind}else:")
            self.tail(else_lam.body, scope, out, ind + "    ")
            return
        if type(t) is core.App and type(t.func) is core.Var and self.is_self_call(t, scope):
            f = self.fresh("f")
            args = [self.expr(a, scope) for a in t.args]
            params = [f"p{i}" for i in range(len(args))]
            out.append(f"{ind}{f} = {self.global_(t.func.name)}")
            out.append(f"{ind}if type({f}) is not Closure or {f}.lam is not SELF:")
            out.append(f"{ind}    return call({f}, {', '.join(args)})")
            out.append(f"{ind}{', '.join(params)}, = {', '.join(args)},")
            out.append(f"{ind}continue")
            return
        out.append(f"{ind}return {self.expr(t, scope)}")

    def is_self_call(self, t: core.App, scope: dict[str, str]) -> bool:
        func = t.func
        return (
            type(func) is core.Var
            and func.name == self.term.name
            and func.name not in scope
            and func.name not in self.free
            and not t.kwargs
            and len(t.args) == len(self.term.params)
            and self.linker.defines(func.name, self.term)
        )

    # -- expressions -------------------------------------------------------------------------

    def cond(self, t: core.Term, scope: dict[str, str]) -> str:
        """A Python bool expression for a condition."""
        if type(t) is core.Prim and t.op in _COMPARE and len(t.args) == 2:
            ta, tb, guard = self.int_operands(t, scope)
            return f"({ta} {_COMPARE[t.op]} {tb} if {guard} else truth(P_{t.op}({ta}, {tb})))"
        return f"truth({self.expr(t, scope)})"

    def int_operands(self, t: core.Prim, scope: dict[str, str]) -> tuple[str, str, str]:
        """The two operands of a binary primitive as Python names (or int literals), and a
        guard that both are ints; every operand is evaluated once, left to right, whatever
        the guard finds."""
        names = []
        checks = []
        for a in t.args:
            if type(a) is core.Const and type(a.value) is int:
                names.append(self.const(a.value))
                continue
            name = self.fresh("t")
            names.append(name)
            checks.append((name, self.expr(a, scope)))
        if len(checks) == 2:
            (na, ea), (nb, eb) = checks
            guard = f"type({na} := {ea}) is type({nb} := {eb}) is int"
        elif len(checks) == 1:
            guard = f"type({checks[0][0]} := {checks[0][1]}) is int"
        else:
            guard = "True"
        return names[0], names[1], guard

    def expr(self, t: core.Term, scope: dict[str, str]) -> str:
        if type(t) is core.Var:
            return self.var(t.name, scope)
        if type(t) is core.Const:
            return self.const(t.value)
        if type(t) is core.Let:
            name = self.fresh("v")
            body = self.expr(t.body, {**scope, t.name: name})
            return f"(({name} := {self.expr(t.value, scope)}), {body})[1]"
        if type(t) is core.Lam:
            return self.closure(t, scope)
        if type(t) is core.App:
            return self.app(t, scope)
        if type(t) is core.Prim:
            return self.prim(t, scope)
        raise Refuse(f"not a core term: {t!r}")

    def closure(self, t: core.Lam, scope: dict[str, str]) -> str:
        inner = self.linker.lam_of(t)
        name = self.fresh("L")
        self.consts[name] = inner
        captured = [self.var(n, scope) for n in inner.free]
        tup = "()" if not captured else "(" + ", ".join(captured) + ",)"
        return f"Closure({name}, {tup})"

    def app(self, t: core.App, scope: dict[str, str]) -> str:
        if _is_if(t):
            then_lam, else_lam = t.args
            assert isinstance(then_lam, core.Lam) and isinstance(else_lam, core.Lam)
            cond = self.cond(t.func, scope)
            then_e = self.expr(then_lam.body, scope)
            else_e = self.expr(else_lam.body, scope)
            return f"({then_e} if {cond} else {else_e})"
        f = self.expr(t.func, scope)
        args = [self.expr(a, scope) for a in t.args]
        if t.kwargs:
            kw = ", ".join(f"{k!r}: {self.expr(v, scope)}" for k, v in t.kwargs)
            return f"call_kw({f}, ({''.join(a + ', ' for a in args)}), {{{kw}}})"
        if len(args) == 1:
            return f"call1({f}, {args[0]})"
        if len(args) == 2:
            return f"call2({f}, {args[0]}, {args[1]})"
        return f"call({', '.join([f, *args])})"

    def prim(self, t: core.Prim, scope: dict[str, str]) -> str:
        op = t.op
        if op == "field":
            name = t.args[1]
            assert type(name) is core.Const
            return f"P_field({self.expr(t.args[0], scope)}, {name.value!r})"
        if op in _DIVIDE:
            ta, tb, guard = self.int_operands(t, scope)
            return f"({ta} {_DIVIDE[op]} {tb} if {guard} and {tb} else P_{op}({ta}, {tb}))"
        if len(t.args) == 2 and (op in _ARITH or op in _COMPARE):
            ta, tb, guard = self.int_operands(t, scope)
            if op in _ARITH:
                fast = f"{ta} {_ARITH[op]} {tb}"
            else:
                fast = f"(TRUE if {ta} {_COMPARE[op]} {tb} else FALSE)"
            return f"({fast} if {guard} else P_{op}({ta}, {tb}))"
        args = [self.expr(a, scope) for a in t.args]
        if op == "list":
            return "[" + ", ".join(args) + "]"
        if op == "tuple":
            return "(" + "".join(a + ", " for a in args) + ")"
        if op == "record":
            pairs = [f"{args[i]}: {args[i + 1]}" for i in range(0, len(args), 2)]
            return "{" + ", ".join(pairs) + "}"
        if op not in PRIM_IMPLS:
            raise Refuse(op)
        if op == "format" and args[1] == "None":
            return f"display({args[0]})"
        if op == "concat" and all(_makes_str(a) for a in t.args):
            return "(" + " + ".join(args) + ")" if args else "''"
        if op == "index":
            ta, tb, tv = self.fresh("t"), self.fresh("t"), self.fresh("t")
            guard = f"(type({ta} := {args[0]}) in SEQ) & (type({tb} := {args[1]}) is int)"
            fast = f"({tv} if type({tv} := {ta}[{tb}]) is not Pending else P_index({ta}, {tb}))"
            return f"({fast} if {guard} else P_index({ta}, {tb}))"
        return f"P_{op}({', '.join(args)})"


def _makes_str(t: core.Term) -> bool:
    """Whether a part of an f-string is always a str (so parts are joined with `+`)."""
    return (type(t) is core.Const and type(t.value) is str) or (
        type(t) is core.Prim and t.op in ("format", "concat")
    )


def _is_if(t: core.App) -> bool:
    return (
        len(t.args) == 2
        and not t.kwargs
        and all(type(a) is core.Lam and not a.params for a in t.args)
    )


class NativeLinker:
    """What code generation needs from the compiler of one module: its global slots and
    values, and the compiled form of each `fn` term (for closures built by native code)."""

    def __init__(
        self, gvals: list, global_slot: Callable[[str], int], defs: Mapping[str, core.Term]
    ) -> None:
        self.gvals = gvals
        self.global_slot = global_slot
        self.defs = defs
        self.lams: dict[int, tuple[core.Lam, CompiledLam]] = {}

    def register(self, term: core.Lam, lam: CompiledLam) -> None:
        self.lams[id(term)] = (term, lam)
        lam.native = self.stub(term, lam)

    def lam_of(self, term: core.Lam) -> CompiledLam:
        return self.lams[id(term)][1]

    def defines(self, name: str, term: core.Lam) -> bool:
        """Whether the global `name` is this module's `def` of `term` (a self call)."""
        return self.defs.get(name) is term

    def stub(self, term: core.Lam, lam: CompiledLam) -> Callable[..., Any]:
        """The second call compiles the function (later ones run it): loading a program
        generates no code, and a function run once (`main`, a step between LLM calls) is
        not worth compiling."""
        calls = 0

        def compile_then_run(c: Any, *args: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls < COMPILE_AT_CALL:
                raise NOT_YET
            native = self.compile(term, lam)
            lam.native = native
            if native is None:
                raise DEOPT
            return native(c, *args)

        return compile_then_run

    def compile(self, term: core.Lam, lam: CompiledLam) -> Callable[..., Any] | None:
        gen = Gen(lam, term, self)
        try:
            text = gen.source()
        except (Refuse, RecursionError):
            return None
        namespace = {**NAMESPACE, **gen.consts, "G": self.gvals, "SELF": lam}
        try:
            exec(compile(text, f"<native {lam.name or 'fn'}>", "exec"), namespace)
        except (SyntaxError, RecursionError, MemoryError):  # nested too deeply for CPython
            return None
        native: Callable[..., Any] = namespace["native"]
        return native


def missed(lam: CompiledLam, e: Exception) -> None:
    """The native code of `lam` gave up (raised `e`); after `MAX_MISSES` it is dropped."""
    if e is NOT_YET:
        return
    lam.misses += 1
    if lam.misses >= lam.max_misses:
        lam.native = None
