"""The primitive operations of `core.terms.PRIMITIVES`, over resolved values.

Each implementation receives its operands already forced (deeply for the operations that
look inside structures, such as `==`), and raises `EpicError` with a sentence on a type
error. `force` and `deep` are the only places where a pending value makes the machine wait.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from epic_lang.eval.errors import EpicError, NeedWait
from epic_lang.eval.values import (
    FALSE,
    FUNCTION_TYPES,
    TRUE,
    ChurchBool,
    Countdown,
    ModuleValue,
    Pending,
    Stream,
    format_value,
    stream_value,
    to_display,
    type_name,
)


def force(v: Any) -> Any:
    """The value itself, waiting (via `NeedWait`) if it is still pending; a stream is its
    whole value (docs/language.md section 12, "Streams"), waited for until its end."""
    if type(v) is Pending:
        if not v.done:
            raise NeedWait(v)
        v = v.value
    if type(v) is Stream:
        return whole(v)
    return v


def force_stream(v: Any) -> Any:
    """`force`, but a stream stays a stream: for the functions that work element by element."""
    if type(v) is Pending:
        if not v.done:
            raise NeedWait(v)
        return v.value
    return v


def whole(s: Stream) -> Any:
    if not s.whole.done:
        raise NeedWait(s.whole)
    return stream_value(s)


def deep(v: Any) -> Any:
    """The value with no pending part anywhere inside, waiting for the first one that is
    still pending. Resolved slots of lists and records are replaced in place (unobservable,
    values are immutable) so that waiting again later does not walk long chains."""
    t = type(v)
    if t is Pending:
        if not v.done:
            raise NeedWait(v)
        v = v.value
        t = type(v)
    if t is Stream:
        v = whole(v)
        t = type(v)
    if t is list:
        for i, x in enumerate(v):
            tx = type(x)
            if tx is Pending or tx is list or tx is tuple or tx is dict or tx is Stream:
                y = deep(x)
                if y is not x:
                    v[i] = y
        return v
    if t is tuple:
        for x in v:
            tx = type(x)
            if tx is Pending or tx is list or tx is tuple or tx is dict or tx is Stream:
                break
        else:
            return v
        items = tuple(deep(x) for x in v)
        return v if all(a is b for a, b in zip(items, v, strict=True)) else items
    if t is dict:
        for k, x in v.items():
            tx = type(x)
            if tx is Pending or tx is list or tx is tuple or tx is dict or tx is Stream:
                y = deep(x)
                if y is not x:
                    v[k] = y
        return v
    return v


def deep_all(v: Any) -> Any:
    """`deep(v)`, but when parts are pending, waits for all of them at once (one wake-up
    instead of one per part, which keeps a 10,000-element result linear)."""
    try:
        return deep(v)
    except NeedWait:
        pending: list[Pending] = []
        _unresolved(v, pending)
        if len(pending) == 1:
            raise NeedWait(pending[0]) from None
        join = Pending()
        countdown = Countdown(len(pending), join)
        for p in pending:
            p.waiters.append(countdown)
        raise NeedWait(join) from None


def _unresolved(v: Any, out: list[Pending]) -> None:
    stack = [v]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is Pending:
            if not v.done:
                out.append(v)
                continue
            v = v.value
            t = type(v)
        if t is Stream:
            if not v.whole.done:
                out.append(v.whole)
                continue
            v = stream_value(v)
            t = type(v)
        if t is list or t is tuple:
            stack.extend(v)
        elif t is dict:
            stack.extend(v.values())


def boolean(b: bool) -> ChurchBool:
    return TRUE if b else FALSE


def _num(v: Any) -> bool:
    t = type(v)
    return t is int or t is float


def _arith(symbol: str, op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def run(a: Any, b: Any) -> Any:
        try:
            return op(a, b)
        except ZeroDivisionError:
            raise EpicError("division by zero", kind="value") from None
        except OverflowError:
            raise EpicError(
                f"the result of `{symbol}` is too large for a float", kind="value"
            ) from None
        except (TypeError, ValueError):
            raise EpicError(
                f"cannot apply `{symbol}` to {type_name(a)} and {type_name(b)}", kind="type"
            ) from None

    return run


def _add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta is tb and ta in (int, float, str, list, tuple)) or (_num(a) and _num(b)):
        return a + b
    raise EpicError(f"cannot apply `+` to {type_name(a)} and {type_name(b)}", kind="type")


MAX_REPEAT = 100_000_000


def _mul(a: Any, b: Any) -> Any:
    if _num(a) and _num(b):
        return a * b
    if type(b) in (str, list) and type(a) is int:
        a, b = b, a
    if type(a) in (str, list) and type(b) is int:
        if len(a) * b > MAX_REPEAT:  # Python would try to allocate it all
            raise EpicError(f"the result of `*` would be longer than {MAX_REPEAT}", kind="value")
        return a * b
    raise EpicError(f"cannot apply `*` to {type_name(a)} and {type_name(b)}", kind="type")


def _numeric(symbol: str, op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    checked = _arith(symbol, op)

    def run(a: Any, b: Any) -> Any:
        if _num(a) and _num(b):
            return checked(a, b)
        raise EpicError(
            f"cannot apply `{symbol}` to {type_name(a)} and {type_name(b)}", kind="type"
        )

    return run


MAX_POWER_BITS = 10_000_000


def _power(a: Any, b: Any) -> Any:
    """`a ** b`, refusing integer results too big to compute in reasonable time and memory
    (Python would try, and hang) and complex results (EPIC has no complex numbers)."""
    if (
        type(a) is int
        and type(b) is int
        and b > 0
        and abs(a) > 1
        and a.bit_length() * b > MAX_POWER_BITS
    ):
        raise EpicError(
            f"the result of `**` would have more than {MAX_POWER_BITS} bits", kind="value"
        )
    result = a**b
    if type(result) is complex:
        raise EpicError(
            "`**` of a negative number to a fractional power has no real result", kind="value"
        )
    return result


def _mod(a: Any, b: Any) -> Any:
    if _num(a) and _num(b):
        return _arith("%", lambda x, y: x % y)(a, b)
    raise EpicError(f"cannot apply `%` to {type_name(a)} and {type_name(b)}", kind="type")


def _neg(a: Any) -> Any:
    if _num(a):
        return -a
    raise EpicError(f"cannot negate {type_name(a)}", kind="type")


def equal(a: Any, b: Any) -> bool:
    """Structural equality of resolved values; ints and floats compare by value, booleans
    and functions by identity, and a boolean never equals a number."""
    ta, tb = type(a), type(b)
    if ta is list or ta is tuple:
        return ta is tb and len(a) == len(b) and all(map(equal, a, b))
    if ta is dict:
        return tb is dict and a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if ta is ChurchBool or tb is ChurchBool:
        return a is b
    if _num(a) and _num(b):
        return a == b
    if ta is not tb:
        return False
    if ta in FUNCTION_TYPES:
        return a is b
    try:
        return bool(a == b)
    except Exception:  # an opaque Python object with a broken __eq__
        return a is b


def _order(symbol: str, op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], ChurchBool]:
    def run(a: Any, b: Any) -> ChurchBool:
        ta, tb = type(a), type(b)
        if (_num(a) and _num(b)) or (ta is tb and ta in (str, list, tuple)):
            try:
                return TRUE if op(a, b) else FALSE
            except TypeError:
                pass
        raise EpicError(
            f"cannot compare {type_name(a)} and {type_name(b)} with `{symbol}`", kind="type"
        )

    return run


def contains(item: Any, container: Any) -> bool:
    t = type(container)
    if t is str:
        if type(item) is not str:
            raise EpicError(
                f"`in` a string needs a string on the left, got {type_name(item)}", kind="type"
            )
        return item in container
    if t is list or t is tuple:
        return any(equal(item, x) for x in container)
    if t is dict:
        return type(item) is str and item in container
    raise EpicError(f"cannot test membership in {type_name(container)}", kind="type")


def _int_index(i: Any, obj: Any) -> int:
    if type(i) is not int:
        raise EpicError(f"{type_name(obj)} index must be an int, got {type_name(i)}", kind="type")
    return i


def index(obj: Any, i: Any) -> Any:
    t = type(obj)
    if t is list or t is tuple or t is str:
        n = _int_index(i, obj)
        try:
            v = obj[n]
        except IndexError:
            raise EpicError(
                f"index {n} out of range for {type_name(obj)} of length {len(obj)}", kind="index"
            ) from None
        if type(v) is Pending and v.done:
            v = v.value
        return v
    if t is dict:
        if type(i) is not str:
            raise EpicError(f"record keys are strings, got {type_name(i)}", kind="type")
        return _record_get(obj, i)
    raise EpicError(f"cannot index {type_name(obj)}", kind="type")


def _record_get(obj: dict, key: str) -> Any:
    try:
        v = obj[key]
    except KeyError:
        known = ", ".join(sorted(obj)) or "none"
        raise EpicError(f"record has no key {key!r} (keys: {known})", kind="index") from None
    if type(v) is Pending and v.done:
        v = v.value
    return v


def slice_(obj: Any, start: Any, stop: Any) -> Any:
    if type(obj) not in (list, tuple, str):
        raise EpicError(f"cannot slice {type_name(obj)}", kind="type")
    for bound in (start, stop):
        if bound is not None and type(bound) is not int:
            raise EpicError(f"slice bounds must be ints, got {type_name(bound)}", kind="type")
    return obj[start:stop]


def field(obj: Any, name: str) -> Any:
    t = type(obj)
    if t is dict:
        return _record_get(obj, name)
    if t is ModuleValue:
        return module_field(obj, name)
    if t in FUNCTION_TYPES or obj is None or t in (int, float, str, list, tuple, ChurchBool):
        raise EpicError(f"{type_name(obj)} has no field {name!r}", kind="type")
    try:
        attribute = getattr(obj, name)
    except AttributeError:
        raise EpicError(f"{type_name(obj)} has no attribute {name!r}", kind="type") from None
    from epic_lang.eval.externals import python_attribute

    return python_attribute(type(obj).__name__, name, attribute)


def module_field(module: ModuleValue, name: str) -> Any:
    if module.fields is not None:
        if name not in module.fields:
            raise EpicError(f"module {module.name} has no definition {name!r}")
        return module.fields[name]
    cached = module.cache.get(name)
    if cached is not None:
        return cached
    if name.startswith("_") or not hasattr(module.py_module, name):
        raise EpicError(f"Python module {module.name} has no attribute {name!r}")
    from epic_lang.eval.externals import python_attribute

    value = python_attribute(module.name, name, getattr(module.py_module, name))
    module.cache[name] = value
    return value


def format_hole(value: Any, spec: Any) -> str:
    if spec is None:
        return to_display(value)
    if type(value) in (int, float, str):
        try:
            return format(value, spec)
        except (ValueError, TypeError):
            raise EpicError(
                f"bad format spec {spec!r} for {type_name(value)}", kind="value"
            ) from None
    return format(to_display(value), spec)


def concat(*parts: Any) -> str:
    return "".join(p if type(p) is str else to_display(p) for p in parts)


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "none": lambda v: v is None,
    "bool": lambda v: type(v) is ChurchBool,
    "int": lambda v: type(v) is int,
    "float": lambda v: type(v) is float,
    "str": lambda v: type(v) is str,
    "list": lambda v: type(v) is list,
    "tuple": lambda v: type(v) is tuple,
    "record": lambda v: type(v) is dict,
    "function": lambda v: type(v) in FUNCTION_TYPES,
}


def type_is(value: Any, name: str) -> ChurchBool:
    return TRUE if _TYPE_TESTS[name](value) else FALSE


def _length(v: Any) -> int:
    return len(v) if type(v) in (list, tuple) else -1


def match_fail(value: Any) -> Any:
    raise EpicError(f"no case matched {format_value(value)}", kind="match")


def unpack_fail(value: Any) -> Any:
    raise EpicError(f"cannot unpack {format_value(value)}: it does not match the pattern of `let`")


def record_merge(base: Any, fields: dict) -> dict:
    if type(base) is not dict:
        raise EpicError(f"`{{...r, k: v}}` needs a record `r`, got {type_name(base)}")
    return {**base, **fields}


# op -> (implementation over forced operands, whether operands are forced deeply)
PRIM_IMPLS: dict[str, tuple[Callable[..., Any], bool]] = {
    "add": (_add, False),
    "sub": (_numeric("-", lambda a, b: a - b), False),
    "mul": (_mul, False),
    "div": (_numeric("/", lambda a, b: a / b), False),
    "floordiv": (_numeric("//", lambda a, b: a // b), False),
    "mod": (_mod, False),
    "pow": (_numeric("**", _power), False),
    "neg": (_neg, False),
    "eq": (lambda a, b: boolean(equal(a, b)), True),
    "ne": (lambda a, b: boolean(not equal(a, b)), True),
    "lt": (_order("<", lambda a, b: a < b), True),
    "le": (_order("<=", lambda a, b: a <= b), True),
    "gt": (_order(">", lambda a, b: a > b), True),
    "ge": (_order(">=", lambda a, b: a >= b), True),
    "in": (lambda a, b: boolean(contains(a, b)), True),
    "not_in": (lambda a, b: boolean(not contains(a, b)), True),
    "index": (index, False),
    "slice": (slice_, False),
    "field": (field, False),
    "format": (format_hole, True),
    "concat": (concat, True),
    "type_is": (type_is, False),
    "len_ge": (lambda v, n: boolean(_length(v) >= n), False),
    "len_eq": (lambda v, n: boolean(_length(v) == n), False),
    "has_key": (lambda r, k: boolean(type(r) is dict and k in r), False),
    "match_fail": (match_fail, True),
    "unpack_fail": (unpack_fail, True),
    "record_merge": (record_merge, False),
}
