"""One analysed version of a source text, shared by every editor feature.

A keystroke changes the text; every request that follows (diagnostics, hover, completion, ...)
reads the same `Analysis`, so the file is parsed, resolved and checked at most once per version.
Each piece is computed on first use.
"""

from __future__ import annotations

import re
from functools import cached_property

from epic_lang.analysis.checks import check_module, sort_diagnostics
from epic_lang.analysis.scope import Resolution, resolve
from epic_lang.diagnostics import Diagnostic, has_errors
from epic_lang.source import LineIndex
from epic_lang.syntax import ast
from epic_lang.syntax.incremental import IncrementalParser
from epic_lang.syntax.parser import ParseResult


class Analysis:
    """The parse tree, name resolution and diagnostics of one text."""

    def __init__(
        self, text: str, path: str | None = None, previous: Analysis | None = None
    ) -> None:
        """`previous`: the analysis of the document's version before this one, whose parser
        (with its cache of unchanged declarations) this one re-uses."""
        self.text = text
        self.path = path
        self.parser = (
            previous.parser
            if previous is not None and previous.path == path
            else IncrementalParser(path)
        )

    @cached_property
    def parsed(self) -> ParseResult:
        return self.parser.parse(self.text)

    @property
    def module(self) -> ast.Module:
        return self.parsed.module

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)

    @cached_property
    def resolution(self) -> Resolution:
        return resolve(self.module)

    @property
    def syntax_errors(self) -> tuple[Diagnostic, ...]:
        return tuple(self.parsed.diagnostics)

    @cached_property
    def diagnostics(self) -> list[Diagnostic]:
        """Every syntax error and the static checks of what did parse, in source order, as
        `epic check` reports them (reusing this analysis's parse and resolution)."""
        defined = (
            frozenset(_DEFINED_IN_TEXT.findall(self.text))
            if has_errors(self.syntax_errors)
            else frozenset()
        )
        found = check_module(self.module, self.path, self.resolution, assume_defined=defined)
        return sort_diagnostics([*self.syntax_errors, *found])


# While a declaration does not parse, the names it defines must not be reported as unknown
# where they are used: the same rule as `check_source`.
_DEFINED_IN_TEXT = re.compile(r"^(?:def|let)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
