"""`parse(text)`: source text to a `Module` and every syntax error, never an exception.

The pipeline is lexer (layout, strings, f-strings; lexer.py) -> lark's LALR(1) tables run by
our own loop (lalr.py) -> builder callbacks that make the dataclass tree (builder.py).
Recovery works at three levels:

- Lexical problems (a tab, an unterminated string, an unclosed bracket) are repaired in the
  token stream by the lexer, so they are reported without losing the declaration.
- The lexer marks where each top-level `def`/`let`/`import` begins (a column-0 line) and the
  parser runs once per declaration: a declaration with an error is dropped after its error is
  reported, and the others still reach `Module.decls`.
- Inside a dropped declaration, parsing resumes at the next line (recovery.py) so that every
  error in it is reported in the same pass; with `repair=True` the declaration is kept without
  its broken lines, for the editor.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Iterator
from typing import Any

from epic_lang.diagnostics import Diagnostic, Fix, Severity
from epic_lang.process_settings import collector_paused
from epic_lang.records import record
from epic_lang.source import Span, with_lf_breaks
from epic_lang.syntax import ast, lalr
from epic_lang.syntax.builder import Context, set_context, tok_span
from epic_lang.syntax.errors import explain, habit_fixes
from epic_lang.syntax.lexer import HoleRaw, Tok, lex_declarations
from epic_lang.syntax.recovery import resume_point, without_line

# How many broken lines `parse(..., repair=True)` leaves out of one declaration at most.
_REPAIR_ATTEMPTS = 4


@record(frozen=True, slots=True)
class ParseResult:
    """The module (the declarations that parsed) and every syntax error, in source order."""

    module: ast.Module
    diagnostics: tuple[Diagnostic, ...]


class _Failed(Exception):
    """A declaration or hole could not be parsed at token `index`; the diagnostic is already
    recorded."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


