"""`parse(text)`: source text to a `Module` and every syntax error, never an exception.

The pipeline is lexer (layout, strings, f-strings; lexer.py) -> lark's LALR(1) parser driven
token by token -> builder callbacks that make the dataclass tree (builder.py). Recovery is by
declaration: the lexer marks where each top-level `def`/`let`/`import` begins (a column-0 line),
the parser runs once per declaration, and a declaration with an error is dropped after its
error is reported while the others still reach `Module.decls`. Lexical errors (a tab, an
unterminated string, an unclosed bracket) are repaired in the token stream, so they are
reported without losing the declaration.
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from lark import Lark, Token
from lark.lexer import Lexer
from lark.parsers.lalr_analysis import Shift

from epic_lang.diagnostics import Diagnostic, Severity
from epic_lang.source import Span
from epic_lang.syntax import ast
from epic_lang.syntax.builder import Builder, Context, set_context, tok_span
from epic_lang.syntax.errors import explain
from epic_lang.syntax.lexer import HoleRaw, Tok, tokenize

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")


@dataclass(frozen=True, slots=True)
class ParseResult:
    module: ast.Module
    diagnostics: tuple[Diagnostic, ...]


class _TokensOnly(Lexer):
    """Lark insists on a lexer class for declared terminals; ours runs before lark is called."""

    def __init__(self, conf: object) -> None:
        pass

    def lex(self, data: object):  # pragma: no cover - tokens are fed directly
        return iter(())


@dataclass(frozen=True, slots=True)
class _Tables:
    """lark's LALR tables for one start symbol, re-keyed by plain strings for a tight loop."""

    states: dict[int, dict[str, tuple[object, object]]]
    start_state: int
    end_state: int
    rules: dict[object, tuple[int, Callable[[list], object], str]]


@functools.cache
def _tables() -> dict[str, _Tables]:
    """Build the LALR tables and callbacks once per process."""
    parser = Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer=_TokensOnly,
        start=["decl", "hole"],
        transformer=Builder(),
        maybe_placeholders=True,
        cache=True,
    )
    out = {}
    for start in ("decl", "hole"):
        conf = parser.parse_interactive(start=start).parser_state.parse_conf
        states = {s: {str(k): v for k, v in row.items()} for s, row in conf.states.items()}
        rules = {
            rule: (len(rule.expansion), callback, str(rule.origin.name))
            for rule, callback in conf.callbacks.items()
        }
        out[start] = _Tables(states, conf.start_state, conf.end_state, rules)
    return out


class _Stuck(Exception):
    """The LALR automaton has no action for a token."""

    def __init__(self, index: int, token: Token, expected: set[str], stack: list) -> None:
        super().__init__(token)
        self.index = index
        self.token = token
        self.expected = expected
        self.stack = stack


def _run_lalr(tables: _Tables, tokens: list[Token]) -> object:
    """lark's LALR loop (ParserState.feed_token) inlined over a whole token list: the same
    tables and callbacks, without a function call per token."""
    states = tables.states
    rules = tables.rules
    end_state = tables.end_state
    state_stack = [tables.start_state]
    value_stack: list = []
    for index, tok in enumerate(tokens):
        kind = tok.type
        is_end = kind == "$END"
        while True:
            row = states[state_stack[-1]]
            step = row.get(kind)
            if step is None:
                expected = {s for s in row if s.isupper()}
                raise _Stuck(index, tok, expected, value_stack)
            action, arg = step
            if action is Shift:
                state_stack.append(arg)
                value_stack.append(tok)
                break
            size, callback, origin = rules[arg]
            if size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            value_stack.append(callback(children))
            state_stack.append(states[state_stack[-1]][origin][1])  # type: ignore[arg-type]
            if is_end and state_stack[-1] == end_state:
                return value_stack[-1]
    raise AssertionError("token list did not end with $END")


class _Failed(Exception):
    """A declaration or hole could not be parsed; the diagnostic is already recorded."""


