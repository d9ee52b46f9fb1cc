"""Desugaring: the surface tree of `syntax/ast.py` becomes the six core forms of `terms.py`.

This is the only place that knows how `if`, `and`, `or`, `not`, `match`, `try`, pipes,
f-strings, blocks, destructuring `let`s, record updates and operators are encoded, so the
evaluators only ever see variables, constants, functions, applications, `let` and primitive
calls (docs/language.md §10). Booleans are Church
booleans: `if c then a else b` is `c(fn() => a, fn() => b)`, and `true`/`false` are the
globals `Var("true")`/`Var("false")` that the evaluator binds to the prelude's `church_true`
and `church_false`.

Two properties are kept on purpose:
- every core node carries the span of the surface node it came from, so a runtime error
  points at the source a user wrote;
- sub-terms are evaluated in source order under call-by-value, so the sequential strategy is
  the natural reference (where the core form would evaluate in another order, as in a pipe
  `x |> g(y)`, the earlier sub-term is bound to a temporary first).

Temporaries are named with a `%`, which no EPIC name can contain, so they never capture or
shadow a user's variable.
"""

from __future__ import annotations

from typing import get_args

from epic_lang.core import terms as core
from epic_lang.core.match import compile_match
from epic_lang.records import record
from epic_lang.source import Span
from epic_lang.syntax import ast

COMPARE_PRIMS: dict[str, str] = {
    "==": "eq",
    "!=": "ne",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
    "in": "in",
    "not in": "not_in",
}

BINARY_PRIMS: dict[str, str] = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "//": "floordiv",
    "%": "mod",
    "**": "pow",
}


def desugar_module(module: ast.Module, path: str | None = None) -> core.CoreModule:
    """The core form of a parsed file: its defs and top-level lets as globals in source
    order, and its imports. Declarations are desugared independently, so a module with
    syntax errors still gives the core of the declarations that parsed."""
    fresh = Fresh()
    globals_: list[tuple[str, core.Term]] = []
    imports: list[core.CoreImport] = []
    for decl in module.decls:
        if isinstance(decl, ast.Import):
            imports.append(core.CoreImport(decl.alias.text, decl.python, decl.source, decl.span))
        elif isinstance(decl, ast.Def):
            lam = lambda_term(decl.params, decl.body, decl.span, fresh, name=decl.name.text)
            globals_.append((decl.name.text, lam))
        else:
            globals_.append((decl.name.text, desugar_expr(decl.value, fresh)))
    return core.CoreModule(path, tuple(globals_), tuple(imports))


def desugar_expr(expr: ast.Expr, fresh: Fresh | None = None) -> core.Term:
    """The core term of one expression (used by the module desugarer, by tests and by tools
    that evaluate a single expression)."""
    return _Desugarer(fresh or Fresh()).expr(expr)


@record(slots=True)
class Fresh:
    """Hands out temporary names unique within one module (`%m1`, `%t2`, ...)."""

    counter: int = 0

    def __call__(self, hint: str) -> str:
        self.counter += 1
        return f"%{hint}{self.counter}"


def lambda_term(
    params: tuple[ast.Param, ...],
    body: ast.Expr,
    span: Span,
    fresh: Fresh,
    name: str | None = None,
) -> core.Lam:
    """A `def` or `fn` as a core function; defaults stay terms, evaluated at call time."""
    d = _Desugarer(fresh)
    return core.Lam(
        tuple(p.name.text for p in params),
        tuple(None if p.default is None else d.expr(p.default) for p in params),
        d.expr(body),
        span,
        name,
    )


def is_trivial(term: core.Term) -> bool:
    """Whether evaluating `term` can neither fail with an effect nor wait, so that moving it
    earlier or later in evaluation order is unobservable."""
    return isinstance(term, core.Var | core.Const | core.Lam)


def thunk(body: core.Term, span: Span) -> core.Lam:
    """`fn() => body`: delays `body` until a Church boolean picks it."""
    return core.Lam((), (), body, span)


def church_if(cond: core.Term, then: core.Term, orelse: core.Term, span: Span) -> core.App:
    """`cond(fn() => then, fn() => orelse)`, the encoding of every conditional."""
    return core.App(cond, (thunk(then, then.span), thunk(orelse, orelse.span)), (), span)


