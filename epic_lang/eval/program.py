"""Loading programs and calling their definitions from Python.

`load(path)` / `load_source(text)` parse, check and desugar a file; a `Program` compiles it
(and its EPIC imports, and the prelude) once per strategy and runs definitions on demand.
Each run links fresh storage for top-level `let` values, which are evaluated at the start of
every run (so their external calls are traced with it), in dependency order.
"""

from __future__ import annotations

import os
import reprlib
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TextIO

from epic_lang.analysis.builtins import CONTROL_BUILTINS
from epic_lang.core import terms as core
from epic_lang.diagnostics import Diagnostic, Severity
from epic_lang.eval.builtins import BUILTIN_FUNCTIONS
from epic_lang.eval.compiler import Compiler, set_global_resume
from epic_lang.eval.errors import EpicError, EpicRuntimeError, Site
from epic_lang.eval.externals import LLM_EXTERNALS, Externals, external_table, import_python
from epic_lang.eval.machine import (
    PUSHED,
    Thread,
    apply_resume,
    deep_resume,
    eval_resume,
)
from epic_lang.eval.native import NativeLinker
from epic_lang.eval.prelude_unit import UNSET, GlobalSlots, PreludeUnit
from epic_lang.eval.runtime import Run, done_resume
from epic_lang.eval.trace import CallRecord, Trace
from epic_lang.eval.values import FALSE, TRUE, ExternalFn, ModuleValue, from_python, to_python
from epic_lang.llm.interface import BackendFactory, LLMBackend
from epic_lang.modules.files import DISK
from epic_lang.modules.reader import read_source_file
from epic_lang.modules.resolver import folder_of, imported_file
from epic_lang.process_settings import recursion_limit_at_least
from epic_lang.records import record
from epic_lang.source import NO_SPAN, Span

MODES = ("opportunistic", "sequential")
_CONTROL_NAMES = frozenset(info.name for info in CONTROL_BUILTINS)
"""The built-ins of `eval.control`, imported by the first program that uses one."""
DEEP_CODE = 20_000
"""The recursion limit while translating and compiling, which recurse once per nesting level
(a sum of 400 terms is 400 levels): deep, typically generated, code is allowed instead of
failing at Python's 1000. The translators are pure Python, whose recursion in 3.11 does not
grow the C stack."""


class EpicLoadError(Exception):
    """The program has syntax or check errors; `diagnostics` are those of `epic check`."""

    def __init__(self, diagnostics: list, path: str | None) -> None:
        self.diagnostics = list(diagnostics)
        self.path = path
        super().__init__("\n".join(d.render(path) for d in self.diagnostics))