class _Parser:
    """One parse of one text: runs the lexer, then the LALR parser per declaration."""

    def __init__(self, text: str, path: str | None, repair: bool) -> None:
        self.text = with_lf_breaks(text)  # a lone CR ends a line; offsets stay the same
        self.path = path
        self.repair = repair
        # The context reaches this parser only weakly: a bound method would make a cycle, and
        # callers pause the cyclic collector, so every parse (the formatter's proof makes one
        # per run of its output) would keep its parser and text until the next collection.
        parser = weakref.proxy(self)
        self.ctx = Context(path, lambda hole: parser._parse_hole(hole))
        self.tables = lalr.tables()
        self.lexed = lex_declarations(self.text, path)

    def declarations(self) -> Iterator[ast.Decl]:
        """Each declaration that parses, with its `##` doc, as soon as it is parsed.

        The lexer hands out one declaration's tokens at a time and each list is dropped once
        parsed: on a large file the tokens of the whole text outweigh its tree. A caller that
        needs each declaration only briefly (the formatter's proof) can drop it too."""
        lexed = self.lexed
        docs = _Docs(lexed.comments, self.text.startswith("\ufeff"))
        for chunk in lexed.declarations:
            if not any(t.type[0] != "_" for t in chunk) and not any(
                t.type == "_INDENT" for t in chunk
            ):
                continue
            set_context(self.ctx)
            try:
                decl = self._parse_decl(chunk, lexed.damage)
            finally:
                set_context(None)
            if decl is not None:
                yield docs.attach(decl)

    def result(self, decls: list[ast.Decl]) -> ParseResult:
        """The parse of the whole text, once `declarations` is exhausted; `decls` are the
        declarations it gave."""
        diagnostics = [*self.lexed.diagnostics, *self.ctx.diagnostics]
        diagnostics.sort(key=lambda d: (d.span.start, d.span.end))
        comments = tuple(self.lexed.comments)
        module = ast.Module(tuple(decls), comments, _whole(self.text))
        return ParseResult(module, tuple(dedupe(diagnostics)))

    def _parse_decl(self, chunk: list[Tok], lexical: list[int]) -> ast.Decl | None:
        try:
            return self._feed(chunk, "decl", lexical)
        except _Failed as failure:
            self._report_more_errors(chunk, failure.index, lexical)
            return self._repaired(chunk, failure.index) if self.repair else None
        except RecursionError:
            self._error(tok_span(chunk[0]), "this declaration is nested too deeply to parse")
            return None

    def _repaired(self, chunk: list[Tok], index: int) -> ast.Decl | None:
        """The declaration without its broken lines, if leaving out a few lines is enough for
        it to parse (errors are already reported; these parses report nothing)."""
        tokens = chunk
        for _ in range(_REPAIR_ATTEMPTS):
            shorter = without_line(tokens, index)
            if shorter is None:
                return None
            tokens = shorter
            try:
                return self._feed(tokens, "decl", [], quiet_until=len(tokens))
            except _Failed as failure:
                index = failure.index
            except RecursionError:
                return None
        return None

    def _report_more_errors(self, chunk: list[Tok], index: int, lexical: list[int]) -> None:
        """After an error, parse on from the next line of the declaration, in a synthetic
        context that has the same blocks open, so that later errors in the same `def` are
        reported in the same pass. The declaration itself stays dropped."""
        while True:
            resume = resume_point(chunk, index)
            if resume is None:
                return
            at, prefix = resume
            try:
                self._feed([*prefix, *chunk[at:]], "decl", lexical, quiet_until=len(prefix))
                return
            except _Failed as failure:
                if failure.index < len(prefix):
                    return
                index = failure.index - len(prefix) + at
            except RecursionError:
                return

    def _parse_hole(self, hole: HoleRaw) -> ast.Expr:
        """Parse an f-string hole's tokens; a broken hole becomes an empty string literal so
        that the declaration around it is kept."""
        if hole.tokens:
            with contextlib.suppress(_Failed):
                return self._feed(list(hole.tokens), "hole", [])
        return ast.Literal("", "", hole.expr_span)

    def _feed(self, chunk: list[Tok], start: str, lexical: list[int], quiet_until: int = -1) -> Any:
        """Run the parser over one declaration (or hole), giving what the builder made of it;
        on an error, report it and raise `_Failed`. Not reported: an echo of a lexical error,
        and an error at a token index up to `quiet_until` (a resumed line that cannot start
        where recovery put it)."""
        last = chunk[-1]
        eof = Tok(
            "$END",
            "",
            last.end_pos,
            last.end_line,
            last.end_column,
            last.end_line,
            last.end_column,
            last.end_pos,
        )
        eof.data = None
        tokens = [*chunk, eof]
        tables = self.tables[start]
        try:
            return lalr.run(tables, tokens)
        except lalr.Stuck as e:
            index = e.index
            state_stack, symbols = lalr.replay(tables, tokens[:index])
            prev = next((t for t in reversed(chunk[:index]) if t.type[0] != "_"), None)
            following = next((t for t in chunk[index + 1 :] if t.type[0] != "_"), None)
            expected = lalr.expected(tables, state_stack)
            span, message = explain(
                tokens[index], expected, symbols, prev, following, in_hole=start == "hole"
            )
            # An error right after a lexical error is usually its echo: report only the first.
            stop = following.start_pos if following is not None else last.end_pos
            echo = any(chunk[0].start_pos <= at <= stop for at in lexical)
            if not echo and index > quiet_until:
                self._error(span, message, habit_fixes(tokens[index], prev, expected))
            raise _Failed(index) from None

    def _error(self, span: Span, message: str, fixes: tuple[Fix, ...] = ()) -> None:
        self.ctx.error(span, message, fixes)


def _whole(text: str) -> Span:
    lines = text.split("\n")
    return Span(0, len(text), 1, 1, len(lines), len(lines[-1]) + 1)


_DOC = re.compile(r"##\s?")


