"""The prelude (`prelude.epic`, shipped as package data), parsed and desugared once.

The prelude is ordinary EPIC source: the evaluator loads `prelude_core()` beneath every
program, and the analysis reads `prelude_syntax()` for the signatures and `##` docs of the
prelude's functions. Both are cached because the prelude never changes while Python runs.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

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
    return desugar_module(prelude_syntax(), prelude_path())
