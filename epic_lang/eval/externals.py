"""Externals: the black-box functions whose calls the runtime dispatches and traces.

One interface for all of them: an `ExternalFn` whose `invoke(args, kwargs, runtime)` takes
fully resolved EPIC values, checks them, and returns a function that starts the call (an
awaitable of a Python value) once the runtime's concurrency limit lets it
go. The LLM externals build
an `LLMRequest` for the run's backend; functions of `import python` modules and `@external`
callables run on the run's thread pool (synchronous) or on the event loop (`async def`).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import math
import os
import re
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from epic_lang.analysis.builtins import LLM_BUILTINS
from epic_lang.eval.builtins import table_parameters
from epic_lang.eval.errors import EpicError
from epic_lang.eval.values import (
    ChurchBool,
    ExternalFn,
    ModuleValue,
    from_python,
    to_python,
    type_name,
)
from epic_lang.llm.interface import LLMRequest
from epic_lang.llm.structured import (
    SchemaProblem,
    canonical,
    checked_answer,
    choice_schema,
    json_schema,
)
from epic_lang.modules.resolver import folder_of, resolve_import

# -- LLM externals -------------------------------------------------------------------------

# The parameters and defaults of each LLM external, as the one table of built-ins gives them.
_LLM_PARAMETERS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    info.name: table_parameters(info) for info in LLM_BUILTINS
}
# How many of them may be passed by position (the rest are keyword-only options).
_LLM_POSITIONAL: dict[str, int | None] = {info.name: info.positional for info in LLM_BUILTINS}


def bind_arguments(
    name: str,
    params: tuple[str, ...],
    defaults: dict[str, Any],
    args: list | tuple,
    kwargs: dict | None,
    positional: int | None = None,
) -> dict[str, Any]:
    """Positional and keyword arguments matched to parameter names, as a call of a `def`;
    only the first `positional` parameters (all when None) can be given by position."""
    if positional is not None and len(args) > positional:
        raise EpicError(
            f"`{name}` takes {positional} positional argument{'s' if positional != 1 else ''}"
            f" ({', '.join(params[:positional])}); its options are keyword-only, as in "
            f"`{params[positional]}=...`"
        )
    if len(args) > len(params):
        raise EpicError(
            f"`{name}` takes at most {len(params)} arguments, got {len(args)}", kind="type"
        )
    bound = dict(zip(params, args, strict=False))
    for key, value in (kwargs or {}).items():
        if key not in params:
            raise EpicError(f"`{name}` has no parameter {key!r}", kind="type")
        if key in bound:
            raise EpicError(f"`{name}` got two values for parameter {key!r}", kind="type")
        bound[key] = value
    for p in params:
        if p not in bound:
            if p not in defaults:
                raise EpicError(f"`{name}` is missing argument {p!r}", kind="type")
            bound[p] = defaults[p]
    return bound


def _text(name: str, param: str, value: Any, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if type(value) is not str:
        raise EpicError(
            f"`{name}` expects {param} to be a str, got {type_name(value)}", kind="type"
        )
    return value


def _number(name: str, param: str, value: Any, kind: type) -> Any:
    if type(value) not in (int, float) or (kind is int and type(value) is not int):
        raise EpicError(
            f"`{name}` expects {param} to be {'an int' if kind is int else 'a number'}"
            f", got {type_name(value)}",
            kind="type",
        )
    return value


def _timeout(name: str, value: Any) -> float | None:
    if value is None:
        return None
    seconds = _number(name, "timeout", value, float)
    if not 0 < seconds < math.inf:
        raise EpicError(f"`{name}` expects timeout to be a number of seconds above 0")
    return float(seconds)


def _options(name: str, value: Any) -> tuple[str, ...]:
    if type(value) not in (list, tuple) or not value or any(type(o) is not str for o in value):
        raise EpicError(f"`{name}` expects options to be a non-empty list of str")
    if len(set(value)) != len(value):
        raise EpicError(f"`{name}` expects distinct options")
    return tuple(value)


def _regex(name: str, value: Any) -> str | None:
    pattern = _text(name, "regex", value, optional=True)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            problem = f"`{name}`: regex {pattern!r} is not a regular expression: {exc}"
            raise EpicError(problem) from None
    return pattern


# Of each LLM external whose parameters after the first all have defaults, those parameters:
# a call giving its first argument by position and only these by keyword (most calls of a
# large fan-out) is bound by merging dictionaries, which is what `bind_arguments` makes of it
# at a fraction of the cost.
_LLM_OPTIONS: dict[str, frozenset[str]] = {
    name: frozenset(params[1:])
    for name, (params, defaults) in _LLM_PARAMETERS.items()
    if all(p in defaults for p in params[1:])
}


def llm_arguments(name: str, args: list | tuple, kwargs: dict | None) -> dict[str, Any]:
    """The arguments of a call of LLM external `name`, bound to its parameters (raises
    `EpicError` as `bind_arguments` does)."""
    params, defaults = _LLM_PARAMETERS[name]
    options = _LLM_OPTIONS.get(name)
    if options is not None and len(args) == 1 and (not kwargs or options.issuperset(kwargs)):
        bound = {**defaults, params[0]: args[0]}
        if kwargs:
            bound.update(kwargs)
        return bound
    return bind_arguments(name, params, defaults, args, kwargs, _LLM_POSITIONAL[name])


def llm_request(name: str, args: list | tuple, kwargs: dict | None) -> LLMRequest:
    """The normalised request of one LLM external call (raises `EpicError` on bad input)."""
    b = llm_arguments(name, args, kwargs)
    timeout = _timeout(name, b["timeout"])
    if name == "llm_next":
        return LLMRequest(
            "llm_next",
            prompt=_text(name, "prompt", b["prompt"]),
            k=_number(name, "k", b["k"], int),
            timeout=timeout,
        )
    stop = b["stop"]
    if type(stop) not in (list, tuple) or any(type(s) is not str for s in stop):
        raise EpicError(f"`{name}` expects stop to be a list of str", kind="type")
    common = dict(
        system=_text(name, "system", b["system"], optional=True),
        model=_text(name, "model", b["model"], optional=True),
        temperature=float(_number(name, "temperature", b["temperature"], float)),
        max_tokens=_number(name, "max_tokens", b["max_tokens"], int),
        stop=tuple(stop),
        timeout=timeout,
    )
    if name == "llm_chat":
        messages = b["messages"]
        if type(messages) not in (list, tuple):
            raise EpicError(
                f"`llm_chat` expects a list of messages, got {type_name(messages)}", kind="type"
            )
        pairs = []
        for m in messages:
            if type(m) is not dict or "role" not in m or "content" not in m:
                raise EpicError(
                    "`llm_chat` messages must be records {role: ..., content: ...}", kind="type"
                )
            pairs.append((_text(name, "role", m["role"]), _text(name, "content", m["content"])))
        return LLMRequest("llm_chat", messages=tuple(pairs), **common)
    prompt = _text(name, "prompt", b["prompt"])
    if name == "llm_sample":
        return LLMRequest("llm_sample", prompt=prompt, n=_number(name, "n", b["n"], int), **common)
    if name == "llm_json":
        try:
            schema = json_schema(to_python(b["schema"]))
        except SchemaProblem as exc:
            raise EpicError(f"`llm_json`: {exc}") from None
        return LLMRequest("llm_json", prompt=prompt, schema=canonical(schema), **common)
    if name == "llm_choice":
        options = _options(name, b["options"])
        return LLMRequest(
            "llm_choice",
            prompt=prompt,
            options=options,
            schema=canonical(choice_schema(options)),
            **common,
        )
    if name == "llm_stream":  # an `llm` request whose answer is read as it is generated
        return LLMRequest("llm", prompt=prompt, **common)
    return LLMRequest("llm", prompt=prompt, regex=_regex(name, b["regex"]), **common)


class CallRunner(Protocol):
    """What starting an external call needs from the run (`runtime.Run`)."""

    def complete(self, request: LLMRequest) -> Awaitable[Any]: ...

    def run_sync(self, job: Callable[[], Any]) -> Awaitable[Any]: ...

    def stream(self, request: LLMRequest, on_piece: Callable[[str], None]) -> Awaitable[str]: ...


def _llm_external(name: str) -> ExternalFn:
    if name == "llm_stream":

        def invoke_stream(
            args: list, kwargs: dict | None, runtime: CallRunner
        ) -> Callable[[Callable[[str], None]], Any]:
            request = llm_request(name, args, kwargs)
            return lambda on_piece: runtime.stream(request, on_piece)

        return ExternalFn(name, "llm", invoke_stream, "llm", streams=True)

    def invoke(args: list, kwargs: dict | None, runtime: CallRunner) -> Callable[[], Any]:
        # A partial rather than a closure: each call in flight holds it, and a closure's
        # cells are two more objects for the garbage collector to traverse, thousands of
        # times in a large fan-out.
        return functools.partial(runtime.complete, llm_request(name, args, kwargs))

    return ExternalFn(name, "llm", invoke, "llm")


LLM_EXTERNALS: dict[str, ExternalFn] = {n: _llm_external(n) for n in _LLM_PARAMETERS}


def llm_result(request: LLMRequest, result: Any) -> Any:
    """The backend's answer as an EPIC value of the documented shape."""
    if request.kind == "llm_next":
        return [(str(tok), float(lp)) for tok, lp in result]
    if request.kind == "llm_sample":
        return [str(s) for s in result]
    return checked_answer(request, str(result))


