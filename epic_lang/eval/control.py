"""The built-ins that steer evaluation rather than compute a value (docs/language.md §13):
`_try` (what `try ... catch` means), `first`, `after`, `print` and `log`.

They are `Control` values: `apply` hands them the thread, because they start threads in new
handler scopes (`scopes.py`), wait for a value to be complete, or write output. Their names,
parameters and docs are in the one table of built-ins (`epic_lang.analysis.builtins`); this
module adds what each one does. Like every step of the machine, each may raise `NeedWait`
only before it has done anything, and is then run again once the value is known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from epic_lang.analysis.builtins import CONTROL_BUILTINS
from epic_lang.eval.builtins import table_parameters
from epic_lang.eval.errors import EpicError, EpicRuntimeError, Site
from epic_lang.eval.externals import bind_arguments
from epic_lang.eval.machine import (
    PUSHED,
    Machine,
    Thread,
    apply,
    apply_resume,
    force_resume,
    frame_sites,
    resolve_resume,
)
from epic_lang.eval.prims import deep_all, force
from epic_lang.eval.scopes import Scope, error_record
from epic_lang.eval.values import FUNCTION_TYPES, Control, Pending, type_name


def _scope_value_resume(frame: tuple, val: Any, th: Thread) -> Any:
    """The bottom frame of a body's thread: the body's value is the scope's value."""
    frame[2].value = val
    return None


def _start(scope: Scope, thunk: Any, site: Site, th: Thread) -> None:
    """Starts `thunk()` in a new thread of `scope`, whose call stack continues with the
    caller's (so an error inside the body shows where the `try` was)."""
    context = (site, *frame_sites(th.stack, len(th.stack) - 1, th.context))
    body = Thread(
        [(_scope_value_resume, None, scope), (apply_resume, site, thunk, (), None)],
        None,
        th.cause,
        th.m,
        context,
        scope,
    )
    th.m.ready.append(body)


def _result(p: Pending, site: Site, th: Thread) -> Any:
    """`p` as the call's value: at once in opportunistic mode; in sequential mode the
    caller waits for it there, so that nothing after the call starts before it is over."""
    if th.m.sequential:
        th.stack.append((force_resume, site, p))
        return PUSHED
    return p


class _Try:
    """The owner of a `_try` body's scope: settles the result with the body's value, or
    runs the handler on the error in the scope around the `_try`."""

    __slots__ = ("handler", "result", "site", "context", "m")

    def __init__(self, handler: Any, result: Pending, site: Site, th: Thread) -> None:
        self.handler = handler
        self.result = result
        self.site = site
        self.context = (site, *frame_sites(th.stack, len(th.stack) - 1, th.context))
        self.m = th.m

    def settled(self, scope: Scope) -> None:
        self.m.resolve(self.result, scope.value, None)

    def failed(self, scope: Scope, error: EpicRuntimeError) -> None:
        parent = scope.parent
        assert parent is not None
        handler = Thread(
            [
                (resolve_resume, None, self.result),
                (apply_resume, self.site, self.handler, (error_record(error),), None),
            ],
            None,
            None,
            self.m,
            self.context,
            parent,
        )
        self.m.ready.append(handler)
        parent.leave()


def _try(f: Control, args: Any, kwargs: Any, site: Site, th: Thread) -> Any:
    bound = bind_arguments(f.name, f.params, f.defaults, args, kwargs)
    result = Pending()
    scope = Scope(th.scope, _Try(bound["handler"], result, site, th))
    _start(scope, bound["body"], site, th)
    return _result(result, site, th)


class _Race:
    """The owner of the scopes of `first`'s alternatives. In opportunistic mode all start
    at once and the first to settle wins, the others are killed; in sequential mode they run
    one after another until one succeeds. When all fail, the error is the first one's."""

    __slots__ = ("thunks", "result", "site", "caller", "parent", "scopes", "errors", "m")

    def __init__(self, thunks: list, result: Pending, site: Site, th: Thread) -> None:
        self.thunks = thunks
        self.result = result
        self.site = site
        self.caller = th
        self.parent = th.scope
        self.m: Machine = th.m
        self.scopes: list[Scope] = []
        self.errors: dict[int, EpicRuntimeError] = {}

    def start(self, i: int) -> None:
        scope = Scope(self.parent, self)
        self.scopes.append(scope)
        _start(scope, self.thunks[i], self.site, self.caller)

    def settled(self, scope: Scope) -> None:
        for other in self.scopes:
            if other is not scope and not other.closed:
                other.kill()
                self.parent.live -= 1  # never the last: the winner still counts
        self.m.resolve(self.result, scope.value, None)

    def failed(self, scope: Scope, error: EpicRuntimeError) -> None:
        self.errors[self.scopes.index(scope)] = error
        if len(self.errors) == len(self.thunks):
            self.parent.fail(_alternative_error(self.errors[0], len(self.thunks)))
            return
        if self.m.sequential:
            self.start(len(self.scopes))
        self.parent.leave()


def _alternative_error(error: EpicRuntimeError, n: int) -> EpicRuntimeError:
    if n == 1:
        return error
    message = f"all {n} alternatives of `first` failed; the first: {error.message}"
    return EpicRuntimeError(message, error.span, error.path, error.stack, error.kind)


def _first(f: Control, args: Any, kwargs: Any, site: Site, th: Thread) -> Any:
    bound = bind_arguments(f.name, f.params, f.defaults, args, kwargs)
    thunks = force(bound["alternatives"])
    if type(thunks) not in (list, tuple):
        raise EpicError(
            f"`first` expects a list of functions, got {type_name(thunks)}", kind="type"
        )
    thunks = [force(t) for t in thunks]
    if not thunks:
        raise EpicError("`first` needs at least one alternative", kind="value")
    for t in thunks:
        if type(t) not in FUNCTION_TYPES:
            raise EpicError(
                f"`first` expects a list of functions (`fn() => ...`), found {type_name(t)}",
                kind="type",
            )
    result = Pending()
    race = _Race(thunks, result, site, th)
    for i in range(1 if th.m.sequential else len(thunks)):
        race.start(i)
    return _result(result, site, th)


def _after(f: Control, args: Any, kwargs: Any, site: Site, th: Thread) -> Any:
    bound = bind_arguments(f.name, f.params, f.defaults, args, kwargs)
    deep_all(bound["x"])
    return apply(bound["f"], (), None, site, th)


def _print(f: Control, args: Any, kwargs: Any, site: Site, th: Thread) -> Any:
    bound = bind_arguments(f.name, f.params, f.defaults, args, kwargs)
    value = deep_all(bound["x"])
    th.m.runtime.output(None, value, site, th)
    return value


def _log(f: Control, args: Any, kwargs: Any, site: Site, th: Thread) -> Any:
    bound = bind_arguments(f.name, f.params, f.defaults, args, kwargs)
    label = force(bound["label"])
    if type(label) is not str:
        raise EpicError(f"`log` expects label to be a str, got {type_name(label)}", kind="type")
    value = deep_all(bound["x"])
    th.m.runtime.output(label, value, site, th)
    return value


_IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {
    "_try": _try,
    "first": _first,
    "after": _after,
    "print": _print,
    "log": _log,
}


def _control(name: str) -> Control:
    info = next(i for i in CONTROL_BUILTINS if i.name == name)
    params, defaults = table_parameters(info)
    return Control(name, _IMPLEMENTATIONS[name], params, defaults)


CONTROL_FUNCTIONS: dict[str, Control] = {
    info.name: _control(info.name) for info in CONTROL_BUILTINS
}
