"""The pure built-in functions of docs/language.md §12: their implementations, keyed by name.

They run inline in the machine (never dispatched, never traced). Their names, parameters,
defaults and docs come from the one table of built-ins, `epic_lang.analysis.builtins`, which
the checks, hover and docs/builtins.md read too; this module only adds what each one computes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from epic_lang.analysis.builtins import PURE_BUILTINS, BuiltinInfo
from epic_lang.eval.errors import EpicError
from epic_lang.eval.prims import boolean
from epic_lang.eval.streams import STREAM_BUILTINS
from epic_lang.eval.values import (
    FUNCTION_TYPES,
    Builtin,
    ChurchBool,
    from_python,
    to_display,
    to_python,
    type_name,
)
from epic_lang.syntax import ast
from epic_lang.syntax.parser import parse


def _want(name: str, value: Any, *types: type) -> Any:
    if type(value) not in types:
        expected = " or ".join(_TYPE_WORDS[t] for t in types)
        raise EpicError(f"{name} expects {expected}, got {type_name(value)}", kind="type")
    return value


_TYPE_WORDS = {
    str: "a str",
    int: "an int",
    float: "a float",
    list: "a list",
    tuple: "a tuple",
    dict: "a record",
}


def _len(x: Any) -> int:
    return len(_want("len", x, str, list, tuple, dict))


def _int(x: Any) -> int:
    t = type(x)
    if t is int:
        return x
    if t is float:
        try:
            return int(x)
        except (OverflowError, ValueError):
            raise EpicError(f"cannot convert {x!r} to int", kind="value") from None
    if t is str:
        try:
            return int(x.strip().replace("_", ""))
        except ValueError:
            if x.strip().isdigit():  # more digits than Python's `int()` accepts
                import decimal

                return int(decimal.Decimal(x.strip()))
            raise EpicError(f"cannot convert {x!r} to int", kind="value") from None
    raise EpicError(f"int expects a number or a str, got {type_name(x)}", kind="type")


def _float(x: Any) -> float:
    t = type(x)
    if t is int or t is float:
        return float(x)
    if t is str:
        try:
            return float(x.strip())
        except ValueError:
            raise EpicError(f"cannot convert {x!r} to float", kind="value") from None
    raise EpicError(f"float expects a number or a str, got {type_name(x)}", kind="type")


def _range(a: Any, b: Any = None) -> list[int]:
    _want("range", a, int)
    if b is None:
        return list(range(a))
    return list(range(a, _want("range", b, int)))


def _split(s: Any, sep: Any = None) -> list[str]:
    _want("split", s, str)
    if sep is not None:
        _want("split", sep, str)
        if sep == "":
            raise EpicError("split separator must not be empty", kind="value")
    return s.split(sep)


def _join(xs: Any, sep: Any = "") -> str:
    _want("join", xs, list, tuple)
    _want("join", sep, str)
    for x in xs:
        if type(x) is not str:
            raise EpicError(f"join expects a list of str, found {type_name(x)}", kind="type")
    return sep.join(xs)


def _str_method(name: str, method: Callable[..., Any], nargs: int) -> Callable[..., Any]:
    def run(s: Any, *rest: Any) -> Any:
        _want(name, s, str)
        for r in rest[: nargs - 1]:
            _want(name, r, str)
        result = method(s, *rest)
        return boolean(result) if type(result) is bool else result

    return run


def _json_parse(s: Any) -> Any:
    _want("json_parse", s, str)
    try:
        return from_python(json.loads(s))
    except json.JSONDecodeError as e:
        raise EpicError(
            f"json_parse: invalid JSON ({e.msg} at position {e.pos})", kind="json"
        ) from None
    except ValueError:  # the only other failure: a number over Python's digit limit
        raise EpicError(
            "json_parse: a number in the JSON has more than 4300 digits", kind="json"
        ) from None


def _json_dump(x: Any) -> str:
    def check(v: Any) -> None:
        if type(v) in FUNCTION_TYPES and type(v) is not ChurchBool:
            raise EpicError("json_dump cannot encode a function", kind="type")
        if type(v) in (list, tuple):
            for item in v:
                check(item)
        elif type(v) is dict:
            for item in v.values():
                check(item)

    check(x)
    try:
        return json.dumps(to_python(x), separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise EpicError(f"json_dump: {e}", kind="value") from None


def _compile(name: str, pattern: Any) -> re.Pattern[str]:
    _want(name, pattern, str)
    try:
        return re.compile(pattern)
    except re.error as e:
        raise EpicError(f"{name}: bad regular expression {pattern!r} ({e})", kind="value") from None


def _regex_match(pattern: Any, s: Any) -> Any:
    return boolean(
        _compile("regex_match", pattern).fullmatch(_want("regex_match", s, str)) is not None
    )


def _regex_search(pattern: Any, s: Any) -> Any:
    m = _compile("regex_search", pattern).search(_want("regex_search", s, str))
    return None if m is None else m.group(0)


def _regex_findall(pattern: Any, s: Any) -> Any:
    return from_python(_compile("regex_findall", pattern).findall(_want("regex_findall", s, str)))


def _groups(m: re.Match[str]) -> list[Any]:
    return list(m.groups()) if m.re.groups else [m.group(0)]


def _regex_groups(pattern: Any, s: Any) -> Any:
    m = _compile("regex_groups", pattern).search(_want("regex_groups", s, str))
    return None if m is None else _groups(m)


def _regex_find_groups(pattern: Any, s: Any) -> Any:
    compiled = _compile("regex_find_groups", pattern)
    return [_groups(m) for m in compiled.finditer(_want("regex_find_groups", s, str))]


def _abs(x: Any) -> Any:
    return abs(_want("abs", x, int, float))


def _round(x: Any, digits: Any = 0) -> Any:
    _want("round", x, int, float)
    _want("round", digits, int)
    try:
        return round(x) if digits == 0 else round(x, digits)
    except (OverflowError, ValueError):
        raise EpicError(f"cannot round {x!r}", kind="value") from None


def _key(v: Any) -> Any:
    """A hashable stand-in for a resolved value, equal for values that `==` calls equal
    (records ignore key order), so that the set-like built-ins take linear time."""
    t = type(v)
    if t is list or t is tuple:
        return (t.__name__, tuple(_key(x) for x in v))
    if t is dict:
        return ("record", frozenset((k, _key(x)) for k, x in v.items()))
    try:
        hash(v)
    except TypeError:  # an opaque Python object that cannot be hashed
        return ("object", id(v))
    return v


def _unique_keys(name: str, xs: Any) -> dict[Any, Any]:
    """The elements of `xs` by their keys, first occurrence first."""
    found: dict[Any, Any] = {}
    for x in _want(name, xs, list, tuple):
        found.setdefault(_key(x), x)
    return found


def _unique(xs: Any) -> list[Any]:
    return list(_unique_keys("unique", xs).values())


def _union(xs: Any, ys: Any) -> list[Any]:
    found = _unique_keys("union", xs)
    for k, y in _unique_keys("union", ys).items():
        found.setdefault(k, y)
    return list(found.values())


def _intersection(xs: Any, ys: Any) -> list[Any]:
    others = _unique_keys("intersection", ys)
    return [x for k, x in _unique_keys("intersection", xs).items() if k in others]


def _difference(xs: Any, ys: Any) -> list[Any]:
    others = _unique_keys("difference", ys)
    return [x for k, x in _unique_keys("difference", xs).items() if k not in others]


def _counter(xs: Any) -> list[tuple[Any, int]]:
    counts: dict[Any, list[Any]] = {}
    for x in _want("counter", xs, list, tuple):
        entry = counts.get(k := _key(x))
        if entry is None:
            counts[k] = [x, 1]
        else:
            entry[1] += 1
    pairs = sorted(counts.values(), key=lambda e: -e[1])  # stable: first seen first on ties
    return [(x, n) for x, n in pairs]


def _most_common(xs: Any) -> Any:
    pairs = _counter(xs) if type(xs) in (list, tuple) else _want("most_common", xs, list)
    if not pairs:
        raise EpicError("most_common of an empty list", kind="value")
    return pairs[0][0]


def _fail(message: Any) -> Any:
    raise EpicError(to_display(message), kind="user")


def _keys(r: Any) -> list[str]:
    return list(_want("keys", r, dict))


def _values(r: Any) -> list[Any]:
    return list(_want("values", r, dict).values())


def _get(r: Any, key: Any, default: Any = None) -> Any:
    _want("get", r, dict)
    _want("get", key, str)
    return r.get(key, default)


def table_parameters(info: BuiltinInfo) -> tuple[tuple[str, ...], dict[str, Any]]:
    """A built-in's parameter names and default values as the evaluator binds them, read from
    the table's EPIC source text of each default (a literal such as `none`, `0.8` or `[]`)."""
    names = tuple(name for name, _ in info.params)
    defaults = {name: _literal(info.name, text) for name, text in info.params if text is not None}
    return names, defaults


