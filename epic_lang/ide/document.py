"""One analysed version of a source text, shared by every editor feature.

A keystroke changes the text; every request that follows (diagnostics, hover, completion, ...)
reads the same `Analysis`, so the file is parsed, resolved and checked at most once per version.
Each piece is computed on first use.
"""

from __future__ import annotations

from functools import cached_property

from epic_lang.analysis.checks import check_parsed
from epic_lang.analysis.scope import Resolution, resolve
from epic_lang.diagnostics import Diagnostic
from epic_lang.modules.files import DISK, SourceFiles
from epic_lang.process_settings import collector_paused
from epic_lang.source import LineIndex
from epic_lang.syntax import ast
from epic_lang.syntax.incremental import IncrementalParser
from epic_lang.syntax.parser import ParseResult


class Analysis:
    """The parse tree, name resolution and diagnostics of one text."""

    def __init__(
        self,
        text: str,
        path: str | None = None,
        previous: Analysis | None = None,
        files: SourceFiles = DISK,
    ) -> None:
        """`previous`: the analysis of the document's version before this one, whose parser
        (with its cache of unchanged declarations) this one re-uses. `files`: where imported
        files are read (the language server's has the editor's unsaved buffers)."""
        self.text = text
        self.path = path
        self.files = files
        self.parser: IncrementalParser = (
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
        """Every syntax error and the static checks of what did parse, in source order: what
        `epic check` reports for this text, by the same function (reusing this analysis's
        parse and resolution). As in `check_source`, the collector stays paused from the
        parse to the last check: re-enabled between them, it walked the whole new tree again
        (10-35 ms of each re-analysis of a 2,000-line file, bench/lsp.py)."""
        with collector_paused():
            return check_parsed(self.parsed, self.text, self.path, self.resolution, self.files)
