"""Native versions of the prelude's list loops, written by hand in Python.

`prelude.epic` builds lists by halves so that under opportunistic evaluation every element
starts at once; compiled to Python (native.py) that recursion still costs a few calls per
element. When the function given to `map`, `filter`, `fold`, ... has native code and the
list holds ready values, nothing can start or wait, so a plain Python loop gives the same list.
Each function here has the contract of native code: it returns the value the prelude's own
definition would return, or raises, and then the machine runs the prelude's definition from
the start (which starts every element's calls at once, as before).

`install` gives these to the standard prelude's closures, by the name of the `def` they
replace; a program's own definition of the same name is its own code and is not touched.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from epic_lang.eval import map_loop
from epic_lang.eval.native import DEOPT, call1, call2, ready, truth
from epic_lang.eval.prims import PRIM_IMPLS, deep
from epic_lang.eval.values import FALSE, TRUE, Closure, Pending

_add = PRIM_IMPLS["add"][0]


def _seq(xs: Any) -> Any:
    """`xs` if the prelude's loops index it like a list (a list, tuple or str)."""
    xs = ready(xs)
    t = type(xs)
    if t is list or t is tuple or t is str:
        return xs
    raise DEOPT


def _unary(f: Any) -> Callable[..., Any] | None:
    """The native code of a one-parameter closure, called directly in the loops below."""
    if type(f) is Closure and f.lam.nparams == 1:
        native: Callable[..., Any] | None = f.lam.native
        return native
    return None


def _values(f: Any, xs: Any) -> list:
    """`[f(x) for x in xs]` natively."""
    native = _unary(f)
    if native is None:
        return [call1(f, x if type(x) is not Pending else ready(x)) for x in xs]
    c = f.captured
    return [native(c, x if type(x) is not Pending else ready(x)) for x in xs]


def native_map(c: Any, f: Any, xs: Any) -> Any:
    return _values(f, _seq(xs))


def native_filter(c: Any, f: Any, xs: Any) -> Any:
    xs = _seq(xs)
    native = _unary(f)
    out = []
    for x in xs:
        if type(x) is Pending:
            x = ready(x)
        k = call1(f, x) if native is None else native(f.captured, x)
        if k is TRUE or (k is not FALSE and truth(k)):
            out.append(x)
    return out


def native_build(c: Any, g: Any, n: Any) -> Any:
    if type(n) is not int:
        raise DEOPT
    return _values(g, range(n)) if n > 0 else []


def native_flatten(c: Any, xss: Any) -> Any:
    xss = _seq(xss)
    out: list = []
    for xs in xss:
        xs = ready(xs)
        if type(xs) is not list:
            raise DEOPT  # `+` of tuples or strs, or a type error: the prelude's own code
        out.extend(xs)
    return out


def native_fold(c: Any, f: Any, init: Any, xs: Any) -> Any:
    acc = init
    for x in _seq(xs):
        acc = call2(f, acc, x if type(x) is not Pending else ready(x))
    return acc


def native_sum(c: Any, xs: Any) -> Any:
    acc: Any = 0
    for x in _seq(xs):
        if type(x) is int and type(acc) is int:
            acc += x
        else:
            acc = _add(acc, ready(x))
    return acc


def _best_by(order: str, f: Any, xs: Any) -> Any:
    """`max_by` (`order` "gt") and `min_by` ("lt"): the first element whose key no later
    key is better than, comparing ints directly and other keys with the primitive."""
    xs = _seq(xs)
    keys = _values(f, xs)
    if not keys:
        raise DEOPT  # the prelude's code reports the empty list
    compare = PRIM_IMPLS[order][0]
    greater = order == "gt"
    best = 0
    b = keys[0]
    for i in range(1, len(keys)):
        k = keys[i]
        if type(k) is int and type(b) is int:
            better = k > b if greater else k < b
        else:
            better = truth(compare(deep(k), deep(b)))
        if better:
            best = i
            b = k
    x = xs[best]
    return x if type(x) is not Pending else ready(x)


def native_max_by(c: Any, f: Any, xs: Any) -> Any:
    return _best_by("gt", f, xs)


def native_min_by(c: Any, f: Any, xs: Any) -> Any:
    return _best_by("lt", f, xs)


def native_sort_by(c: Any, f: Any, xs: Any) -> Any:
    """`sort_by`'s stable merge sort as Python's stable sort: the same order whenever the
    keys are totally ordered (all numbers without NaN, or all strs); other keys are left to
    the prelude's code, which reports what cannot be compared."""
    xs = _seq(xs)
    keys = _values(f, xs)
    kinds = set(map(type, keys))
    if kinds <= {int, float}:
        if float in kinds and any(k != k for k in keys):  # NaN is not ordered
            raise DEOPT
    elif kinds != {str}:
        raise DEOPT
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return [x if type(x := xs[i]) is not Pending else ready(x) for i in order]


LOOPS: dict[str, Callable[..., Any]] = {
    "map": native_map,
    "filter": native_filter,
    "_build": native_build,
    "flatten": native_flatten,
    "fold": native_fold,
    "sum": native_sum,
    "max_by": native_max_by,
    "min_by": native_min_by,
    "sort_by": native_sort_by,
}
"""The prelude `def`s with a hand-written native version, by name."""


def install(name: str, f: Any) -> None:
    """Gives the standard prelude's closure `f` of the `def` `name` its hand-written native
    code, if it has one. It never loses it: these give up at once when the function they call
    has no native code, and none of them is called again by its own prelude definition (a
    helper that recursed through itself, such as `_fold_from`, would retry the same list once
    per element)."""
    native = LOOPS.get(name)
    if native is not None:
        assert type(f) is Closure, name
        f.lam.native = native
        f.lam.max_misses = sys.maxsize
    if name == "_map_range":  # for `map` when `native_map` gives up
        map_loop.install(f)
