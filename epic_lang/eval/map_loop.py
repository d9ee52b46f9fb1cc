"""`map` of a user's function over a list as one loop frame of the machine.

The prelude's `_map_range` builds the list by halves: under opportunistic evaluation that
starts `f` on every element without waiting for any, at the price of a dozen compiled
frames and calls per element, about as much as sending the element's LLM call. When the
function's native code cannot do the work (it calls an LLM: `native_prelude.native_map`
gave up), this frame does what the halves do, element after element on the same thread:
it applies `f` to each element in order and collects the results, pending or not. An
element whose call must wait is split off at this frame (one of the machine's fork
points), as at the halves' list literal, so that the next elements go on at once. Nothing
is tried and undone, so no call is ever sent twice.

Its frames carry the sites the halves' frames would: the leaf list literal of the element
and the `+` that joins the halves, so that an error's call stack is the same (only the
prelude's own places are ever shown from here, and only when the user's code is not on the
stack at all). The loop is used only where the halves would run the same steps in the same
order: opportunistic mode, a one-parameter closure of the program (not of the prelude), a
list or tuple with `0 <= lo` and `hi <= len(xs)`, and at least three elements.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from epic_lang.core import terms as core
from epic_lang.eval.errors import Blocked, NeedWait, Site
from epic_lang.eval.machine import PUSHED, Thread, apply, eval_resume
from epic_lang.eval.values import Closure, Pending


def _map_step(frame: tuple, val: Any, th: Thread) -> Any:
    """`frame` is (_map_step, site, f, xs, i, hi, out, places): `val` is the result for
    element i - 1; applies `f` to elements i.. until one needs frames of its own."""
    _, _, f, xs, i, hi, out, places = frame
    out.append(val)
    stack = th.stack
    while i < hi:
        val = _element(f, xs, i, hi, out, places, stack, th)
        if val is PUSHED:
            return PUSHED
        stack.pop()
        out.append(val)
        i += 1
    return out


def _element(
    f: Closure, xs: Any, i: int, hi: int, out: list, places: list, stack: list, th: Thread
) -> Any:
    """Starts `f(xs[i])` above a loop frame for the next elements, as the halves start it
    above their leaf list: its value, or PUSHED (then the loop frame receives it)."""
    x = xs[i]
    if type(x) is Pending and x.done:  # as `xs[i]` reads it
        x = x.value
    leaf, call = places[i]
    stack.append((_map_step, leaf, f, xs, i + 1, hi, out, places))
    try:
        return apply(f, (x,), None, call, th)
    except NeedWait as w:  # before doing anything: its retry splits off here, alone
        stack.append((eval_resume, leaf, _retry, (f, x, call)))
        raise Blocked(w.pending) from None


def _retry(env: tuple, th: Thread) -> Any:
    f, x, call = env
    return apply(f, (x,), None, call, th)


def _joined(frame: tuple, val: Any, th: Thread) -> Any:
    """The bottom frame of a loop: only its site (the halves' `+`), for call stacks."""
    return val


FORK_POINTS = frozenset((_map_step,))
"""The resume functions of this module where the machine may split a thread."""


class MapLoop:
    """The machine code of `_map_range` that runs the loop, or the prelude's own code
    (`halves`) where the loop would not do exactly what it does. The sites are those of
    the halves' `+`, and of the leaf lists of one and two elements and the calls in them."""

    def __init__(
        self, halves: Any, plus: Site, leaf1: tuple, leaf2: tuple[tuple, tuple], prelude: str
    ) -> None:
        self.halves = halves
        self.plus = plus
        self.leaf1 = leaf1
        self.leaf2 = leaf2
        self.prelude = prelude

    def __call__(self, env: list, th: Thread) -> Any:
        f, xs, lo, hi = (_ready(v) for v in env[1:5])
        if (
            th.m.sequential
            or type(f) is not Closure
            or f.lam.nparams != 1
            or f.lam.site.path == self.prelude
            or type(lo) is not int
            or type(hi) is not int
            or (type(xs) is not list and type(xs) is not tuple)
            or not (lo >= 0 and hi - lo > 2 and hi <= len(xs))
        ):
            return self.halves(env, th)
        places: list[Any] = [None] * hi
        for start, size in _leaves(lo, hi):
            if size == 1:
                places[start] = self.leaf1
            else:
                places[start], places[start + 1] = self.leaf2
        stack = th.stack
        stack.append((_joined, self.plus))
        val = _element(f, xs, lo, hi, [], places, stack, th)
        if val is PUSHED:
            return PUSHED
        return _map_step(stack.pop(), val, th)


def _ready(v: Any) -> Any:
    return v.value if type(v) is Pending and v.done else v


def _leaves(lo: int, hi: int) -> Iterator[tuple[int, int]]:
    """The (start, size) of the halves' leaf lists, of one or two elements, in order."""
    todo = [(lo, hi)]
    while todo:
        lo, hi = todo.pop()
        if hi - lo <= 2:
            yield lo, hi - lo
        else:
            mid = (lo + hi) // 2
            todo.append((mid, hi))
            todo.append((lo, mid))


def install(f: Any) -> None:
    """Gives the standard prelude's `_map_range` closure `f` the loop, if its definition still
    has the shape the loop stands for (two leaf lists and the `+` of two recursive calls)."""
    from epic_lang.core.prelude import prelude_globals  # loaded by then; not for the compiler

    assert type(f) is Closure
    lam = f.lam
    term = prelude_globals()["_map_range"]
    lists: dict[int, core.Prim] = {}
    plus: list[core.Prim] = []
    for t in _prims(term):
        if t.op == "list" and all(type(a) is core.App for a in t.args):
            lists[len(t.args)] = t
        elif t.op == "add" and all(type(a) is core.App for a in t.args):
            plus.append(t)
    if sorted(lists) != [1, 2] or len(plus) != 1:
        return
    path = lam.site.path
    assert path is not None
    name = lam.name

    def site(t: core.Term) -> Site:
        return Site(t.span, path, name)

    one, two = lists[1], lists[2]
    leaf1 = (site(one), site(one.args[0]))
    leaf2 = ((site(two), site(two.args[0])), (site(two), site(two.args[1])))
    lam.body = MapLoop(lam.body, site(plus[0]), leaf1, leaf2, path)


def _prims(t: core.Term) -> Iterator[core.Prim]:
    if type(t) is core.Prim:
        yield t
    for child in _children(t):
        yield from _prims(child)


def _children(t: core.Term) -> tuple[core.Term, ...]:
    if type(t) is core.Lam:
        return (t.body,)
    if type(t) is core.App:
        return (t.func, *t.args, *(v for _, v in t.kwargs))
    if type(t) is core.Let:
        return (t.value, t.body)
    if type(t) is core.Prim:
        return t.args
    return ()
