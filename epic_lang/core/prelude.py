"""The prelude (`prelude.epic`, shipped as package data), parsed and desugared once.

The prelude is ordinary EPIC source: the evaluator links every program to the definitions of
`prelude_globals()` it uses, and the analysis reads `prelude_syntax()` for the signatures and
`##` docs of the prelude's functions. Both are cached because the prelude never changes while
Python runs.

The desugared prelude is also kept in the user's cache (`epic_lang.user_cache`, as JSON by
`term_json`), keyed by the prelude's text and the source of every module that parses and
desugars it: parsing and desugaring it took `epic run` of a small file longer than the rest.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.resources import files

from epic_lang import user_cache
from epic_lang.core import term_json
from epic_lang.core.desugar import desugar_module
from epic_lang.core.terms import CoreModule, Term
from epic_lang.diagnostics import has_errors
from epic_lang.syntax import ast


class PreludeError(RuntimeError):
    """The shipped prelude does not parse: a packaging bug, never a user's mistake."""


def prelude_path() -> str:
    """Where `prelude.epic` is, for the spans of runtime errors inside prelude functions."""
    return str(files("epic_lang.core").joinpath("prelude.epic"))


def prelude_text() -> str:
    return files("epic_lang.core").joinpath("prelude.epic").read_text(encoding="utf-8")


@cache
def prelude_syntax() -> ast.Module:
    """The parsed prelude; raises `PreludeError` if it has a syntax error."""
    from epic_lang.syntax.parser import parse

    result = parse(prelude_text(), prelude_path())
    if has_errors(result.diagnostics):
        messages = "; ".join(d.render(prelude_path()) for d in result.diagnostics)
        raise PreludeError(f"the prelude does not parse: {messages}")
    return result.module


@cache
def prelude_core() -> CoreModule:
    """The desugared prelude, with `path` set to the prelude's file."""
    return prelude_globals().module()


@cache
def prelude_globals() -> PreludeGlobals:
    """The desugared prelude's definitions by name, each decoded when first used."""
    key = _core_key()
    try:
        encoded = term_json.encoded_globals(user_cache.load("prelude-core", key))
    except (ValueError, TypeError, KeyError):
        return PreludeGlobals(key, None)
    return PreludeGlobals(key, encoded)


class PreludeGlobals(Mapping[str, Term]):
    """The desugared prelude's globals by name, each decoded from the user's cache entry on
    first use: a small program calls a few of the prelude's fifty functions, and decoding them
    all cost every `epic run` a millisecond and a half. Without an entry, or when a term of it
    does not decode (a damaged entry), the prelude is desugared again and the entry
    overwritten; terms already handed out are kept, so each name always gives the same term
    (the evaluator compares them by identity). Decoding is under a lock: the language server
    loads programs on several threads."""

    def __init__(self, key: str, encoded: dict[str, str] | None) -> None:
        self._key = key
        self._lock = threading.Lock()
        self._terms: dict[str, Term] = {}
        self._encoded: dict[str, str] = {}
        self._names: tuple[str, ...] = ()
        if encoded is None:
            self._rebuild()
        else:
            self._encoded = encoded
            self._names = tuple(encoded)

    def __getitem__(self, name: str) -> Term:
        term = self._terms.get(name)
        if term is None:
            with self._lock:
                self._decode(name)
                term = self._terms[name]
        return term

    def __contains__(self, name: object) -> bool:
        return name in self._encoded or name in self._terms

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def module(self) -> CoreModule:
        """The whole desugared prelude, every term decoded (a damaged entry is rebuilt)."""
        with self._lock:
            for name in self._names:
                self._decode(name)
            globals_ = tuple((name, self._terms[name]) for name in self._names)
        return CoreModule(prelude_path(), globals_, ())

    def _decode(self, name: str) -> None:
        """Decodes `name` if it is in the entry and not decoded yet; a term that does not
        decode rebuilds the prelude (which can leave `name` undefined)."""
        encoded = self._encoded.get(name)
        if encoded is not None and name not in self._terms:
            try:
                self._terms[name] = term_json.decode_text(encoded)
            except (ValueError, TypeError, KeyError, IndexError, RecursionError):
                self._rebuild()

    def _rebuild(self) -> None:
        module = desugar_module(prelude_syntax(), prelude_path())
        if module.imports:
            raise PreludeError("the prelude imports a module, which the evaluator cannot link")
        user_cache.store("prelude-core", self._key, term_json.encode_globals(module))
        self._terms = {**dict(module.globals), **self._terms}
        self._encoded = {}
        self._names = tuple(name for name, _ in module.globals)


def _core_key() -> str:
    """What the desugared prelude is made from: its text, and the size and modification time
    of each module that parses and desugars it (a changed module, even in a checkout, means a
    new entry). Those are what Python itself trusts to know that the modules' bytecode is
    current; reading and hashing their text instead cost every start a millisecond or two."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sources = ["source.py", os.path.join("syntax", "grammar.lark")]
    for folder in ("syntax", "core"):  # os, not pathlib: a quarter of the time at a start
        with os.scandir(os.path.join(package, folder)) as entries:
            sources += sorted(
                os.path.join(folder, entry.name)
                for entry in entries
                if entry.name.endswith(".py") and not entry.name.startswith(".")
            )
    parts = ["prelude-core 3", prelude_text()]
    for source in sources:
        status = os.stat(os.path.join(package, source))
        parts.append(f"{source} {status.st_size} {status.st_mtime_ns}")
    return "\0".join(parts)
