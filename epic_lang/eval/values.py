"""EPIC values at run time, and the two conversions every boundary needs.

Most values are plain Python objects (None, int, float, str, list, tuple, dict for records);
only functions, pending results and module values have classes of their own. The Church
booleans are two singletons, `TRUE` and `FALSE`, so that a comparison returns them without
allocating and `print` and the Python boundary recognise them by identity.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from json.encoder import encode_basestring  # the C version, quicker than json.dumps
from typing import Any

from epic_lang.syntax.keywords import is_bare_name


class Pending:
    """A value that is still being computed: by an external call in flight or by a forked
    light-weight thread. `waiters` holds the threads (or forwarding pendings) to wake when it
    is resolved; `cause` is the id of the external call whose completion resolved it, which
    the woken threads inherit for the trace's `after` field."""

    __slots__ = ("done", "value", "waiters", "cause")

    def __init__(self) -> None:
        self.done = False
        self.value: Any = None
        self.waiters: list[Any] = []
        self.cause: int | None = None


class Countdown:
    """A waiter on several pendings at once: `target` is resolved when `count` of them are."""

    __slots__ = ("count", "target")

    def __init__(self, count: int, target: Pending) -> None:
        self.count = count
        self.target = target


class Stream:
    """A value whose elements arrive while the rest is still being computed (`llm_stream`,
    `lines`): `cell` resolves to `None` at the end or to `(element, rest)`, `rest` the stream
    from the next element on, so stream-aware functions (`map`, `filter`) work element by
    element. Everything else sees the whole value: `whole` resolves, once the end is known,
    to the text (`text` streams, whose elements are pieces of it) or to the list of elements,
    and a stream that starts later in it (`offset` characters or elements) is the rest of
    that whole. `writer` is what feeds it (`eval/streams.py`)."""

    __slots__ = ("cell", "whole", "offset", "text", "writer")

    def __init__(self, cell: Pending, whole: Pending, offset: int, text: bool, writer: Any) -> None:
        self.cell = cell
        self.whole = whole
        self.offset = offset
        self.text = text
        self.writer = writer


class Closure:
    """A user function: its compiled code and the values of its free variables."""

    __slots__ = ("lam", "captured")

    def __init__(self, lam: Any, captured: tuple) -> None:
        self.lam = lam
        self.captured = captured


class EnvThunk:
    """A branch of an inlined `if` turned back into a `fn() => ...` value, for the rare
    program whose condition is a user-written function rather than a boolean. It runs the
    branch in a copy of the enclosing frame, so several calls never share `let` slots."""

    __slots__ = ("code", "env", "name")

    def __init__(self, code: Any, env: list, name: str | None) -> None:
        self.code = code
        self.env = env
        self.name = name


class ChurchBool:
    """`church_true` / `church_false` of the prelude: `fn(t, f) => t()` and `fn(t, f) => f()`."""

    __slots__ = ("truth",)

    def __init__(self, truth: bool) -> None:
        self.truth = truth

    def __repr__(self) -> str:
        return "true" if self.truth else "false"


TRUE = ChurchBool(True)
FALSE = ChurchBool(False)


class Builtin:
    """A pure built-in computed inline. `fn` receives resolved arguments (deeply resolved
    when `deep`; a stream left a stream when `streams`), positional then keyword, and may
    raise `EpicError`."""

    __slots__ = ("name", "fn", "params", "defaults", "deep", "streams")

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        params: tuple[str, ...],
        defaults: dict[str, Any],
        deep: bool,
        streams: bool = False,
    ) -> None:
        self.name = name
        self.fn = fn
        self.params = params
        self.defaults = defaults
        self.deep = deep
        self.streams = streams


class Control:
    """A built-in that needs the machine rather than only values: `_try`, `first`, `after`,
    `print` and `log` (`control.py`). `fn(args, site, th)` receives the arguments bound by
    the table's parameters (not forced) and returns a value or `PUSHED`, like `apply`."""

    __slots__ = ("name", "fn", "params", "defaults")

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        params: tuple[str, ...],
        defaults: dict[str, Any],
    ) -> None:
        self.name = name
        self.fn = fn
        self.params = params
        self.defaults = defaults


class ExternalFn:
    """A black-box function whose calls are dispatched, traced and possibly overlapped: an
    LLM external, a function of an `import python` module or an `@external` callable.
    `invoke(args, kwargs, runtime)` checks the arguments and returns a function that starts the
    call (an awaitable of a Python value). A `streams` external's start function takes the
    function to call with each piece of its answer as it arrives (`llm_stream`)."""

    __slots__ = ("name", "kind", "invoke", "pool", "streams")

    def __init__(
        self, name: str, kind: str, invoke: Callable[..., Any], pool: str, streams: bool = False
    ) -> None:
        self.name = name
        self.kind = kind
        self.invoke = invoke
        self.pool = pool
        self.streams = streams


