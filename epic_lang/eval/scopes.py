"""Handler scopes: what a failure inside a `_try` body (or one alternative of `first`) stops,
and when such a body is over (docs/language.md §13).

Every light-weight thread and every external call belongs to one scope: the run's root scope,
or the scope of the `_try` body or `first` alternative that started it (a thread split from
another stays in its scope). A scope counts what is still alive in it (`live`): its threads,
its calls in flight and the scopes started inside it. It *settles* when that count drops to
zero: the body's value is complete and everything the body started has finished, as in
sequential mode, where the body is over before anything after the `try` runs. Waiting for the
calls whose results are unused too is what makes the modes agree: such a call is still made
(§11 rule 7), and when it fails in sequential mode the handler runs.

A failure of anything in a scope *kills* it: its calls in flight are cancelled (their results
could only be thrown away), its threads never run again and the scopes inside it are killed
too. Then its owner decides what happens: run the handler (`_try`), start the next alternative
or give up (`first`), or fail the run (the root).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from epic_lang.eval.errors import EpicRuntimeError
from epic_lang.eval.trace import CallRecord

if TYPE_CHECKING:
    import asyncio


class ScopeOwner(Protocol):
    """What a scope reports to: the construct that made it."""

    def settled(self, scope: Scope) -> None:
        """Everything in `scope` finished; its value is `scope.value`. The scope's parent
        counts it as finished right after this returns."""

    def failed(self, scope: Scope, error: EpicRuntimeError) -> None:
        """Something in `scope` failed with `error`; the scope is already killed."""


class Scope:
    """One handler scope (see the module docstring). `parent` is None for the root."""

    __slots__ = ("parent", "owner", "live", "closed", "value", "children", "tasks", "records")

    def __init__(self, parent: Scope | None, owner: ScopeOwner) -> None:
        self.parent = parent
        self.owner = owner
        self.live = 0
        self.closed = False
        self.value: Any = None
        self.children: set[Scope] = set()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.records: list[CallRecord] = []
        if parent is not None:
            parent.children.add(self)
            parent.live += 1

    def leave(self) -> None:
        """One thread, call or inner scope of this scope has finished. A scope that settles
        is itself one finished inner scope of its parent, and so on outwards: a loop, since a
        recursion of a thousand nested `try`s can settle at once."""
        scope: Scope | None = self
        while scope is not None:
            scope.live -= 1
            if scope.live or scope.closed:
                return
            scope.closed = True
            parent = scope.parent
            if parent is not None:
                parent.children.discard(scope)
                parent.records.extend(scope.records)
            scope.owner.settled(scope)
            scope = parent

    def fail(self, error: EpicRuntimeError) -> None:
        """Kills the scope and tells its owner; a scope already over ignores later failures
        (of calls that were cancelled or whose results no one can see)."""
        if self.closed:
            return
        self.kill()
        self.owner.failed(self, error)

    def kill(self) -> None:
        """Stops everything in the scope: calls in flight are cancelled, and every call it
        made is marked `discarded` in the trace."""
        if self.parent is not None:
            self.parent.children.discard(self)
        stack = [self]  # a loop, not recursion: scopes may be nested thousands deep
        while stack:
            scope = stack.pop()
            scope.closed = True
            for record in scope.records:
                record.discarded = True
            for task in scope.tasks:
                task.cancel()
            stack.extend(scope.children)
            scope.children.clear()


def error_record(error: EpicRuntimeError) -> dict[str, Any]:
    """The record a handler receives: `{kind, message, site, stack}`, `site` as
    `file:line:col` and `stack` the EPIC call stack, innermost first, as strings."""
    stack = [
        f"{e.function or '<top level>'} at {e.path or '<input>'}:{e.line}:{e.col}"
        for e in error.stack
    ]
    return {"kind": error.kind, "message": error.message, "site": error.where, "stack": stack}
