"""`format_source` and `format_range`: the formatter's API, and the safety net around it.

Like black, the formatter proves each result before handing it out: the output must parse, to
a tree equivalent to the input's (spans, comments and literal spelling aside), with the same
comments, and formatting it again must change nothing. If any of that fails it raises
`FormatError` instead of returning text, so a bug in the printer can never cost a user code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from epic_lang.diagnostics import Diagnostic, Severity, has_errors
from epic_lang.format.comments import merge
from epic_lang.format.doc import OutLine, render
from epic_lang.format.equivalence import first_difference, tree_key
from epic_lang.format.printer import Printer, TooDeep
from epic_lang.process_settings import collector_paused, recursion_limit_at_least
from epic_lang.records import record
from epic_lang.source import LineIndex, Span, with_lf_breaks
from epic_lang.syntax import ast
from epic_lang.syntax.parser import ParseStream, parse


@record(frozen=True, slots=True)
class Mode:
    """Every formatting option, in one place (there are deliberately few)."""

    width: int = 88
    indent: int = 4


DEFAULT_MODE = Mode()


class FormatError(Exception):
    """The text was not formatted: it has syntax errors, or the formatter could not prove its
    result equivalent and stable. `diagnostics` say where and why."""

    def __init__(self, message: str, diagnostics: tuple[Diagnostic, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics


def format_module(module: ast.Module, source: str | None, mode: Mode = DEFAULT_MODE) -> str:
    """Print a module without the safety check (`format_source` is the checked entry point).
    `source` is the text it was parsed from, or None for a tree built by hand (then literals
    without `raw` and string keys are spelled afresh, and there are no comments to place)."""
    comments = module.comments if source is not None else ()
    printer = Printer(source, sorted(c.span.start for c in comments))
    # One declaration's document at a time: the line break between two declarations ends
    # every layout measure, so rendering them apart gives the lines of rendering them whole.
    lines: list[OutLine] = []
    for doc in printer.declarations(module):
        lines.extend(render(doc, mode.width, mode.indent))
    if not module.decls:
        lines = render([], mode.width, mode.indent)
    text = merge(lines, comments, source or "", mode.indent)
    if source and source.startswith("\ufeff"):
        text = "\ufeff" + text  # kept, as the editor that wrote it expects
    first_newline = source.find("\n") if source else -1
    if first_newline > 0 and source[first_newline - 1] == "\r":  # type: ignore[index]
        text = text.replace("\n", "\r\n")
    return text


def format_source(text: str, path: str | None = None, mode: Mode = DEFAULT_MODE) -> str:
    """The canonical form of `text`, checked equivalent and stable; raises `FormatError`."""
    text = with_lf_breaks(text)  # a file with lone-CR line breaks comes out with LF ones
    # The parser and printer allocate many small objects and make no cycles worth
    # collecting: the cyclic collector stays paused over the whole run (a collection between
    # two phases walked the whole tree, about 0.3 s per MB), and every tree is freed inside.
    with collector_paused():
        return _format(text, path, mode)


def _format(text: str, path: str | None, mode: Mode) -> str:
    parsed = parse(text, path)
    if has_errors(parsed.diagnostics):
        errors = tuple(d for d in parsed.diagnostics if d.severity is Severity.ERROR)
        raise FormatError("the file has syntax errors; it was not formatted", errors)
    before = _Before(parsed.module)
    del parsed
    return _format_checked(text, before, path, mode)


class _Before:
    """The input's tree while its output is proven: the proof drops each declaration once it
    has been compared with the output's, so that the two trees are never held whole at once
    (together they were twice the peak memory of printing)."""

    def __init__(self, module: ast.Module) -> None:
        self.module: ast.Module | None = module
        self.decls: list[ast.Decl | None] = list(module.decls)
        self.spans = [decl.span for decl in module.decls]
        self.comment_texts = _comment_texts(module)


def _format_checked(text: str, before: _Before, path: str | None, mode: Mode) -> str:
    with _printing():
        try:
            assert before.module is not None
            formatted = format_module(before.module, text, mode)
            # The proof needs the declarations alone.
            before.module = None
            if formatted != text:
                # Text that is already canonical needs no proof: reparsing and reprinting it
                # would repeat the very steps that just produced it (format-on-save of a
                # formatted file, `epic fmt --check` in CI).
                _check(text, before, formatted, path, mode)
        except TooDeep as deep:
            message = "this declaration is nested too deeply to format"
            _refuse(text, before.spans, deep.index, path, message, bug=False)
        except FormatError:
            raise
        except Exception as error:  # noqa: BLE001 - a printer bug must not reach the user
            # as a traceback or, worse, as damaged code: it becomes a refusal.
            _refuse(text, before.spans, None, path, f"internal error ({type(error).__name__})")
    return formatted


@contextmanager
def _printing(limit: int = 20000) -> Iterator[None]:
    """The printer recurses once per nesting level of brackets: allow deep (generated) code."""
    with recursion_limit_at_least(limit):
        yield


def _check(text: str, before: _Before, formatted: str, path: str | None, mode: Mode) -> None:
    stream = ParseStream(formatted, path)
    # The output's declarations are parsed one at a time and each is compared with the
    # input's at once, which is then dropped: peak memory stays near one tree.
    decls = []
    difference: int | None = None
    for index, decl in enumerate(stream.declarations()):
        decls.append(decl)
        if index < len(before.decls):
            if difference is None and tree_key(decl) != tree_key(before.decls[index]):
                difference = index
            before.decls[index] = None
    after = stream.result(decls)
    del decls
    if has_errors(after.diagnostics):
        first = next(d for d in after.diagnostics if d.severity is Severity.ERROR)
        _refuse(
            text,
            before.spans,
            None,
            path,
            f"the formatter produced text that does not parse ({first.message} at "
            f"{first.span.line}:{first.span.col} of its output)",
        )
    if difference is None and len(after.module.decls) != len(before.spans):
        difference = min(len(after.module.decls), len(before.spans))
    if difference is not None:
        _refuse(
            text,
            before.spans,
            difference,
            path,
            "the formatter would change the meaning of this code",
        )
    lost = Counter(before.comment_texts) - Counter(_comment_texts(after.module))
    if lost:
        comment = next(iter(lost))
        _refuse(text, before.spans, None, path, f"the formatter would lose the comment `{comment}`")
    again = format_module(after.module, formatted, mode)
    if again != formatted:
        changed = _first_changed_decl(formatted, again, after.module)
        _refuse(text, before.spans, changed, path, "the formatter's output is not stable")


def _comment_texts(module: ast.Module) -> list[str]:
    return [c.text.rstrip() for c in module.comments]


def _first_changed_decl(formatted: str, again: str, module: ast.Module) -> int | None:
    a, b = formatted.splitlines(), again.splitlines()
    line = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    for i, decl in enumerate(module.decls):
        if decl.span.end_line >= line + 1:
            return i
    return None


def _refuse(
    text: str,
    spans: list[Span],
    index: int | None,
    path: str | None,
    message: str,
    bug: bool = True,
) -> None:
    """Raise the refusal, at declaration `index` (its span in `spans`) or the file's start."""
    span = spans[index] if index is not None and index < len(spans) else LineIndex(text).span(0, 0)
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
