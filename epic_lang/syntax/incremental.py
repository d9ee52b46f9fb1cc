"""Re-parsing after an edit at the cost of the declarations that changed, not of the file.

The full parser already works declaration by declaration: at a line that starts in column 0
with `def`, `let` or `import`, the lexer closes what is open and the parser starts afresh
(see parser.py). So the text is cut there into chunks (a chunk takes the column-0 comment lines
directly above its declaration, so that its `##` doc stays with it), each chunk is parsed on
its own, and the result is cached by the chunk's text. A chunk met again at another place in
the file is reused by shifting the offsets and lines of its nodes, comments and diagnostics.
The first version is parsed whole (faster than chunk by chunk) and, if it has no errors, cut
into chunks afterwards to fill the cache.

The result is equal to `parse(text)` for every text (tests/syntax/test_incremental.py). A cut
is only trusted where the chunk above ends as the lexer ends a file: when it ends inside a
string, with a bracket open, or on a code line that gave no token, it is parsed together with
the next chunk instead. A chunk with syntax errors is parsed where it is, not shifted, because
its messages may name a line (`expected ) to close the ( at 3:5`).
"""

from __future__ import annotations

import contextlib
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

from epic_lang.diagnostics import Diagnostic, Fix, TextEdit
from epic_lang.process_settings import collector_paused
from epic_lang.source import NO_SPAN, Span, with_lf_breaks
from epic_lang.syntax import ast
from epic_lang.syntax.lexer import _TRIPLE_BODY, Tok, tokenize
from epic_lang.syntax.parser import ParseResult, dedupe, parse

# Where the full lexer starts a new top-level declaration: `def`/`let`/`import` in column 0.
_DECL_LINE = re.compile(r"^(?:def|let|import)(?!\w)", re.MULTILINE)
_DECL_AFTER = re.compile(r"\n(?:def|let|import)(?!\w)")
_TRIPLE_QUOTES = ('"""', "'''")
_CLOSERS = {"RPAR", "RSQB", "RBRACE"}

Shift = Callable[[object, int, int], object]


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One chunk's parse, with spans as if the chunk started at `offset` on `line`."""

    text: str
    offset: int
    line: int
    decls: tuple[ast.Decl, ...]
    comments: tuple[ast.Comment, ...]
    diagnostics: tuple[Diagnostic, ...]
    # The next chunk cannot be parsed on its own (see `_ends_open`).
    open_end: bool

    def at(self, offset: int, line: int) -> _Chunk:
        """The same parse placed at `offset` and `line`."""
        if offset == self.offset and line == self.line:
            return self
        d, n = offset - self.offset, line - self.line
        return _Chunk(
            self.text,
            offset,
            line,
            _shift_tuple(self.decls, d, n),  # type: ignore[arg-type]
            _shift_tuple(self.comments, d, n),  # type: ignore[arg-type]
            _shift_tuple(self.diagnostics, d, n),  # type: ignore[arg-type]
            self.open_end,
        )