# -- Python functions ------------------------------------------------------------------------


def python_external(name: str, fn: Callable[..., Any], kind: str = "python") -> ExternalFn:
    """`fn` as an EPIC external: arguments converted to Python values, the result back."""
    import inspect  # only here: loading it would cost every start a few milliseconds

    is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)

    def invoke(args: list, kwargs: dict | None, runtime: CallRunner) -> Callable[[], Any]:
        for v in (*args, *(kwargs or {}).values()):
            _check_crossable(name, v)
        py_args = [to_python(a) for a in args]
        py_kwargs = {k: to_python(v) for k, v in (kwargs or {}).items()}
        if is_async:
            return lambda: fn(*py_args, **py_kwargs)
        return lambda: runtime.run_sync(functools.partial(fn, *py_args, **py_kwargs))

    return ExternalFn(name, kind, invoke, kind)


def _check_crossable(name: str, v: Any) -> None:
    t = type(v)
    if t in (list, tuple):
        for x in v:
            _check_crossable(name, x)
    elif t is dict:
        for x in v.values():
            _check_crossable(name, x)
    elif t is not ChurchBool and type_name(v) == "function":
        raise EpicError(
            f"cannot pass an EPIC function to the Python function `{name}`", kind="type"
        )


def python_attribute(module_name: str, attr: str, obj: Any) -> Any:
    """A Python module's attribute as an EPIC value: callables become externals."""
    if callable(obj):
        return python_external(f"{module_name}.{attr}", obj)
    return from_python(obj)


@contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C raises `KeyboardInterrupt` at once while a Python module is being imported.

    The import runs on the event loop's thread and may block (a module that sleeps or waits on
    the network at import). Under `asyncio.run` the first Ctrl-C only asks the loop to cancel
    its main task, which cannot happen until the import returns, so the user had to press
    Ctrl-C twice. Only asyncio's handler is set aside, for the length of the import; a handler
    of the program embedding EPIC is left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.getsignal(signal.SIGINT)
    owner = getattr(getattr(handler, "func", None), "__self__", None)
    asyncio = sys.modules.get("asyncio")  # a program with no external calls never imports it
    if asyncio is None or not isinstance(owner, asyncio.Runner):
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)


def import_python(source: str, alias: str, epic_path: str | None) -> ModuleValue:
    """`import python "math"` or `import python "./tools.py"` (relative to the EPIC file)."""
    with _interruptible():
        return _import_python(source, alias, epic_path)


def _import_python(source: str, alias: str, epic_path: str | None) -> ModuleValue:
    target = resolve_import(source, True, folder_of(epic_path) or os.getcwd())
    try:
        if target.path is not None:
            file = target.path
            if not os.path.exists(file):
                raise EpicError(f"Python file {source!r} not found (looked for {file})")
            mod_name = f"epic_python_import_{abs(hash(file))}"
            if mod_name in sys.modules:
                module = sys.modules[mod_name]
            else:
                spec = importlib.util.spec_from_file_location(mod_name, file)
                if spec is None or spec.loader is None:
                    raise EpicError(f"cannot import Python file {source!r}")
                module = importlib.util.module_from_spec(spec)
                sys.modules[mod_name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    del sys.modules[mod_name]
                    raise
        else:
            module = importlib.import_module(source)
    except EpicError:
        raise
    except (Exception, SystemExit) as e:  # the module's own code failed or exited
        raise EpicError(
            f"cannot import Python module {source!r}: {type(e).__name__}: {e}"
        ) from None
    return ModuleValue(alias, None, module)


# -- `@external` callables, given to a program when it is loaded ------------------------------

EPIC_NAME = "__epic_name__"
"""The attribute in which `@external(name=...)` records the name EPIC code calls a function by."""

Externals = Mapping[str, Callable[..., Any]] | Iterable[Callable[..., Any]]
"""What `load(..., externals=...)` takes: functions (each called by its `@external` name or its
`__name__`) or a mapping from the names EPIC code uses to functions."""


def external(fn: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    """Marks a Python callable for EPIC code, under its name or `name`; it is callable from a
    program only once given to it (`epic_lang.load(path, externals=[search])`):

        @epic_lang.external
        async def search(query: str) -> list[str]: ...

    The decorator registers nothing: a program sees exactly the externals it was loaded with,
    so two programs in one process (or two tests) cannot see each other's. Returns the
    function unchanged."""

    def mark(f: Callable[..., Any]) -> Callable[..., Any]:
        if name is not None:
            try:
                setattr(f, EPIC_NAME, name)
            except (AttributeError, TypeError):
                raise TypeError(
                    f"cannot name {f!r} for EPIC; pass externals={{{name!r}: f}} instead"
                ) from None
        return f

    return mark(fn) if fn is not None else mark


def external_table(externals: Externals) -> dict[str, ExternalFn]:
    """The externals a program is loaded with, by the name EPIC code calls them."""
    if isinstance(externals, Mapping):
        pairs = list(externals.items())
    else:
        pairs = [(_epic_name(f), f) for f in externals]
    table: dict[str, ExternalFn] = {}
    for key, f in pairs:
        if not callable(f):
            raise TypeError(f"the external {key!r} must be callable, got {type(f).__name__}")
        if not isinstance(key, str) or not key.isidentifier():
            raise ValueError(f"the external name {key!r} is not a name EPIC code can call")
        if key in table:
            raise ValueError(f"two externals are named {key!r}")
        table[key] = python_external(key, f, kind="external")
    return table


def _epic_name(f: Callable[..., Any]) -> str:
    name = getattr(f, EPIC_NAME, None) or getattr(f, "__name__", None)
    if not isinstance(name, str):
        raise TypeError(f"{f!r} has no name; pass externals={{'name': f}} instead")
    return name
