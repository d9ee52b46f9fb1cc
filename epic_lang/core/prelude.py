"""The prelude (`prelude.epic`, shipped as package data), parsed and desugared once.

The prelude is ordinary EPIC source: the evaluator loads `prelude_core()` beneath every
program, and the analysis reads `prelude_syntax()` for the signatures and `##` docs of the
prelude's functions. Both are cached because the prelude never changes while Python runs.

The desugared prelude is also kept in the user's cache (`epic_lang.user_cache`, as JSON by
`term_json`), keyed by the prelude's text and the source of every module that parses and
desugars it: parsing and desugaring it took `epic run` of a small file longer than the rest.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from epic_lang.core.desugar import desugar_module
from epic_lang.core.terms import CoreModule
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
    from epic_lang import user_cache
    from epic_lang.core import term_json

    key = _core_key()
    cached = user_cache.load("prelude-core", key)
    if cached is not None:
        try:
            return term_json.decode_module(cached, prelude_path())
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            pass  # a damaged entry: build again and overwrite it
    module = desugar_module(prelude_syntax(), prelude_path())
    user_cache.store("prelude-core", key, term_json.encode_module(module))
    return module


def _core_key() -> str:
    """What the desugared prelude is made from: its text, and the size and modification time
    of each module that parses and desugars it (a changed module, even in a checkout, means a
    new entry). Those are what Python itself trusts to know that the modules' bytecode is
    current; reading and hashing their text instead cost every start a millisecond or two."""
    package = Path(__file__).resolve().parent.parent
    sources = [package / "source.py", package / "syntax" / "grammar.lark"]
    sources += sorted((package / "syntax").glob("*.py")) + sorted((package / "core").glob("*.py"))
    parts = ["prelude-core 2", prelude_text()]
    for source in sources:
        status = source.stat()
        parts.append(f"{source.relative_to(package)} {status.st_size} {status.st_mtime_ns}")
    return "\0".join(parts)
