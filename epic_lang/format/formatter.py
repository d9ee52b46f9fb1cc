"""`format_source` and `format_range`: the formatter's API, and the safety net around it.

Like black, the formatter proves each result before handing it out: the output must parse, to
a tree equivalent to the input's (spans, comments and literal spelling aside), with the same
comments, and formatting it again must change nothing. If any of that fails it raises
`FormatError` instead of returning text, so a bug in the printer can never cost a user code.

It streams: the input is parsed one declaration at a time, printed in chunks (`chunks.py`),
and each chunk is proven on its own and its trees dropped before the next is parsed, so that
a large file costs about its text in memory rather than its syntax tree.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from epic_lang.diagnostics import Diagnostic, Severity, has_errors
from epic_lang.format.chunks import (
    DEFAULT_MODE,
    Chunk,
    Mode,
    deep_recursion,
    format_module,
    print_chunks,
)
from epic_lang.format.equivalence import equivalent, first_difference
from epic_lang.format.printer import TooDeep
from epic_lang.process_settings import collector_paused
from epic_lang.source import LineIndex, Span, with_lf_breaks
from epic_lang.syntax import ast
from epic_lang.syntax.parser import ParseStream, parse

__all__ = ["DEFAULT_MODE", "FormatError", "Mode", "format_module", "format_range", "format_source"]


class FormatError(Exception):
    """The text was not formatted: it has syntax errors, or the formatter could not prove its
    result equivalent and stable. `diagnostics` say where and why."""

    def __init__(self, message: str, diagnostics: tuple[Diagnostic, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics


def format_source(text: str, path: str | None = None, mode: Mode = DEFAULT_MODE) -> str:
    """The canonical form of `text`, checked equivalent and stable; raises `FormatError`."""
    text = with_lf_breaks(text)  # a file with lone-CR line breaks comes out with LF ones
    # The parser and printer allocate many small objects and make no cycles worth
    # collecting: the cyclic collector stays paused over the whole run (a collection between
    # two phases walked the whole tree, about 0.3 s per MB), and every tree is freed inside.
    with collector_paused():
        return "".join(_format(text, path, mode))


# The output is proven in runs of chunks of about this many characters: one parse and one
# printer per run rather than per declaration, and a run's trees weigh little beside the
# file's.
_RUN = 8_000


def _format(text: str, path: str | None, mode: Mode) -> list[str]:
    stream = ParseStream(text, path)
    decls = stream.declarations()
    first = next(decls, None)  # the lexer's comments exist from here on
    pieces: list[str] = []
    proof = _Proof(text, path, mode)
    try:
        everything = chain([] if first is None else [first], decls)
        for chunk in print_chunks(everything, stream.comments, text, mode):
            proof.check(chunk)
            pieces.extend((chunk.gap, chunk.text))
        proof.finish()
    except Exception as error:
        # A syntax error further on is the real reason, and the one to report.
        for _ in decls:
            pass
        _raise_syntax_errors(stream)
        if isinstance(error, FormatError):
            raise
        if isinstance(error, TooDeep):
            message = "this declaration is nested too deeply to format"
            _refuse(text, error.span, path, message, bug=False)
        # A printer bug must not reach the user as a traceback or, worse, as damaged
        # code: it becomes a refusal.
        _refuse(text, None, path, f"internal error ({type(error).__name__})")
    _raise_syntax_errors(stream)
    return pieces


def _raise_syntax_errors(stream: ParseStream) -> None:
    """Refuse a text with syntax errors (`stream` exhausted), with every error."""
    diagnostics = stream.result([]).diagnostics
    if has_errors(diagnostics):
        errors = tuple(d for d in diagnostics if d.severity is Severity.ERROR)
        raise FormatError("the file has syntax errors; it was not formatted", errors)


_CHANGED_MEANING = "the formatter would change the meaning of this code"


class _Proof:
    """Proves the output as its chunks come, a run of them at a time. Text that is already
    canonical needs no proof: reparsing and reprinting it would repeat the very steps that
    just produced it (format-on-save of a formatted file, `epic fmt --check` in CI), so
    chunks are proven from the first one that differs from the input on."""

    def __init__(self, text: str, path: str | None, mode: Mode) -> None:
        self.text = text
        self.path = path
        self.mode = mode
        self.same_until: int | None = 0  # where the output so far ends in the input
        self.lines = 0  # the output's lines so far, for messages
        self.run: list[Chunk] = []  # not yet proven
        self.run_size = 0
        self.run_line = 0  # the output's lines before the run

    def check(self, chunk: Chunk) -> None:
        piece = chunk.gap + chunk.text
        if self.same_until is not None and self.text.startswith(piece, self.same_until):
            self.same_until += len(piece)
        else:
            self.same_until = None
            if not self.run:
                self.run_line = self.lines + chunk.gap.count("\n")
            self.run.append(chunk)
            self.run_size += len(piece)
            if self.run_size >= _RUN:
                self.finish()
        self.lines += piece.count("\n")

    def finish(self) -> None:
        """Prove the chunks not yet proven."""
        if self.run:
            with deep_recursion():
                self._prove(self.run)
            self.run = []
            self.run_size = 0

    def _prove(self, run: list[Chunk]) -> None:
        """The chunks of `run` (consecutive in the output) parse, as one text, to their
        declarations with their comments, and print again to the same text."""
        text = run[0].text + "".join(chunk.gap + chunk.text for chunk in run[1:])
        result = parse(text, self.path)
        decls = [decl for chunk in run for decl in chunk.decls]
        spans = [decl.span for decl in decls]
        if has_errors(result.diagnostics):
            error = next(d for d in result.diagnostics if d.severity is Severity.ERROR)
            self._refuse(
                spans[0] if spans else None,
                f"the formatter produced text that does not parse ({error.message} at "
                f"{error.span.line + self.run_line}:{error.span.col} of its output)",
            )
        after = result.module
        for before, printed in zip(decls, after.decls, strict=False):
            if not equivalent(before, printed):
                self._refuse(before.span, _CHANGED_MEANING)
        if len(after.decls) != len(spans):
            self._refuse(_at(spans, len(after.decls)), _CHANGED_MEANING)
        comments = [comment for chunk in run for comment in chunk.comments]
        lost = Counter(comments) - Counter(_comment_texts(after))
        if lost:
            self._refuse(None, f"the formatter would lose the comment `{next(iter(lost))}`")
        again = format_module(after, text, self.mode)
        if again != text:
            changed = _first_changed_decl(text, again, after)
            self._refuse(_at(spans, changed), "the formatter's output is not stable")

    def _refuse(self, span: Span | None, message: str) -> None:
        _refuse(self.text, span, self.path, message)


def _at(spans: list[Span], index: int | None) -> Span | None:
    return spans[index] if index is not None and index < len(spans) else None


def _comment_texts(module: ast.Module) -> list[str]:
    return [c.text.rstrip() for c in module.comments]


def _first_changed_decl(formatted: str, again: str, module: ast.Module) -> int | None:
    a, b = formatted.splitlines(), again.splitlines()
    line = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    for i, decl in enumerate(module.decls):
        if decl.span.end_line >= line + 1:
            return i
    return None


def _refuse(text: str, span: Span | None, path: str | None, message: str, bug: bool = True) -> None:
    """Raise the refusal, at `span` (a declaration of the input) or the file's start."""
    if span is None:
        span = LineIndex(text).span(0, 0)
    sentence = f"{message}; the file was left unchanged"
    if bug:
        sentence += " (please report this as a bug)"
    diagnostic = Diagnostic(Severity.ERROR, span, sentence, "format-unsafe", path)
    raise FormatError(sentence, (diagnostic,))