class ModuleValue:
    """An imported module: `m.f` reads `fields` (EPIC modules) or the Python module's
    attribute, wrapped as an external when callable (Python modules)."""

    __slots__ = ("name", "fields", "py_module", "cache")

    def __init__(self, name: str, fields: dict[str, Any] | None, py_module: Any = None) -> None:
        self.name = name
        self.fields = fields
        self.py_module = py_module
        self.cache: dict[str, Any] = {}


FUNCTION_TYPES = (Closure, EnvThunk, ChurchBool, Builtin, ExternalFn, Control)


def type_name(v: Any) -> str:
    """The EPIC name of a value's type, for error messages and `type_is`."""
    if v is None:
        return "none"
    t = type(v)
    if t is ChurchBool:
        return "bool"
    if t is int:
        return "int"
    if t is float:
        return "float"
    if t is str:
        return "str"
    if t is list:
        return "list"
    if t is tuple:
        return "tuple"
    if t is dict:
        return "record"
    if t in FUNCTION_TYPES:
        return "function"
    if t is ModuleValue:
        return "module"
    if t is Pending:
        return type_name(v.value) if v.done else "pending"
    if t is Stream:
        return "stream"
    return f"python object ({t.__name__})"


def format_value(v: Any) -> str:
    """The value as an EPIC literal (`[1, "a"]`, `{name: "x"}`, `true`, `none`). Python
    booleans print as EPIC booleans so that converted results print the same."""
    if v is None:
        return "none"
    t = type(v)
    if t is str:
        return quote_text(v)
    if t is ChurchBool:
        return "true" if v.truth else "false"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return int_text(v)
    if t is float:
        return _float(v)
    if t is list:
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    if t is tuple:
        if len(v) == 1:
            return "(" + format_value(v[0]) + ",)"
        return "(" + ", ".join(format_value(x) for x in v) + ")"
    if t is dict:
        items = []
        for k, x in v.items():
            key = k if isinstance(k, str) and is_bare_name(k) else quote_text(str(k))
            items.append(f"{key}: {format_value(x)}")
        return "{" + ", ".join(items) + "}"
    if t is Pending:
        return format_value(v.value) if v.done else "<pending>"
    if t is Stream:
        return format_value(stream_value(v)) if v.whole.done else "<stream>"
    if t is Closure:
        return f"<function {v.lam.name or 'fn'}>"
    if t is Builtin or t is ExternalFn or t is Control:
        return f"<function {v.name}>"
    if t is EnvThunk:
        return "<function fn>"
    if t is ModuleValue:
        return f"<module {v.name}>"
    return f"<python {t.__name__}: {v!r}>"


def int_text(v: int) -> str:
    """Python refuses `str()` of an int over 4,300 digits (a guard against slow parsing), but
    EPIC's integers have no size limit, so long ones are written through `decimal`."""
    try:
        return str(v)
    except ValueError:
        import decimal  # only here: most programs never print such an int

        return str(decimal.Decimal(v))


def to_display(v: Any) -> str:
    """How `epic run` and `str()` show a value: strings raw, everything else as a literal."""
    return v if type(v) is str else format_value(v)


# A string as an EPIC literal: EPIC's escapes are JSON's. The C function itself rather than a
# wrapper, as the trace quotes every string argument of every external call with it.
quote_text: Callable[[str], str] = encode_basestring


def _float(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


_PLAIN = frozenset((int, float, str, type(None)))
"""Types whose values are the same in EPIC and Python (no conversion, no call)."""


def to_python(v: Any) -> Any:
    """A fully resolved EPIC value as the Python value of docs/language.md §12 (booleans become
    `bool`, records `dict`); functions and opaque objects pass through unchanged."""
    t = type(v)
    if t is ChurchBool:
        return v.truth
    if t is list:
        return [x if type(x) in _PLAIN else to_python(x) for x in v]
    if t is tuple:
        return tuple([x if type(x) in _PLAIN else to_python(x) for x in v])
    if t is dict:
        return {k: to_python(x) for k, x in v.items()}
    if t is Pending:
        return to_python(v.value)
    if t is Stream and v.whole.done:
        return stream_value(v)
    return v


def stream_value(s: Stream) -> Any:
    """The whole value of a stream whose end is known: its text or its list of elements."""
    whole = s.whole.value
    return whole[s.offset :] if s.offset else whole


def from_python(v: Any) -> Any:
    """A Python value as an EPIC value: `bool` becomes a Church boolean, dicts records with
    string keys, sets and other iterables stay opaque."""
    t = type(v)
    if v is None or t is int or t is str or t is float:
        return v
    if t is bool:
        return TRUE if v else FALSE
    if t is list:
        return [from_python(x) for x in v]
    if t is tuple:
        return tuple(from_python(x) for x in v)
    if t is dict:
        return {k if type(k) is str else str(k): from_python(x) for k, x in v.items()}
    if isinstance(v, bool):
        return TRUE if v else FALSE
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    return v
