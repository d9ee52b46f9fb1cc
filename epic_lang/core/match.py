"""Compiling `match` into nested Church-boolean tests, `let`s and a final `match_fail`.

Each case becomes a chain of tests on the subject (`type_is`, `len_eq`, `len_ge`, `has_key`,
`eq`) interleaved with `let`s of the parts the later tests look at (`index`, `field`); the
pattern's own names are bound last, just around the case's body, so that the code of the
next case (run when a test fails) never sees them. When a case has more than one test, the
next case is bound once as a thunk `%next` instead of being copied into every failure branch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from epic_lang.core import terms as core
from epic_lang.records import record
from epic_lang.source import Span
from epic_lang.syntax import ast


@record(frozen=True, slots=True)
class _Test:
    """A Church-boolean term that must be true for the pattern to match."""

    term: core.Term
    span: Span


@record(frozen=True, slots=True)
class _Bind:
    """`let name = term` of a temporary (or, in `binds`, of a pattern's own name)."""

    name: str
    term: core.Term
    span: Span


def compile_match(
    subject: str,
    cases: Sequence[tuple[ast.Pattern, core.Term, Span]],
    span: Span,
    fresh: Callable[[str], str],
    fail_op: str = "match_fail",
) -> core.Term:
    """The core term that tries `cases` (pattern, desugared body, case span) in order on the
    value bound to the variable `subject`, failing with the primitive `fail_op` (`match_fail`,
    or `unpack_fail` for a destructuring `let`) when none matches."""
    result: core.Term = core.Prim(fail_op, (core.Var(subject, span),), span)
    for pattern, body, case_span in reversed(cases):
        steps: list[_Test | _Bind] = []
        binds: list[_Bind] = []
        _pattern(pattern, core.Var(subject, pattern.span), steps, binds, fresh)
        tests = sum(1 for step in steps if isinstance(step, _Test))
        if tests <= 1:
            result = _chain(steps, binds, body, result)
        else:
            next_name = fresh("next")
            fail = core.App(core.Var(next_name, case_span), (), (), case_span)
            code = _chain(steps, binds, body, fail)
            result = core.Let(next_name, core.Lam((), (), result, result.span), code, case_span)
    return result


def _chain(
    steps: list[_Test | _Bind], binds: list[_Bind], body: core.Term, fail: core.Term
) -> core.Term:
    """Nests the steps around the body: a test picks between the rest and `fail`."""
    result = body
    for bind in reversed(binds):
        result = core.Let(bind.name, bind.term, result, bind.span)
    for step in reversed(steps):
        if isinstance(step, _Bind):
            result = core.Let(step.name, step.term, result, step.span)
        else:
            branches = (core.Lam((), (), result, result.span), core.Lam((), (), fail, fail.span))
            result = core.App(step.term, branches, (), step.span)
    return result


def _pattern(
    p: ast.Pattern,
    value: core.Term,
    steps: list[_Test | _Bind],
    binds: list[_Bind],
    fresh: Callable[[str], str],
) -> None:
    """Appends the tests and temporaries that match `value` (a variable or an access of
    one, so it may be repeated freely) against `p`, and the names `p` binds."""
    s = p.span
    if isinstance(p, ast.PWildcard):
        return
    if isinstance(p, ast.PName):
        binds.append(_Bind(p.name.text, value, s))
    elif isinstance(p, ast.PLiteral):
        if isinstance(p.value, bool):
            literal: core.Term = core.Var("true" if p.value else "false", s)
        else:
            literal = core.Const(p.value, s)
        steps.append(_Test(core.Prim("eq", (value, literal), s), s))
    elif isinstance(p, ast.PTuple):
        _sequence(p.items, None, "tuple", value, s, steps, binds, fresh)
    elif isinstance(p, ast.PList):
        _sequence(p.items, p.rest, "list", value, s, steps, binds, fresh)
    else:
        steps.append(_Test(_prim("type_is", value, "record", s), s))
        for field in p.fields:
            steps.append(_Test(_prim("has_key", value, field.key, field.span), field.span))
            part = _prim("field", value, field.key, field.span)
            _part(field.pattern, part, steps, binds, fresh)


def _sequence(
    items: tuple[ast.Pattern, ...],
    rest: ast.Name | None,
    type_name: str,
    value: core.Term,
    s: Span,
    steps: list[_Test | _Bind],
    binds: list[_Bind],
    fresh: Callable[[str], str],
) -> None:
    """A tuple or list pattern: type, length, then each item, then the `...rest` slice."""
    steps.append(_Test(_prim("type_is", value, type_name, s), s))
    steps.append(_Test(_prim("len_eq" if rest is None else "len_ge", value, len(items), s), s))
    for i, item in enumerate(items):
        _part(item, _prim("index", value, i, item.span), steps, binds, fresh)
    if rest is not None and rest.text != "_":
        tail = core.Prim("slice", (value, core.Const(len(items), s), core.Const(None, s)), s)
        binds.append(_Bind(rest.text, tail, rest.span))


def _part(
    p: ast.Pattern,
    part: core.Term,
    steps: list[_Test | _Bind],
    binds: list[_Bind],
    fresh: Callable[[str], str],
) -> None:
    """Matches a component (`index`/`field` of the value): a name or literal uses the access
    directly; a nested structure gets a temporary so the access happens once."""
    if isinstance(p, ast.PWildcard | ast.PName | ast.PLiteral):
        _pattern(p, part, steps, binds, fresh)
        return
    tmp = fresh("t")
    steps.append(_Bind(tmp, part, p.span))
    _pattern(p, core.Var(tmp, p.span), steps, binds, fresh)


def _prim(op: str, value: core.Term, arg: str | int, span: Span) -> core.Prim:
    return core.Prim(op, (value, core.Const(arg, span)), span)