def format_range(
    text: str, start: int, end: int, mode: Mode = DEFAULT_MODE
) -> list[tuple[int, int, str]]:
    """Replacements `(start, end, new_text)` in `text` that format every top-level declaration
    overlapping `[start, end)`, leaving the rest of the file as it is. Raises `FormatError`
    like `format_source`."""
    text = with_lf_breaks(text)  # offsets unchanged, so the edits apply to the caller's text
    formatted = format_source(text, mode=mode)
    if formatted == text:
        return []
    before = parse(text).module
    after = parse(formatted).module
    chosen = [
        i
        for i, decl in enumerate(before.decls)
        if decl.span.start <= end and start <= _line_end(text, decl.span.end)
    ]
    edits = []
    for i in chosen:
        old = _decl_region(text, before.decls[i])
        new = _decl_region(formatted, after.decls[i])
        if text[old[0] : old[1]] != formatted[new[0] : new[1]]:
            edits.append((old[0], old[1], formatted[new[0] : new[1]]))
    if edits and not _edits_safe(text, before, edits):
        # The declarations' own lines could not be formatted apart from their surroundings
        # (a comment moved across a boundary): format the whole file instead.
        return [(0, len(text), formatted)]
    return edits


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _decl_region(text: str, decl: ast.Decl) -> tuple[int, int]:
    """From the start of the declaration's first line to the end of its last line (so a
    trailing comment is included, the newline is not)."""
    start = text.rfind("\n", 0, decl.span.start) + 1
    end = _line_end(text, decl.span.end)
    if end > start and text[end - 1] == "\r":
        end -= 1
    return start, end


def _edits_safe(text: str, before: ast.Module, edits: list[tuple[int, int, str]]) -> bool:
    new = text
    for s, e, replacement in sorted(edits, reverse=True):
        new = new[:s] + replacement + new[e:]
    result = parse(new)
    if has_errors(result.diagnostics) or first_difference(before, result.module) is not None:
        return False
    return Counter(_comment_texts(before)) == Counter(_comment_texts(result.module))