@record(frozen=True, slots=True, repr=False)
class RunResult:
    """What a run gives back: the result as a Python value (`epic_value` keeps EPIC's own
    representation, for printing) and the trace of its external calls."""

    value: Any
    trace: Trace
    epic_value: Any = None

    def __repr__(self) -> str:
        # Short on purpose: asyncio formats the result of the finished main task (all of
        # it) when it restores the SIGINT handler, which would cost O(calls) per run.
        shown = reprlib.repr(self.value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"RunResult(value={shown}, calls={len(self.trace.calls)})"


class Unit(GlobalSlots):
    """One module compiled for one strategy: its global slots and the code of its
    top-level `let`s, ready to be linked into a run."""

    def __init__(
        self,
        module: core.CoreModule,
        source: str | None,
        opportunistic: bool,
        prelude: PreludeUnit | None,
        importing: tuple[str, ...] = (),
        externals: dict[str, ExternalFn] | None = None,
    ) -> None:
        super().__init__()
        self.path = module.path
        self.externals = externals or {}
        self.defined: list[str] = []
        self.lets: list[tuple[int, str, Any, bool, int, Site]] = []
        self.children: list[Unit] = []
        self.fields: dict[str, Any] = {}
        native = NativeLinker(
            self.gvals, lambda name: self.slot(name, NO_SPAN), dict(module.globals)
        )
        compiler = Compiler(opportunistic, self.gvals, self.slot, module.path, source, native)
        for imp in module.imports:
            g = self.slot(imp.alias, imp.span)
            self.defined.append(imp.alias)
            self.gvals[g] = self._import(imp, opportunistic, prelude, importing)
        let_terms: dict[str, core.Term] = {}
        for name, term in module.globals:
            g = self.slot(name, term.span)
            self.defined.append(name)
            code, simple, nslots = compiler.toplevel(term, name)
            if type(term) is core.Lam:
                self.gvals[g] = code([None] * nslots)
            else:
                let_terms[name] = term
                self.lets.append((g, name, code, simple, nslots, Site(term.span, self.path, name)))
        self.lets = _dependency_order(self.lets, let_terms, dict(module.globals))
        self.prelude = prelude
        self.fields = {n: self.gvals[self.gnames[n]] for n in self.defined}
        self.link()

    def _import(
        self,
        imp: core.CoreImport,
        opportunistic: bool,
        prelude: PreludeUnit | None,
        importing: tuple[str, ...],
    ) -> Any:
        site = Site(imp.span, self.path, None)
        if imp.python:
            try:
                return import_python(imp.source, imp.alias, self.path)
            except EpicError as e:
                e.site = site
                raise
        file = imported_file(imp.source, folder_of(self.path) or os.getcwd())
        chain = (*importing, file)
        if file in importing:
            raise EpicError(f"import cycle: {' -> '.join(chain)}", site)
        source = DISK.read(file)
        if source.problems:
            raise EpicLoadError(list(source.problems), file)
        text = source.text
        module = parse_and_desugar(text, file, self.externals)
        child = Unit(module, text, opportunistic, prelude, chain, self.externals)
        self.children.append(child)
        return ModuleValue(imp.alias, child.fields)

    def link(self) -> None:
        """Binds every name used but not defined here: the booleans, then the program's
        `@external` callables, the prelude, the pure built-ins and the LLM externals."""
        for name, g in self.gnames.items():
            if self.gvals[g] is not UNSET and name not in ("true", "false"):
                continue
            if name in self.defined:
                continue
            self.gvals[g] = builtin_value(name, self.prelude, self.externals)

    def check_linked(self) -> None:
        for name, g in self.gnames.items():
            if self.gvals[g] is UNSET and name not in self.defined:
                value = builtin_value(name, self.prelude, self.externals)
                if value is UNSET:
                    span = self.first_use[name]
                    raise EpicRuntimeError(f"unknown name `{name}`", span, self.path)
                self.gvals[g] = value
        for child in self.children:
            child.check_linked()

    def init_frames(self, opportunistic: bool) -> list[tuple]:
        """Frames (in execution order) that evaluate the top-level `let`s of this module and
        the modules it imports, storing each value in its global slot."""
        frames: list[tuple] = []
        for child in self.children:
            frames.extend(child.init_frames(opportunistic))
        for g, name, code, simple, nslots, site in self.lets:
            self.gvals[g] = UNSET
            env = [None] * nslots
            if simple:
                frames.append((eval_resume, site, _as_machine(code), env))
            else:
                frames.append((eval_resume, site, code, env))
            frames.append((set_global_resume, site, self.gvals, g, self.fields, name))
        return frames


def builtin_value(name: str, prelude: PreludeUnit | None, externals: dict[str, ExternalFn]) -> Any:
    if name in ("true", "church_true"):
        return TRUE
    if name in ("false", "church_false"):
        return FALSE
    if name in externals:
        return externals[name]
    if prelude is not None and prelude.defines(name):
        return prelude.value(name)
    if name in BUILTIN_FUNCTIONS:
        return BUILTIN_FUNCTIONS[name]
    if name in LLM_EXTERNALS:
        return LLM_EXTERNALS[name]
    if name in _CONTROL_NAMES:
        from epic_lang.eval.control import CONTROL_FUNCTIONS

        return CONTROL_FUNCTIONS[name]
    return UNSET


def _as_machine(code: Any) -> Any:
    return lambda env, th: code(env)


def _dependency_order(
    lets: list, terms: dict[str, core.Term], all_globals: dict[str, core.Term]
) -> list:
    """Top-level `let`s ordered so that each comes after the ones it uses (directly or
    through the functions it calls); source order otherwise."""
    uses_cache: dict[str, set[str]] = {}

    def uses(name: str, seen: set[str]) -> set[str]:
        if name in uses_cache:
            return uses_cache[name]
        found: set[str] = set()
        for ref in _names(all_globals[name]):
            if ref in terms:
                found.add(ref)
            elif ref in all_globals and ref not in seen:
                found |= uses(ref, seen | {ref})
        uses_cache[name] = found
        return found

    by_name = {entry[1]: entry for entry in lets}
    order: list = []
    state: dict[str, int] = {}

    def visit(name: str) -> None:
        if state.get(name):
            return
        state[name] = 1
        for dep in sorted(uses(name, {name}), key=list(by_name).index):
            visit(dep)
        state[name] = 2
        order.append(by_name[name])

    for entry in lets:
        visit(entry[1])
    return order


def _names(t: core.Term) -> set[str]:
    out: set[str] = set()
    stack = [t]
    while stack:
        t = stack.pop()
        if type(t) is core.Var:
            out.add(t.name)
        elif type(t) is core.Lam:
            stack.append(t.body)
            stack.extend(d for d in t.defaults if d is not None)
        elif type(t) is core.App:
            stack.append(t.func)
            stack.extend(t.args)
            stack.extend(v for _, v in t.kwargs)
        elif type(t) is core.Let:
            stack.extend((t.value, t.body))
        elif type(t) is core.Prim:
            stack.extend(t.args)
    return out


# ---------------------------------------------------------------------------------------------


def parse_and_desugar(
    text: str, path: str | None, externals: dict[str, ExternalFn] | None = None
) -> core.CoreModule:
    """Checks a file as `epic check` does (raising `EpicLoadError` on errors) and desugars it."""
    from epic_lang.analysis.checks import check_parsed
    from epic_lang.core.desugar import desugar_module
    from epic_lang.diagnostics import has_errors
    from epic_lang.syntax.parser import parse

    result = parse(text, path)
    diagnostics = list(result.diagnostics)
    if not has_errors(diagnostics):
        # The program's `@external` callables are defined though the static checks cannot
        # see them in the source.
        diagnostics = check_parsed(result, text, path, defined=frozenset(externals or ()))
    if has_errors(diagnostics):
        raise EpicLoadError(diagnostics, path)
    try:
        with recursion_limit_at_least(DEEP_CODE):
            return desugar_module(result.module, path)
    except RecursionError:
        raise EpicLoadError([_too_deep(result.module, path)], path) from None


def _too_deep(module: Any, path: str | None) -> Diagnostic:
    """The error for a program nested more deeply than Python's stack allows to translate,
    placed on the first declaration that cannot be translated on its own."""
    from dataclasses import replace

    from epic_lang.core.desugar import desugar_module

    span = module.span
    for decl in module.decls:
        try:
            desugar_module(replace(module, decls=(decl,)), path)
        except RecursionError:
            span = decl.span
            break
        except Exception:  # alone, the declaration may not make sense
            continue
    return Diagnostic(
        Severity.ERROR, span, "this declaration is nested too deeply to run", "too-deep", path
    )


@cache
def _standard_prelude_unit(opportunistic: bool) -> PreludeUnit:
    """The standard prelude compiled for one strategy, shared by every program (it has no
    `let`s, so runs never write to it), with the native versions of its list loops."""
    from epic_lang.core.prelude import prelude_globals, prelude_path, prelude_text

    return PreludeUnit(
        prelude_globals(),
        prelude_path(),
        prelude_text(),
        opportunistic,
        _outside_prelude,
        _native_loop,
    )


def prelude_unit(
    opportunistic: bool, prelude: core.CoreModule, prelude_source: str | None
) -> PreludeUnit:
    """A prelude compiled for one strategy."""
    if prelude.imports:
        raise ValueError("a prelude cannot import modules")
    return PreludeUnit(
        dict(prelude.globals), prelude.path, prelude_source, opportunistic, _outside_prelude
    )


def _native_loop(name: str, f: Any) -> None:
    """Gives the standard prelude's `name` its hand-written loop, if it has one; imported
    when the first program uses a prelude function."""
    from epic_lang.eval import native_prelude

    native_prelude.install(name, f)


def _outside_prelude(name: str) -> Any:
    """What a name the prelude uses but does not define is: a built-in."""
    return builtin_value(name, None, {})


class Program:
    """A loaded program whose definitions can be called from Python. `externals` are the
    `@external` callables its code may call (see `external_table`); a `prelude` other than
    the standard one is for tests of the evaluator."""

    def __init__(
        self,
        module: core.CoreModule,
        source: str | None = None,
        prelude: core.CoreModule | None = None,
        prelude_source: str | None = None,
        externals: dict[str, ExternalFn] | None = None,
    ) -> None:
        self.module = module
        self.source = source
        self.path = module.path
        self.externals = externals or {}
        self._prelude = prelude
        self._prelude_source = prelude_source
        self._own_preludes: dict[bool, PreludeUnit] = {}
        self._idle: dict[bool, list[Unit]] = {True: [], False: []}

    @property
    def uses_llm(self) -> bool:
        """Whether the program names an LLM external (so `epic run` shows the backend)."""
        names: set[str] = set()
        for _, term in self.module.globals:
            names |= _names(term)
        return bool(names & LLM_EXTERNALS.keys())

    def definitions(self) -> list[str]:
        return [name for name, _ in self.module.globals]

    def _unit(self, opportunistic: bool) -> Unit:
        idle = self._idle[opportunistic]
        if idle:
            return idle.pop()
        prelude = self._prelude_unit(opportunistic)
        root = (os.path.abspath(self.path),) if self.path else ()
        try:
            with recursion_limit_at_least(DEEP_CODE):
                return Unit(self.module, self.source, opportunistic, prelude, root, self.externals)
        except EpicError as e:  # an import that fails or loops: the import is the position
            site = e.site
            raise EpicRuntimeError(
                e.message, site.span if site else None, site.path if site else self.path
            ) from None
        except RecursionError:
            raise EpicRuntimeError(
                "the program is nested too deeply to compile", None, self.path
            ) from None

    def _prelude_unit(self, opportunistic: bool) -> PreludeUnit:
        if self._prelude is None:
            return _standard_prelude_unit(opportunistic)
        unit = self._own_preludes.get(opportunistic)
        if unit is None:
            unit = prelude_unit(opportunistic, self._prelude, self._prelude_source)
            self._own_preludes[opportunistic] = unit
        return unit

    def call(
        self,
        name: str,
        *args: Any,
        mode: str = "opportunistic",
        backend: LLMBackend | None = None,
        **kwargs: Any,
    ) -> Any:
        """Calls the EPIC definition `name` with Python arguments; returns a Python value."""
        return self.run(name, *args, mode=mode, backend=backend, **kwargs).value

    async def acall(
        self,
        name: str,
        *args: Any,
        mode: str = "opportunistic",
        backend: LLMBackend | None = None,
        **kwargs: Any,
    ) -> Any:
        return (await self.arun(name, *args, mode=mode, backend=backend, **kwargs)).value

    def run(
        self,
        name: str = "main",
        *args: Any,
        mode: str = "opportunistic",
        backend: LLMBackend | None = None,
        max_concurrency: int | None = None,
        progress: TextIO | None = None,
        backend_factory: BackendFactory | None = None,
        trace: Trace | None = None,
        call_timeout: float | None = None,
        output: Callable[[str], None] | None = None,
        on_stream: Callable[[CallRecord, str], None] | None = None,
        **kwargs: Any,
    ) -> RunResult:
        """Runs `name` to completion (see `arun`); from inside an event loop use
        `arun`/`acall`. An event loop is started only when the program makes its first
        external call (or to show `progress`)."""
        loaded = sys.modules.get("asyncio")  # not loaded: no loop can be running
        if loaded is not None and loaded._get_running_loop() is not None:
            raise RuntimeError(
                f"Program.run({name!r}) was called inside a running event "
                "loop; use `await program.arun(...)` or `acall` there"
            )
        options: dict[str, Any] = {
            "backend": backend,
            "max_concurrency": max_concurrency,
            "backend_factory": backend_factory,
            "trace": trace,
            "call_timeout": call_timeout,
            "output": output,
            "on_stream": on_stream,
        }
        if progress is not None:  # its ticker is a task on the loop from the start
            import asyncio

            coroutine = self.arun(name, *args, mode=mode, progress=progress, **options, **kwargs)
            return asyncio.run(coroutine)
        with self._started(name, args, kwargs, mode, None, options) as (run, thread):
            value = run.execute_sync(thread)
            return RunResult(to_python(value), run.trace, value)

    async def arun(
        self,
        name: str = "main",
        *args: Any,
        mode: str = "opportunistic",
        backend: LLMBackend | None = None,
        max_concurrency: int | None = None,
        progress: TextIO | None = None,
        backend_factory: BackendFactory | None = None,
        trace: Trace | None = None,
        call_timeout: float | None = None,
        output: Callable[[str], None] | None = None,
        on_stream: Callable[[CallRecord, str], None] | None = None,
        **kwargs: Any,
    ) -> RunResult:
        """Runs `name(*args, **kwargs)` (or the value of a top-level `let` `name`) and
        returns the result with the trace; raises `EpicRuntimeError` on a runtime error.
        Without `backend`, one is made by `backend_factory` at the first LLM call and closed
        at the end. The calls are recorded in `trace` when given, so that a caller keeps
        those of a run that fails (`epic run --trace`). `call_timeout` is the deadline in
        seconds of every LLM call that sets no `timeout=` of its own. The lines the program
        prints (`print`, `log`) go to `output`, one call per line, or to stderr.
        `on_stream(record, piece)` is called with each piece of a streamed answer
        (`llm_stream`) as it arrives."""
        options: dict[str, Any] = {
            "backend": backend,
            "max_concurrency": max_concurrency,
            "backend_factory": backend_factory,
            "trace": trace,
            "call_timeout": call_timeout,
            "output": output,
            "on_stream": on_stream,
        }
        with self._started(name, args, kwargs, mode, progress, options) as (run, thread):
            value = await run.execute(thread)
            return RunResult(to_python(value), run.trace, value)

    @contextmanager
    def _started(
        self,
        name: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        mode: str,
        progress: TextIO | None,
        options: dict[str, Any],
    ) -> Iterator[tuple[Run, Thread]]:
        """A run of `name` with the thread that starts it, on a compiled unit of the
        program that is free again when the run is over."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        opportunistic = mode == "opportunistic"
        unit = self._unit(opportunistic)
        try:
            unit.check_linked()
            if name not in unit.defined:
                raise EpicRuntimeError(f"the program has no definition `{name}`", None, self.path)
            run = Run(
                not opportunistic,
                options["backend"],
                options["backend_factory"] or self._default_backend_factory(),
                options["max_concurrency"],
                progress,
                options["trace"],
                options["call_timeout"],
                options["output"],
                options["on_stream"],
            )
            target = unit.gvals[unit.gnames[name]]
            site = Site(self._span_of(name), self.path, None)
            py_args = [from_python(a) for a in args]
            py_kwargs = {k: from_python(v) for k, v in kwargs.items()}
            frames: list[tuple] = [(done_resume, None), (deep_resume, site)]
            is_let = any(entry[1] == name for entry in unit.lets)
            if is_let:
                if args or kwargs:
                    raise EpicRuntimeError(f"`{name}` is a value, not a function", None, self.path)
                frames.append((_global_value_resume, site, unit.gvals, unit.gnames[name]))
            else:
                frames.append((apply_resume, site, target, py_args, py_kwargs or None))
            frames.extend(reversed(unit.init_frames(opportunistic)))
            yield run, Thread(frames, PUSHED, None, run.machine)
        finally:
            self._idle[opportunistic].append(unit)

    def map(
        self,
        records: Iterable[Any],
        entry: str = "main",
        *,
        concurrency: int = 16,
        whole_record: bool = False,
        mode: str = "opportunistic",
        backend: LLMBackend | None = None,
        call_timeout: float | None = None,
    ) -> Iterator[Any]:
        """`entry` on each record, up to `concurrency` at once: an iterator of outcomes
        (`.index`, `.value`, `.error`) in input order, as `epic map` writes them.
        `call_timeout` is `--call-timeout`: the deadline of LLM calls without `timeout=`."""
        from epic_lang.dataset.python_api import map_program

        return map_program(
            self, records, entry, concurrency, whole_record, mode, backend, call_timeout
        )

    def _span_of(self, name: str) -> Span:
        for n, term in self.module.globals:
            if n == name:
                return term.span
        return NO_SPAN

    def _default_backend_factory(self) -> BackendFactory:
        path = self.path

        def make() -> LLMBackend:
            from epic_lang.llm.config import backend_from_options

            return backend_from_options(program_path=path)

        return make


def _global_value_resume(frame: tuple, val: Any, th: Thread) -> Any:
    return frame[2][frame[3]]


def load_source(text: str, path: str | None = None, *, externals: Externals = ()) -> Program:
    """A program from source text (`path`, if given, is where relative imports start);
    `externals` are the Python callables its code (and that of its EPIC imports) may call by
    name (see `epic_lang.external`)."""
    if not isinstance(text, str):
        raise TypeError(f"the program text must be a str, got {type(text).__name__}")
    table = external_table(externals)
    return Program(parse_and_desugar(text, path, table), text, externals=table)


def load(path: str | os.PathLike[str], *, externals: Externals = ()) -> Program:
    """A program from a `.epic` file; a file that cannot be read or is not UTF-8 raises
    `EpicLoadError` like a syntax error does. `externals` as for `load_source`."""
    path = os.fspath(path)
    text, problems = read_source_file(path)
    if problems:
        raise EpicLoadError(problems, path)
    return load_source(text, path, externals=externals)


def run_source(
    text: str,
    *args: Any,
    entry: str = "main",
    path: str | None = None,
    mode: str = "opportunistic",
    backend: LLMBackend | None = None,
    max_concurrency: int | None = None,
    externals: Externals = (),
    **kwargs: Any,
) -> RunResult:
    """Loads `text` and runs `entry` (default `main`)."""
    program = load_source(text, path, externals=externals)
    return program.run(
        entry, *args, mode=mode, backend=backend, max_concurrency=max_concurrency, **kwargs
    )