class IncrementalParser:
    """`parse(text)` for successive versions of one document, re-using the parse of every
    chunk whose text did not change. One instance per open document."""

    def __init__(self, path: str | None = None, *, repair: bool = False) -> None:
        self.path = path
        self.repair = repair
        self._cache: dict[str, _Chunk] = {}
        self._first = True

    def parse(self, text: str) -> ParseResult:
        with collector_paused():
            return self._parse(text)

    def _parse(self, text: str) -> ParseResult:
        text = with_lf_breaks(text)  # as the lexer does: offsets unchanged, lines end at LF
        starts = _chunk_starts(text)
        if self._first:
            # The first version: one full parse is faster than parsing chunk by chunk; when
            # it has no errors its declarations are also the parses of its chunks.
            self._first = False
            result = parse(text, self.path, repair=self.repair)
            if not result.diagnostics:
                self._cache = _split(text, starts, result.module)
            return result
        cache: dict[str, _Chunk] = {}
        decls: list[ast.Decl] = []
        comments: list[ast.Comment] = []
        diagnostics: list[Diagnostic] = []
        line = 1
        k = 0
        while k < len(starts):
            start = starts[k]
            k += 1
            while True:
                end = starts[k] if k < len(starts) else len(text)
                chunk = self._chunk(text[start:end], start, line)
                if chunk is None:
                    return parse(text, self.path, repair=self.repair)
                if not chunk.open_end or k == len(starts):
                    break
                k += 1  # parse it together with the next chunk
            cache[chunk.text] = chunk
            decls += chunk.decls
            comments += chunk.comments
            diagnostics += chunk.diagnostics
            line += chunk.text.count("\n")
        self._cache = cache
        diagnostics.sort(key=lambda d: (d.span.start, d.span.end))
        module = ast.Module(tuple(decls), tuple(comments), _whole(text))
        return ParseResult(module, tuple(dedupe(diagnostics)))

    def _chunk(self, text: str, offset: int, line: int) -> _Chunk | None:
        """The chunk `text` placed at `offset`/`line`; None when the parser gave up on it as a
        whole (then only a full parse tells what the file's result is)."""
        cached = self._cache.get(text)
        if cached is not None and (not cached.diagnostics or cached.line == line):
            with contextlib.suppress(RecursionError):  # a tree too deep to walk: parse it
                return cached.at(offset, line)
        elif cached is None:
            result = parse(text, self.path, repair=self.repair)
            if not result.diagnostics or offset == 0:
                chunk = self._make(text, 0, 1, result)
                with contextlib.suppress(RecursionError):
                    return chunk and chunk.at(offset, line)
        # Error messages may name a line (`... the ( at 3:5`): a chunk with errors is parsed
        # where it is, behind a filler comment and blank lines, rather than shifted.
        filler = "\n" * (line - 1)
        if offset > len(filler):
            filler = "#" + "-" * (offset - len(filler) - 1) + filler
        result = parse(filler + text, self.path, repair=self.repair)
        if filler.startswith("#"):
            module = result.module
            result = replace(result, module=replace(module, comments=module.comments[1:]))
        return self._make(text, offset, line, result)

    @staticmethod
    def _make(text: str, offset: int, line: int, result: ParseResult) -> _Chunk | None:
        if _gave_up(result):
            return None
        module = result.module
        return _Chunk(
            text,
            offset,
            line,
            module.decls,
            module.comments,
            result.diagnostics,
            _ends_open(text, result, line),
        )


def _split(text: str, starts: list[int], module: ast.Module) -> dict[str, _Chunk]:
    """The chunks of an error-free parse, as the cache of the next one. A declaration that
    runs past its chunk (a string over a declaration line) leaves both chunks out, and so
    does a chunk whose end the lexer does not read like the end of a file."""
    bounds = [*starts, len(text)]
    decls: list[list[ast.Decl]] = [[] for _ in starts]
    comments: list[list[ast.Comment]] = [[] for _ in starts]
    crossed: set[int] = set()
    for decl in module.decls:
        k = bisect_right(starts, decl.span.start) - 1
        decls[k].append(decl)
        last = bisect_right(starts, max(decl.span.end - 1, decl.span.start)) - 1
        crossed.update(range(k, last + 1) if last > k else ())
    for comment in module.comments:
        comments[bisect_right(starts, comment.span.start) - 1].append(comment)
    cache: dict[str, _Chunk] = {}
    line = 1
    for k, start in enumerate(starts):
        chunk_text = text[start : bounds[k + 1]]
        parsed = ParseResult(ast.Module(tuple(decls[k]), tuple(comments[k]), NO_SPAN), ())
        if k not in crossed and not _ends_open(chunk_text, parsed, line):
            cache[chunk_text] = _Chunk(
                chunk_text, start, line, parsed.module.decls, parsed.module.comments, (), False
            )
        line += chunk_text.count("\n")
    return cache


def _chunk_starts(text: str) -> list[int]:
    """Offsets where chunks begin: 0, and each column-0 declaration line, moved up over the
    column-0 comment lines directly above it."""
    starts = [0]
    for m in _DECL_LINE.finditer(text):
        at = m.start()
        while at > starts[-1]:
            above = text.rfind("\n", 0, at - 1) + 1
            if text[above] != "#" or above < starts[-1]:
                break
            at = above
        if at > starts[-1]:
            starts.append(at)
    return starts


def _ends_open(text: str, result: ParseResult, base_line: int) -> bool:
    """Would the full lexer read on from this chunk into the next one differently from a
    fresh start? It does when the chunk ends inside a string or with a bracket open, and when
    its last code line gave no token (the full lexer then ends that line twice)."""
    last_line = _last_code_line(text)
    if not result.diagnostics:
        decls = result.module.decls
        return last_line > (decls[-1].span.end_line - base_line + 1 if decls else 0)
    tokens = tokenize(text).tokens
    for tok in tokens:
        kind = tok.type
        if (kind == "STRING" or kind == "FSTRING") and _string_open(text, tok):
            return True
    for tok in reversed(tokens):
        if tok.type[0] != "_":
            closed_by_lexer = tok.type in _CLOSERS and tok.start_pos == tok.end_pos
            return closed_by_lexer or last_line > tok.end_line
    return last_line > 0