class _Parser:
    def __init__(self, text: str, path: str | None) -> None:
        self.text = text
        self.path = path
        self.ctx = Context(path, self._parse_hole)
        self.tables = _tables()

    def run(self) -> ParseResult:
        lexed = tokenize(self.text, self.path)
        diagnostics = list(lexed.diagnostics)
        lexical = lexed.damage
        decls: list[ast.Decl] = []
        tokens = lexed.tokens
        bounds = lexed.boundaries + [len(tokens)]
        set_context(self.ctx)
        try:
            for a, b in zip(bounds, bounds[1:], strict=False):
                chunk = tokens[a:b]
                if not any(t.type[0] != "_" for t in chunk) and not any(
                    t.type == "_INDENT" for t in chunk
                ):
                    continue
                decl = self._parse_decl(chunk, lexical)
                if decl is not None:
                    decls.append(decl)
        finally:
            set_context(None)
        diagnostics.extend(self.ctx.diagnostics)
        diagnostics.sort(key=lambda d: (d.span.start, d.span.end))
        comments = tuple(lexed.comments)
        module = ast.Module(
            tuple(_attach_docs(decls, comments)), comments, _whole(self.text)
        )
        return ParseResult(module, tuple(_dedupe(diagnostics)))

    def _parse_decl(self, chunk: list[Tok], lexical: list[int]) -> ast.Decl | None:
        try:
            return self._feed(chunk, "decl", lexical)
        except _Failed:
            return None
        except RecursionError:
            self._error(tok_span(chunk[0]), "this declaration is nested too deeply to parse")
            return None

    def _parse_hole(self, hole: HoleRaw) -> ast.Expr:
        """Parse an f-string hole's tokens; a broken hole becomes an empty string literal so
        that the declaration around it is kept."""
        if hole.tokens:
            try:
                return self._feed(list(hole.tokens), "hole", [])
            except _Failed:
                pass
        return ast.Literal("", "", hole.expr_span)

    def _feed(self, chunk: list[Tok], start: str, lexical: list[int]) -> ast.Decl:
        last = chunk[-1]
        eof = Token("$END", "", last.end_pos, last.end_line, last.end_column, last.end_line,
                    last.end_column, last.end_pos)
        try:
            return _run_lalr(self.tables[start], [*chunk, eof])  # type: ignore[return-value]
        except _Stuck as e:
            prev = next((t for t in reversed(chunk[: e.index]) if t.type[0] != "_"), None)
            following = next((t for t in chunk[e.index :] if t.type[0] != "_"), None)
            span, message = explain(e.token, e.expected, e.stack, prev, following)
            # An error right after a lexical error is usually its echo: report only the first.
            stop = following.start_pos if following is not None else last.end_pos
            if not any(chunk[0].start_pos <= at <= stop for at in lexical):
                self._error(span, message)
            raise _Failed from None

    def _error(self, span: Span, message: str) -> None:
        self.ctx.error(span, message)


def _whole(text: str) -> Span:
    lines = text.split("\n")
    return Span(0, len(text), 1, 1, len(lines), len(lines[-1]) + 1)


_DOC = re.compile(r"##\s?")


def _attach_docs(decls: list[ast.Decl], comments: tuple[ast.Comment, ...]) -> list[ast.Decl]:
    """Give each `def` and top-level `let` the `##` lines directly above it (no blank line
    between), with the `## ` prefixes removed."""
    doc_lines = {c.span.line: c for c in comments if c.span.col == 1 and c.text.startswith("##")}
    if not doc_lines:
        return decls
    out: list[ast.Decl] = []
    for decl in decls:
        if isinstance(decl, ast.Def | ast.LetDecl):
            line = decl.span.line - 1
            lines: list[str] = []
            while line in doc_lines:
                lines.append(_DOC.sub("", doc_lines[line].text, count=1))
                line -= 1
            if lines:
                decl = replace(decl, doc="\n".join(reversed(lines)))
        out.append(decl)
    return out


def _dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[int, str]] = set()
    out = []
    for d in diagnostics:
        key = (d.span.start, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def parse(text: str, path: str | None = None) -> ParseResult:
    """Parse a whole file. Never raises: every problem is a diagnostic with code `syntax`."""
    # The parser allocates many small objects and creates no reference cycles worth
    # collecting; pausing the cyclic collector saves about 15% of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Parser(text, path).run()
    except RecursionError:
        return _failure(text, path, "this file is nested too deeply to parse")
    finally:
        if collecting:
            gc.enable()


def _failure(text: str, path: str | None, message: str) -> ParseResult:
    span = Span(0, 0, 1, 1, 1, 1)
    diag = Diagnostic(Severity.ERROR, span, message, "syntax", path)
    return ParseResult(ast.Module((), (), _whole(text)), (diag,))