@record(slots=True)
class _Desugarer:
    fresh: Fresh

    def expr(self, e: ast.Expr) -> core.Term:
        return _DISPATCH[type(e)](self, e)

    def _Var(self, e: ast.Var) -> core.Term:
        return core.Var(e.name, e.span)

    def _Literal(self, e: ast.Literal) -> core.Term:
        if isinstance(e.value, bool):
            return core.Var("true" if e.value else "false", e.span)
        return core.Const(e.value, e.span)

    def _FString(self, e: ast.FString) -> core.Term:
        parts: list[core.Term] = []
        for part in e.parts:
            if isinstance(part, str):
                parts.append(core.Const(part, e.span))
            else:
                spec = core.Const(part.format_spec, part.span)
                parts.append(core.Prim("format", (self.expr(part.expr), spec), part.span))
        return core.Prim("concat", tuple(parts), e.span)

    def _Lambda(self, e: ast.Lambda) -> core.Term:
        return lambda_term(e.params, e.body, e.span, self.fresh)

    def _If(self, e: ast.If) -> core.Term:
        return church_if(self.expr(e.cond), self.expr(e.then), self.expr(e.orelse), e.span)

    def _LetIn(self, e: ast.LetIn) -> core.Term:
        return core.Let(e.name.text, self.expr(e.value), self.expr(e.body), e.span)

    def _LetInUnpack(self, e: ast.LetInUnpack) -> core.Term:
        return self.unpack(e.pattern, self.expr(e.value), self.expr(e.body), e.span)

    def unpack(
        self, pattern: ast.Pattern, value: core.Term, body: core.Term, span: Span
    ) -> core.Term:
        """`let P = value` over `body`: a one-case `match` whose failure is `unpack_fail`."""
        subject = self.fresh("u")
        cases = [(pattern, body, span)]
        # A failure points at the pattern that did not match.
        code = compile_match(subject, cases, pattern.span, self.fresh, fail_op="unpack_fail")
        return core.Let(subject, value, code, span)

    def _Try(self, e: ast.Try) -> core.Term:
        # `try E catch err => H` is `_try(fn() => E, fn(err) => H)`: the built-in runs the
        # thunk and calls the handler with the error record if it fails.
        body = thunk(self.expr(e.body), e.body.span)
        handler = core.Lam((e.name.text,), (None,), self.expr(e.handler), e.handler.span)
        return core.App(core.Var("_try", e.span), (body, handler), (), e.span)

    def _Block(self, e: ast.Block) -> core.Term:
        # Each `let` scopes over the rest of the block, so its span runs to the block's end.
        result = self.expr(e.result)
        for let in reversed(e.lets):
            span = _to_end(let.span, e.span)
            if isinstance(let, ast.BlockUnpack):
                result = self.unpack(let.pattern, self.expr(let.value), result, span)
            else:
                result = core.Let(let.name.text, self.expr(let.value), result, span)
        return result

    def _Match(self, e: ast.Match) -> core.Term:
        subject = self.fresh("m")
        cases = [(case.pattern, self.expr(case.body), case.span) for case in e.cases]
        body = compile_match(subject, cases, e.span, self.fresh)
        return core.Let(subject, self.expr(e.subject), body, e.span)

    def _Pipe(self, e: ast.Pipe) -> core.Term:
        right_call = e.right
        if isinstance(right_call, ast.Call) and any(
            isinstance(a.value, ast.Placeholder) for a in right_call.args
        ):
            return self.pipe_into(e.left, right_call, e.span)
        left = self.expr(e.left)
        right = self.expr(e.right)
        if is_trivial(right) or is_trivial(left):
            return core.App(right, (left,), (), e.span)
        # `left` comes first in the source, so it is evaluated first.
        tmp = self.fresh("p")
        call = core.App(right, (core.Var(tmp, e.left.span),), (), e.span)
        return core.Let(tmp, left, call, e.span)

    def pipe_into(self, left: ast.Expr, call: ast.Call, span: Span) -> core.Term:
        """`left |> f(a, _)` is `f(a, left)`, with `left` evaluated first, as written."""
        value = self.expr(left)
        if is_trivial(value):
            return self._Call(_fill(call, left))
        tmp = self.fresh("p")
        return core.Let(tmp, value, self._Call(_fill(call, ast.Var(tmp, left.span))), span)

    def _Placeholder(self, e: ast.Placeholder) -> core.Term:
        # Only the call right of a pipe holds placeholders, and `pipe_into` replaces them.
        raise AssertionError(f"`_` placeholder outside a pipe at {e.span.line}:{e.span.col}")

    def _BoolOp(self, e: ast.BoolOp) -> core.Term:
        left = self.expr(e.left)
        right = self.expr(e.right)
        if e.op == "and":
            return church_if(left, right, core.Var("false", e.span), e.span)
        return church_if(left, core.Var("true", e.span), right, e.span)

    def _Not(self, e: ast.Not) -> core.Term:
        return church_if(
            self.expr(e.operand), core.Var("false", e.span), core.Var("true", e.span), e.span
        )

    def _Compare(self, e: ast.Compare) -> core.Term:
        args = (self.expr(e.left), self.expr(e.right))
        return core.Prim(COMPARE_PRIMS[e.op], args, e.span)

    def _BinOp(self, e: ast.BinOp) -> core.Term:
        args = (self.expr(e.left), self.expr(e.right))
        return core.Prim(BINARY_PRIMS[e.op], args, e.span)

    def _Neg(self, e: ast.Neg) -> core.Term:
        operand = e.operand
        if (
            isinstance(operand, ast.Literal)
            and isinstance(operand.value, int | float)
            and not isinstance(operand.value, bool)
        ):
            return core.Const(-operand.value, e.span)
        return core.Prim("neg", (self.expr(operand),), e.span)

    def _Call(self, e: ast.Call) -> core.Term:
        func = self.expr(e.func)
        args = [(a.name.text if a.name else None, self.expr(a.value), a.span) for a in e.args]
        positional = [t for name, t, _ in args if name is None]
        keywords = [(name, t) for name, t, _ in args if name is not None]
        if _in_core_order(args):
            return core.App(func, tuple(positional), tuple(keywords), e.span)
        # A keyword argument before a positional one: bind the function and the arguments
        # in source order (App evaluates positional arguments before keyword arguments).
        lets: list[tuple[str, core.Term, Span]] = []
        if not is_trivial(func):
            tmp = self.fresh("f")
            lets.append((tmp, func, e.func.span))
            func = core.Var(tmp, e.func.span)
        pos: list[core.Term] = []
        kws: list[tuple[str, core.Term]] = []
        for name, term, span in args:
            if not is_trivial(term):
                tmp = self.fresh("a")
                lets.append((tmp, term, span))
                term = core.Var(tmp, span)
            if name is None:
                pos.append(term)
            else:
                kws.append((name, term))
        result: core.Term = core.App(func, tuple(pos), tuple(kws), e.span)
        for tmp, term, _ in reversed(lets):
            result = core.Let(tmp, term, result, e.span)
        return result

    def _Index(self, e: ast.Index) -> core.Term:
        return core.Prim("index", (self.expr(e.obj), self.expr(e.index)), e.span)

    def _Slice(self, e: ast.Slice) -> core.Term:
        start = core.Const(None, e.span) if e.start is None else self.expr(e.start)
        stop = core.Const(None, e.span) if e.stop is None else self.expr(e.stop)
        return core.Prim("slice", (self.expr(e.obj), start, stop), e.span)

    def _Field(self, e: ast.Field) -> core.Term:
        name = core.Const(e.name.text, e.name.span)
        return core.Prim("field", (self.expr(e.obj), name), e.span)

    def _TupleExpr(self, e: ast.TupleExpr) -> core.Term:
        return core.Prim("tuple", tuple(self.expr(item) for item in e.items), e.span)

    def _ListExpr(self, e: ast.ListExpr) -> core.Term:
        return core.Prim("list", tuple(self.expr(item) for item in e.items), e.span)

    def _RecordExpr(self, e: ast.RecordExpr) -> core.Term:
        return self.record(e.fields, e.span)

    def record(self, fields: tuple[ast.RecordField, ...], span: Span) -> core.Prim:
        args: list[core.Term] = []
        for f in fields:
            args.append(core.Const(f.key, f.key_span))
            args.append(self.expr(f.value))
        return core.Prim("record", tuple(args), span)

    def _RecordUpdate(self, e: ast.RecordUpdate) -> core.Term:
        # The new fields are a record of pending slots like any record literal; merging only
        # waits for the two records themselves, not for their fields.
        base = self.expr(e.base)
        return core.Prim("record_merge", (base, self.record(e.fields, e.span)), e.span)


# One method per surface expression class, found by the class's name (`_If` for `ast.If`).
_DISPATCH = {cls: getattr(_Desugarer, "_" + cls.__name__) for cls in get_args(ast.Expr)}


def _fill(call: ast.Call, value: ast.Expr) -> ast.Call:
    """`call` with its `_` argument replaced by `value`."""
    args = tuple(
        ast.Arg(a.name, value, a.span) if isinstance(a.value, ast.Placeholder) else a
        for a in call.args
    )
    return ast.Call(call.func, args, call.span)


def _in_core_order(args: list[tuple[str | None, core.Term, Span]]) -> bool:
    """Whether App's order (positional, then keyword) is the source order, or any
    difference is unobservable because the moved arguments are trivial."""
    seen_keyword = False
    for name, term, _ in args:
        if name is not None:
            seen_keyword = seen_keyword or not is_trivial(term)
        elif seen_keyword and not is_trivial(term):
            return False
    return True


def _to_end(first: Span, whole: Span) -> Span:
    """From the start of `first` to the end of `whole`."""
    return Span(first.start, whole.end, first.line, first.col, whole.end_line, whole.end_col)
