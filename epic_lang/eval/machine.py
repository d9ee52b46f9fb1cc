"""The abstract machine shared by both strategies: light-weight threads with explicit
continuation stacks, run in a tight loop between external calls.

A thread is a Python list of frames (tuples whose first item is the function that resumes
it) and the value being returned into the top frame. Compiled code (see `compiler.py`) runs
small pure parts inline and pushes a frame for anything that may take many steps, so EPIC
recursion depth is bounded by memory, never by Python's recursion limit.

In opportunistic mode, the frame that receives the value of an argument or a `let` value
that is not trivially short is a *fork point* (its resume function is in the compiler's
`FORK_POINTS`, which the run gives its `Machine`). Nothing is spawned while the work runs
straight through; only when a strict position meets a pending value (`NeedWait`) is the
thread split at the nearest fork point: the frames above it become a new thread waiting for
that value, and the original thread resumes the fork point at once with a fresh `Pending`
standing for the result. So threads exist exactly where a value is actually pending. An
external call in opportunistic mode returns its `Pending` at once; in sequential mode the
thread waits for it right there (a FORCE frame).

Waiting is done by re-running a step: a step raises `NeedWait` only before it has done
anything that must not happen twice (sending an external call), and the machine re-runs the
frame once the value is known. A step that has already done such a thing pushes the frame to
resume with and raises `Blocked` instead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from epic_lang.eval.errors import Blocked, EpicError, NeedWait, Site
from epic_lang.eval.native import MAX_MISSES, missed
from epic_lang.eval.prims import deep, deep_all, force, force_stream
from epic_lang.eval.values import (
    FALSE,
    TRUE,
    Builtin,
    ChurchBool,
    Closure,
    Control,
    Countdown,
    EnvThunk,
    ExternalFn,
    Pending,
    type_name,
)

if TYPE_CHECKING:
    from epic_lang.eval.scopes import Scope

PUSHED: Any = type("Pushed", (), {"__repr__": lambda self: "PUSHED"})()
"""Returned by code that pushed a frame to run next instead of producing a value."""

SUSPENDED: Any = type("Suspended", (), {"__repr__": lambda self: "SUSPENDED"})()
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
"""A parameter slot not filled by the call, to be filled from its default."""


class Thread:
    """A light-weight thread: its continuation stack, the value to return into the top
    frame, the external call whose completion last resumed it (for the trace), the frames
    it was split from (`context`, innermost first, for the call stack of an error) and the
    handler scope it belongs to (`scopes.py`; the run's root scope unless given), which
    counts it as alive until its stack is empty."""

    __slots__ = ("stack", "val", "cause", "m", "context", "scope")

    def __init__(
        self,
        stack: list,
        val: Any,
        cause: int | None,
        m: Machine,
        context: tuple = (),
        scope: Scope | None = None,
    ) -> None:
        self.stack = stack
        self.val = val
        self.cause = cause
        self.m = m
        self.context = context
        self.scope = m.root if scope is None else scope
        self.scope.live += 1


# ---------------------------------------------------------------------------------------------
# Frames: (resume, site, ...). `resume(frame, val, th)` returns a value or PUSHED, may raise
# NeedWait only before doing anything that must not be repeated (it is then re-run).


def eval_resume(frame: tuple, val: Any, th: Thread) -> Any:
    return frame[2](frame[3], th)


def eval_simple_resume(frame: tuple, val: Any, th: Thread) -> Any:
    return frame[2](frame[3])


def resolve_resume(frame: tuple, val: Any, th: Thread) -> Any:
    th.m.resolve(frame[2], val, th.cause)
    return None


def force_resume(frame: tuple, val: Any, th: Thread) -> Any:
    p = frame[2]
    if not p.done:
        raise NeedWait(p)
    return p.value


def deep_resume(frame: tuple, val: Any, th: Thread) -> Any:
    return deep_all(val)


def apply_resume(frame: tuple, val: Any, th: Thread) -> Any:
    """Applies `frame[2]` (or, when it is None, the incoming value) to the stored
    arguments: the retry point of a call whose function or arguments were pending."""
    f = frame[2]
    if f is None:
        f = val
    return apply(f, frame[3], frame[4], frame[1], th)


# ---------------------------------------------------------------------------------------------
# Application


class CompiledLam:
    """A compiled `fn`: what a closure needs to bind arguments and run its body."""

    __slots__ = (
        "name",
        "params",
        "nparams",
        "nslots",
        "pad",
        "body",
        "simple_body",
        "entry",
        "has_defaults",
        "site",
        "kwindex",
        "getters",
        "required",
        "free",
        "native",
        "misses",
        "max_misses",
    )

    def __init__(self, name: str | None, params: tuple[str, ...], site: Site) -> None:
        self.name = name
        self.params = params
        self.nparams = len(params)
        self.kwindex = {p: i for i, p in enumerate(params)}
        self.site = site
        self.nslots = 0
        self.pad: tuple = ()
        self.body: Any = None
        self.simple_body: Any = None
        self.entry: Any = None
        self.has_defaults = False
        self.getters: tuple = ()
        self.required: frozenset[str] = frozenset()
        self.free: tuple[str, ...] = ()
        # The function compiled to Python (native.py), tried before the machine; None once
        # it has given up `max_misses` times.
        self.native: Callable[..., Any] | None = None
        self.misses = 0
        self.max_misses = MAX_MISSES

    def label(self) -> str:
        return f"`{self.name}`" if self.name else "the function"


def bind(lam: CompiledLam, captured: tuple, args: tuple | list, kwargs: dict | None) -> list:
    """A fresh frame for a call that passes keywords, too few arguments (defaults) or the
    wrong number: MISSING marks slots the entry code fills from defaults."""
    n = lam.nparams
    if len(args) > n:
        raise EpicError(
            f"{lam.label()} takes {n} argument{'s' * (n != 1)}, got {len(args)}", kind="type"
        )
    env = [captured, *args, *([MISSING] * (n - len(args))), *lam.pad]
    if kwargs:
        for key, value in kwargs.items():
            i = lam.kwindex.get(key)
            if i is None:
                raise EpicError(f"{lam.label()} has no parameter {key!r}", kind="type")
            if env[1 + i] is not MISSING:
                raise EpicError(f"{lam.label()} got two values for parameter {key!r}", kind="type")
            env[1 + i] = value
    for i, p in enumerate(lam.params):
        if env[1 + i] is MISSING and p in lam.required:
            raise EpicError(f"{lam.label()} is missing argument {p!r}", kind="type")
    return env


def apply(f: Any, args: tuple | list, kwargs: dict | None, site: Site, th: Thread) -> Any:
    """Calls `f`: a closure's body is pushed (never run by Python recursion); built-ins run
    inline; externals are dispatched. Returns a value or PUSHED. Errors without a position
    (wrong arity, a built-in's type error) get the call's."""
    try:
        t = type(f)
        if t is Closure:
            lam = f.lam
            if kwargs or len(args) != lam.nparams:
                env = bind(lam, f.captured, args, kwargs)
                th.stack.append((eval_resume, lam.site, lam.entry, env))
                return PUSHED
            native = lam.native
            if native is not None:
                for a in args:
                    if type(a) is Pending:
                        break
                else:
                    try:
                        return native(f.captured, *args)
                    except Exception as e:  # it cannot go on: the machine runs the call again
                        missed(lam, e)
            env = [f.captured, *args, *lam.pad]
            if lam.simple_body is not None:
                try:
                    return lam.simple_body(env)
                except EpicError as e:
                    e.trail.append(site)
                    raise
            th.stack.append((eval_resume, lam.site, lam.body, env))
            return PUSHED
        if t is ChurchBool:
            if len(args) != 2 or kwargs:
                raise EpicError(
                    f"a boolean takes 2 arguments (two functions), got {len(args)}", kind="type"
                )
            return apply(args[0] if f.truth else args[1], (), None, site, th)
        if t is Pending:
            if f.done:
                return apply(f.value, args, kwargs, site, th)
            raise NeedWait(f)
        if t is Builtin:
            return call_builtin(f, args, kwargs)
        if t is ExternalFn:
            return th.m.call_external(f, args, kwargs, site, th)
        if t is Control:
            return f.fn(f, args, kwargs, site, th)
        if t is EnvThunk:
            if args or kwargs:
                raise EpicError(
                    f"the branch function takes no arguments, got {len(args)}", kind="type"
                )
            th.stack.append((eval_resume, site, f.code, list(f.env)))
            return PUSHED
        raise EpicError(f"cannot call a value of type {type_name(f)}", kind="type")
    except EpicError as e:
        if e.site is None:
            e.site = site
        raise


def unexpected(e: Exception) -> str:
    """The message for a Python error that no primitive turned into an EPIC error."""
    if isinstance(e, MemoryError):
        return "out of memory"
    return (
        f"internal error ({type(e).__name__}: {e}); this is a bug in EPIC, "
        "please report it with this program"
    )


def call_builtin(b: Builtin, args: tuple | list, kwargs: dict | None) -> Any:
    params = b.params
    if len(args) > len(params):
        raise EpicError(
            f"`{b.name}` takes at most {len(params)} arguments, got {len(args)}", kind="type"
        )
    values = list(args)
    if kwargs or len(values) < len(params):
        kwargs = kwargs or {}
        for key in kwargs:
            if key not in params:
                raise EpicError(f"`{b.name}` has no parameter {key!r}", kind="type")
        for p in params[len(values) :]:
            if p in kwargs:
                values.append(kwargs[p])
            elif p in b.defaults:
                values.append(b.defaults[p])
            else:
                raise EpicError(f"`{b.name}` is missing argument {p!r}", kind="type")
        for key in kwargs:
            if params.index(key) < len(args):
                raise EpicError(f"`{b.name}` got two values for parameter {key!r}", kind="type")
    resolve = force_stream if b.streams else deep if b.deep else force
    values = [resolve(v) for v in values]
    try:
        return b.fn(*values)
    except (EpicError, NeedWait, Blocked, RecursionError):
        raise
    except Exception as e:  # the caller's `apply` adds its position
        raise EpicError(unexpected(e)) from None


def call_if(
    cond: Any, then_code: Any, else_code: Any, env: list, site: Site, kind: str, th: Thread
) -> Any:
    """The slow path of an inlined `if`: the condition is pending, or a function that is not
    one of the two booleans (then it is called with the branches as `fn() => ...` values)."""
    if type(cond) is Pending:
        if not cond.done:
            raise NeedWait(cond)
        cond = cond.value
        if cond is TRUE:
            return then_code(env, th)
        if cond is FALSE:
            return else_code(env, th)
    if type(cond) in (Closure, EnvThunk, Builtin, ExternalFn, Control):
        branches = (EnvThunk(then_code, env, None), EnvThunk(else_code, env, None))
        return apply(cond, branches, None, site, th)
    raise EpicError(f"{kind} must be a boolean, got {type_name(cond)}", site, kind="type")


def frame_sites(stack: list, top: int, context: tuple, limit: int = 48) -> tuple:
    """The sites of `stack[:top + 1]` that name a place inside a function, innermost first,
    followed by `context` (the thread's own origin), at most `limit` of them."""
    sites = []
    for i in range(top, -1, -1):
        frame = stack[i]
        s = frame[1]
        if s is not None and s.function is not None and frame[0] is not eval_resume:
            sites.append(s)
            if len(sites) >= limit:
                return tuple(sites)
    return (*sites, *context[: limit - len(sites)])


# ---------------------------------------------------------------------------------------------
# The scheduler


class Runtime(Protocol):
    """What the machine needs from the run that drives it (`runtime.Run`)."""

    def dispatch(
        self, f: ExternalFn, args: Any, kwargs: Any, site: Site, th: Thread
    ) -> Pending: ...

    def fail_from_thread(self, e: EpicError, th: Thread) -> None: ...

    def finish(self, value: Any) -> None: ...

    def output(self, label: str | None, value: Any, site: Site, th: Thread) -> None: ...


class Machine:
    """One run: the ready queue, the split/suspend logic and the resolution of pending
    values. External dispatch is delegated to the runtime (`runtime.py`); `root` is the
    run's handler scope, the one whose failure fails the run."""

    def __init__(
        self,
        sequential: bool,
        runtime: Runtime,
        fork_points: frozenset[Callable[..., Any]],
        root: Scope,
    ) -> None:
        self.sequential = sequential
        self.fork_points = fork_points
        self.runtime = runtime
        self.root = root
        self.ready: deque[Thread] = deque()
        self.steps = 0

    def call_external(self, f: ExternalFn, args: Any, kwargs: Any, site: Site, th: Thread) -> Any:
        p = self.runtime.dispatch(f, args, kwargs, site, th)
        if self.sequential:
            th.stack.append((force_resume, site, p))
            return PUSHED
        return p

    def spawn(
        self,
        waiting_on: Pending,
        frames: list,
        val: Any,
        cause: int | None,
        context: tuple,
        scope: Scope,
    ) -> Pending:
        """A new thread in `scope` that resolves a fresh pending with the value of `frames`
        once `waiting_on` is known."""
        p = Pending()
        th = Thread([(resolve_resume, None, p), *frames], val, cause, self, context, scope)
        waiting_on.waiters.append(th)
        return p

    def spawn_simple(self, waiting_on: Pending, code: Any, env: list, th: Thread) -> Pending:
        """Forks a short pure expression that met a pending value, so that its siblings go
        on; used for arguments and `let` values that compile to inline code."""
        return self.spawn(
            waiting_on,
            [(eval_simple_resume, None, code, env)],
            None,
            th.cause,
            th.context,
            th.scope,
        )

    def resolve(self, p: Pending, v: Any, cause: int | None) -> None:
        """Gives `p` its value and makes its waiters ready; a value that is itself pending
        is forwarded once it resolves."""
        work = [(p, v)]
        ready = self.ready
        while work:
            p, v = work.pop()
            if type(v) is Pending:
                if not v.done:
                    v.waiters.append(p)
                    continue
                v = v.value
            p.done = True
            p.value = v
            p.cause = cause
            waiters = p.waiters
            p.waiters = []
            for w in waiters:
                if type(w) is Pending:
                    work.append((w, v))
                elif type(w) is Countdown:
                    w.count -= 1
                    if w.count == 0:
                        work.append((w.target, None))
                else:
                    w.cause = cause
                    ready.append(w)

    def run_ready(self) -> None:
        """Runs every ready thread until each finishes or waits."""
        ready = self.ready
        while ready:
            th = ready.popleft()
            if not th.scope.closed:  # else a failure stopped its scope
                self.run_thread(th)

    def run_thread(self, th: Thread) -> None:
        stack = th.stack
        val = th.val
        pop = stack.pop
        frame: tuple = ()
        depth = 0
        while True:
            try:
                while stack:
                    frame = pop()
                    depth = len(stack)
                    val = frame[0](frame, val, th)
                th.scope.leave()
                return
            except NeedWait as w:
                del stack[depth:]
                stack.append(frame)
                p = w.pending
            except Blocked as w:
                p = w.pending
            except EpicError as e:
                if e.site is None:
                    e.site = frame[1]
                if depth <= len(stack):
                    del stack[depth:]
                    if frame[0] is not eval_resume:
                        stack.append(frame)
                self.runtime.fail_from_thread(e, th)
                return
            except RecursionError:
                self.runtime.fail_from_thread(
                    EpicError("value nested too deeply to process", frame[1]), th
                )
                return
            except Exception as e:  # users get a position, never a traceback
                self.runtime.fail_from_thread(EpicError(unexpected(e), frame[1]), th)
                return
            if p.done:  # resolved by a spawn during the failed step; just retry
                continue
            val = self.block(th, p, val)
            if val is SUSPENDED:
                return

    def block(self, th: Thread, p: Pending, val: Any) -> Any:
        """`th` must wait for `p`: split it at its nearest fork point and resume that with a
        new pending value, or suspend it entirely (always, in sequential mode)."""
        stack = th.stack
        # The top frame is the one to retry; it always goes with the waiting part.
        i = -1 if self.sequential else len(stack) - 2
        forks = self.fork_points
        while i >= 0 and stack[i][0] not in forks:
            i -= 1
        if i < 0:
            th.val = val
            p.waiters.append(th)
            return SUSPENDED
        result = self.spawn(
            p, stack[i + 1 :], val, th.cause, frame_sites(stack, i, th.context), th.scope
        )
        del stack[i + 1 :]
        return result