class _Docs:
    """Gives each `def` and top-level `let` the `##` lines directly above it (no blank line
    between), with the `## ` prefixes removed. `comments` grows as the lexer goes; the lines
    above a declaration are lexed before the declaration is handed out. A byte-order mark
    takes no column: a `##` right after it starts the line."""

    def __init__(self, comments: list[ast.Comment], bom: bool) -> None:
        self.comments = comments
        self.bom = bom
        self.seen = 0
        self.doc_lines: dict[int, ast.Comment] = {}

    def attach(self, decl: ast.Decl) -> ast.Decl:
        if self.seen < len(self.comments):
            for c in self.comments[self.seen :]:
                at_line_start = c.span.col == 1 or (self.bom and c.span.start == 1)
                if at_line_start and c.text.startswith("##"):
                    self.doc_lines[c.span.line] = c
            self.seen = len(self.comments)
        if not self.doc_lines or not isinstance(decl, ast.Def | ast.LetDecl):
            return decl
        line = decl.span.line - 1
        lines: list[str] = []
        while line in self.doc_lines:
            lines.append(_DOC.sub("", self.doc_lines[line].text, count=1))
            line -= 1
        if not lines:
            return decl
        doc = "\n".join(reversed(lines))
        if isinstance(decl, ast.Def):
            return ast.Def(decl.name, decl.params, decl.body, doc, decl.span)
        return ast.LetDecl(decl.name, decl.value, doc, decl.span)


def dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The parser's rule: one diagnostic per (start, message), the first one kept."""
    seen: set[tuple[int, str]] = set()
    out = []
    for d in diagnostics:
        key = (d.span.start, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def parse(text: str, path: str | None = None, *, repair: bool = False) -> ParseResult:
    """Parse a whole file. Never raises: every problem is a diagnostic with code `syntax`.

    `module.decls` holds the declarations that parsed. With `repair=True` (for editor
    features: completion and hover inside the `def` being typed), a declaration with errors is
    also kept when leaving out its broken lines (at most a few) makes it parse; the
    diagnostics are the same either way."""
    # The parser allocates many small objects and creates no reference cycles worth
    # collecting; pausing the cyclic collector saves about 15% of the time.
    with collector_paused():
        stream = ParseStream(text, path, repair=repair)
        return stream.result(list(stream.declarations()))


class ParseStream:
    """`parse(text)` handed out one declaration at a time, for a caller that needs each
    declaration only briefly and so need never hold the whole tree (the formatter compares
    the declarations of its output with those of its input one by one, dropping each).
    Exhaust `declarations()`, then `result(kept)` is what `parse` gives with `kept` as the
    declarations. Never raises, as `parse`; the caller pauses the cyclic collector."""

    def __init__(self, text: str, path: str | None = None, *, repair: bool = False) -> None:
        self.text = text
        self.path = path
        self.repair = repair
        self._parser: _Parser | None = None
        self._failure: ParseResult | None = None

    def declarations(self) -> Iterator[ast.Decl]:
        try:
            self._parser = _Parser(self.text, self.path, self.repair)
            yield from self._parser.declarations()
        except RecursionError:
            self._fail("this file is nested too deeply to parse")
        except Exception as error:  # noqa: BLE001 - the contract is "never raises"; the
            # robustness tests check that no input gets here.
            self._fail(f"internal error in the parser ({type(error).__name__}); please report it")

    @property
    def comments(self) -> list[ast.Comment]:
        """The comments lexed so far, in source order: the list itself, which grows as
        `declarations()` goes on (a comment before a declaration is in it when the
        declaration is handed out). Empty until `declarations()` has started."""
        return self._parser.lexed.comments if self._parser is not None else []

    def result(self, decls: list[ast.Decl]) -> ParseResult:
        if self._failure is None:
            assert self._parser is not None, "result() before declarations()"
            try:
                return self._parser.result(decls)
            except RecursionError:
                self._fail("this file is nested too deeply to parse")
            except Exception as error:  # noqa: BLE001 - as above
                self._fail(
                    f"internal error in the parser ({type(error).__name__}); please report it"
                )
        assert self._failure is not None
        return self._failure

    def _fail(self, message: str) -> None:
        self._failure = _failure(self.text, self.path, message)


def _failure(text: str, path: str | None, message: str) -> ParseResult:
    span = Span(0, 0, 1, 1, 1, 1)
    diag = Diagnostic(Severity.ERROR, span, message, "syntax", path)
    return ParseResult(ast.Module((), (), _whole(text)), (diag,))
