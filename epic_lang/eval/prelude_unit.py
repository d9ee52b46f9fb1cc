"""A prelude compiled for one strategy a definition at a time, as programs link to it.

A small program calls a few of the prelude's fifty functions, and compiling them all cost every
`epic run` more than the program itself. A definition is compiled the first time a program
links to it, together with every prelude definition it names, so that a run never meets a
global slot still empty; the units of all programs share the compiled closures, as they shared
the whole compiled prelude before. Compiling is under a lock, because the language server and
`epic map` link programs on several threads; a definition is handed out only once it and all
it names are compiled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from epic_lang.core import terms as core
from epic_lang.eval.compiler import Compiler
from epic_lang.eval.errors import EpicRuntimeError
from epic_lang.eval.native import NativeLinker
from epic_lang.source import NO_SPAN, Span

UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()
"""A global slot with no value yet, or a name that nothing defines."""


class GlobalSlots:
    """The global slots of one compiled unit (a program's module or the prelude): the compiler
    asks for a name's slot at each use, and the first use of a name is remembered for the
    error that nothing defines it."""

    def __init__(self) -> None:
        self.gnames: dict[str, int] = {}
        self.gvals: list[Any] = []
        self.first_use: dict[str, Span] = {}

    def slot(self, name: str, span: Span) -> int:
        g = self.gnames.get(name)
        if g is None:
            g = self.gnames[name] = len(self.gvals)
            self.gvals.append(UNSET)
            self.first_use[name] = span
        return g


class PreludeUnit(GlobalSlots):
    """The prelude's definitions (`definitions`, by name, in a module without imports) as
    compiled for one strategy. A name the prelude uses but does not define is given by
    `outside(name)` (the built-ins), and `compiled(name, value)` sees each definition once it
    is compiled (the standard prelude's hand-written loops)."""

    def __init__(
        self,
        definitions: Mapping[str, core.Term],
        path: str | None,
        source: str | None,
        opportunistic: bool,
        outside: Callable[[str], Any],
        compiled: Callable[[str, Any], None] | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self._definitions = definitions
        self._outside = outside
        self._compiled = compiled
        self._linked: set[str] = set()
        self._lock = threading.Lock()
        native = NativeLinker(self.gvals, lambda name: self.slot(name, NO_SPAN), definitions)
        self._compiler = Compiler(opportunistic, self.gvals, self.slot, path, source, native)

    def defines(self, name: str) -> bool:
        return name in self._definitions

    def value(self, name: str) -> Any:
        """The prelude's function `name` (which it `defines`), compiled now if no program
        used it before."""
        if name not in self._linked:
            with self._lock:
                self._link(name)
        return self.gvals[self.gnames[name]]

    def _link(self, name: str) -> None:
        """Compiles `name` and the prelude definitions it needs, and binds the other names
        they use; the lot counts as linked only once all of it is done (a failure half-way
        leaves empty slots that the next link fills)."""
        batch: set[str] = set()
        todo = [] if name in self._linked else [name]
        while todo:
            for used in todo:
                if used in self._definitions:
                    batch.add(used)
                    self._compile(used)
                else:
                    self._bind(used)
            todo = [
                used
                for used, g in self.gnames.items()
                if self.gvals[g] is UNSET and used not in batch and used not in self._linked
            ]
        self._linked |= batch

    def _compile(self, name: str) -> None:
        term = self._definitions[name]
        g = self.slot(name, term.span)
        if type(term) is core.Lam:  # a prelude `let` would have no value: no run sets it
            code, _, nslots = self._compiler.toplevel(term, name)
            self.gvals[g] = code([None] * nslots)
            if self._compiled is not None:
                self._compiled(name, self.gvals[g])

    def _bind(self, name: str) -> None:
        value = self._outside(name)
        if value is UNSET:
            raise EpicRuntimeError(f"unknown name `{name}`", self.first_use[name], self.path)
        self.gvals[self.gnames[name]] = value