def _literal(name: str, text: str) -> Any:
    """The value of a default as EPIC's own parser reads it, so that a default in the table
    means what the same text means in a `def` (only literals are allowed there)."""
    value = _parsed(text)
    if isinstance(value, ast.Literal):
        return from_python(value.value)
    if isinstance(value, ast.ListExpr) and all(isinstance(i, ast.Literal) for i in value.items):
        return [from_python(i.value) for i in value.items if isinstance(i, ast.Literal)]
    raise ValueError(f"the default {text!r} of built-in `{name}` is not a literal")


@cache
def _parsed(text: str) -> ast.Expr | None:
    """The expression `text`, parsed once: the tables repeat a few defaults (`none` 23
    times) and every start reads them all."""
    parsed = parse(f"let default = {text}\n")
    decl = parsed.module.decls[0] if not parsed.diagnostics else None
    return decl.value if isinstance(decl, ast.LetDecl) else None


# What each built-in of the table computes, and whether it needs its arguments resolved deeply
# (all the way into lists and records) rather than only at the top.
_IMPLEMENTATIONS: dict[str, tuple[Callable[..., Any], bool]] = {
    "len": (_len, False),
    "str": (to_display, True),
    "int": (_int, False),
    "float": (_float, False),
    "range": (_range, False),
    "split": (_split, False),
    "join": (_join, True),
    "strip": (_str_method("strip", str.strip, 1), False),
    "lower": (_str_method("lower", str.lower, 1), False),
    "upper": (_str_method("upper", str.upper, 1), False),
    "replace": (_str_method("replace", str.replace, 3), False),
    "startswith": (_str_method("startswith", str.startswith, 2), False),
    "endswith": (_str_method("endswith", str.endswith, 2), False),
    "find": (_str_method("find", str.find, 2), False),
    "json_parse": (_json_parse, False),
    "json_dump": (_json_dump, True),
    "regex_match": (_regex_match, False),
    "regex_search": (_regex_search, False),
    "regex_findall": (_regex_findall, False),
    "keys": (_keys, False),
    "values": (_values, False),
    "get": (_get, False),
    "regex_groups": (_regex_groups, False),
    "regex_find_groups": (_regex_find_groups, False),
    "abs": (_abs, False),
    "round": (_round, False),
    "unique": (_unique, True),
    "union": (_union, True),
    "intersection": (_intersection, True),
    "difference": (_difference, True),
    "counter": (_counter, True),
    "most_common": (_most_common, True),
    "fail": (_fail, True),
}


def _builtin(info: BuiltinInfo) -> Builtin:
    params, defaults = table_parameters(info)
    if info.name in STREAM_BUILTINS:
        return Builtin(info.name, STREAM_BUILTINS[info.name], params, defaults, False, True)
    fn, deep = _IMPLEMENTATIONS[info.name]
    return Builtin(info.name, fn, params, defaults, deep)


BUILTIN_FUNCTIONS: dict[str, Builtin] = {info.name: _builtin(info) for info in PURE_BUILTINS}