def _string_open(text: str, tok: Tok) -> bool:
    """Might the full lexer read this string token on past where it ends here? Yes when it
    reaches the chunk's end, and for a triple-quoted one that is not closed (the lexer then
    ends it before the next declaration line; an f-string's holes are even scanned to the end
    of the text, so any f-string ending just before a declaration line is suspect)."""
    if tok.end_pos >= len(text):
        return True
    value = tok.value
    if tok.type == "FSTRING":
        return value[1:4] in _TRIPLE_QUOTES and _DECL_AFTER.match(text, tok.end_pos) is not None
    quote = value[:3]
    if quote not in _TRIPLE_QUOTES:
        return False
    closed = len(value) >= 6 and value.endswith(quote)
    return not (closed and _TRIPLE_BODY[quote].fullmatch(value, 3, len(value) - 3))


def _last_code_line(text: str) -> int:
    """The 1-based number of the chunk's last line that is neither blank nor a comment, as
    the lexer's layout sees lines; 0 if there is none."""
    lines = text.split("\n")
    for k in range(len(lines) - 1, -1, -1):
        rest = lines[k].lstrip(" \t\f")
        if rest and rest != "\r" and rest[0] != "#":
            return k + 1
    return 0


def _gave_up(result: ParseResult) -> bool:
    """The shape of the parser's whole-file failure result (nesting too deep, internal
    error). A false alarm only costs a full parse."""
    diags = result.diagnostics
    return (
        not result.module.decls
        and len(diags) == 1
        and diags[0].span.start == 0
        and diags[0].span.end == 0
    )


def _whole(text: str) -> Span:
    lines = text.split("\n")
    return Span(0, len(text), 1, 1, len(lines), len(lines[-1]) + 1)


# -- shifting spans -------------------------------------------------------------------------
# A generic walk over the frozen dataclasses of ast.py (and Diagnostic): each class gets a
# generated function that copies it field by field, shifting what holds spans. It is the hot
# loop of a re-parse (every declaration below an edit moves), hence the generated code: spans
# are built inline, and fields whose annotation says they hold no node are copied as they are.

_new = object.__new__
_SHIFTERS: dict[type, Shift] = {}
# Annotations (as written in ast.py and diagnostics.py) of fields that never hold a span.
_PLAIN = {
    "str", "str | None", "bool", "None | bool | int | float | str", "Severity",
    "CompareOp", "BinaryOp", 'TLiteral["and", "or"]', "TLiteral['and', 'or']",
}  # fmt: skip


def _span_code(value: str, target: str) -> list[str]:
    """Statements that set `target` to a copy of the span `value` shifted by d and n."""
    return [f"    {target} = {value}.shifted(d, n)"]


def _shift_tuple(items: tuple[object, ...], d: int, n: int) -> tuple[object, ...]:
    get = _SHIFTERS.get
    return tuple([x if (shift := get(type(x))) is None else shift(x, d, n) for x in items])


def _compile(name: str, lines: list[str], env: dict[str, object]) -> Shift:
    env.update(new=_new, get=_SHIFTERS.get)
    exec("\n".join(lines), env)  # noqa: S102 - generated from dataclass fields, see below
    return env[name]  # type: ignore[return-value]


def _span_shifter() -> Shift:
    return _compile("shift", ["def shift(o, d, n):", *_span_code("o", "x"), "    return x"], {})


def _shifter(cls: type) -> Shift:
    """A function copying one `cls` node with every span in it shifted."""
    env: dict[str, object] = {"cls": cls}
    body = ["def shift(o, d, n):", "    x = new(cls)"]
    for i, f in enumerate(fields(cls)):
        env[f"set{i}"] = cls.__dict__[f.name].__set__
        if f.type == "Span":
            body += _span_code(f"o.{f.name}", "s")
            body.append(f"    set{i}(x, s)")
        elif f.type in _PLAIN:
            body.append(f"    set{i}(x, o.{f.name})")
        else:
            body += [
                f"    v = o.{f.name}",
                "    s = get(type(v))",
                f"    set{i}(x, v if s is None else s(v, d, n))",
            ]
    body.append("    return x")
    return _compile("shift", body, env)


def _register() -> None:
    _SHIFTERS[Span] = _span_shifter()
    _SHIFTERS[tuple] = _shift_tuple  # type: ignore[assignment]
    for value in vars(ast).values():
        if isinstance(value, type) and value.__module__ == ast.__name__:
            _SHIFTERS[value] = _shifter(value)
    for cls in (Diagnostic, Fix, TextEdit):
        _SHIFTERS[cls] = _shifter(cls)


_register()
