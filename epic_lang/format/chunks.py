"""Printing without the proof: declarations to formatted text, one chunk at a time.

The printer builds each declaration's document, `doc.render` lays it out and the `Merger`
puts the comments and blank lines back. A chunk runs from one blank line that separates two
top-level declarations to the next, and its text is what formatting its own text alone gives
(the separating blank line resets every layout rule), so the proof in `formatter.py` can
reparse and reprint each chunk on its own and drop it before the next one is printed:
neither the file's tree nor its document is ever held whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext

from epic_lang.format.comments import Merger
from epic_lang.format.doc import render
from epic_lang.format.printer import Printer
from epic_lang.process_settings import recursion_limit_at_least
from epic_lang.records import record
from epic_lang.syntax import ast


@record(frozen=True, slots=True)
class Mode:
    """Every formatting option, in one place (there are deliberately few)."""

    width: int = 88
    indent: int = 4


DEFAULT_MODE = Mode()


@record(frozen=True, slots=True)
class Chunk:
    """Formatted text, and what it was printed from: the declarations (none for a file of
    comments alone) and the texts of the comments placed in it (without trailing spaces).
    `gap` goes before it in the file: the blank line that separates it from the chunk
    before, nothing for the first."""

    gap: str
    text: str
    decls: tuple[ast.Decl, ...]
    comments: tuple[str, ...]


def print_chunks(
    decls: Iterable[ast.Decl],
    comments: Sequence[ast.Comment],
    source: str | None,
    mode: Mode = DEFAULT_MODE,
    streamed: bool = True,
) -> Iterator[Chunk]:
    """The chunks of a module's text, as its declarations arrive. `source` is the text they
    were parsed from, or None for a tree built by hand (then literals without `raw` and
    string keys are spelled afresh, and there are no comments to place); `comments` may
    grow while `decls` is consumed, as a `ParseStream` lexes on.
    `streamed`: `decls` are parsed as they are consumed, at the caller's recursion limit, so
    the printer's is raised around each declaration's printing; otherwise the caller holds
    `deep_recursion` over the whole call (raising and restoring the limit per declaration
    was about 1% of formatting a large file)."""
    limit = deep_recursion if streamed else nullcontext
    comments = comments if source is not None else ()
    printer = Printer(source, comments)
    merger = Merger(comments, source or "", mode.indent)
    crlf = _uses_crlf(source or "")
    gap = ""
    pending: list[ast.Decl] = []
    for decl in decls:  # parsed (when a stream) at the caller's recursion limit
        with limit():
            lines = render(printer.declaration(decl), mode.width, mode.indent)
        # The chunk that the declaration's first line completes is the one before it.
        done = merger.add(lines)
        if done is not None:
            yield _chunk(gap, done, tuple(pending), crlf, source)
            gap = "\r\n" if crlf else "\n"
            pending.clear()
        pending.append(decl)
    yield _chunk(gap, merger.finish(), tuple(pending), crlf, source)


@contextmanager
def deep_recursion(limit: int = 20000) -> Iterator[None]:
    """The printer recurses once per nesting level of brackets: allow deep (generated) code.
    Not for the parser of the input, which reports what is nested too deeply to parse at
    the interpreter's own limit."""
    with recursion_limit_at_least(limit):
        yield


def _chunk(
    gap: str,
    done: tuple[str, list[str]],
    decls: tuple[ast.Decl, ...],
    crlf: bool,
    source: str | None,
) -> Chunk:
    text, comments = done
    if not gap and source and source.startswith("\ufeff"):
        text = "\ufeff" + text  # kept, as the editor that wrote it expects
    if crlf:
        text = text.replace("\n", "\r\n")
    return Chunk(gap, text, decls, tuple(comments))


def _uses_crlf(source: str) -> bool:
    """Whether the file's first line ends with CRLF: the output then uses it throughout."""
    first_newline = source.find("\n")
    return first_newline > 0 and source[first_newline - 1] == "\r"


def format_module(module: ast.Module, source: str | None, mode: Mode = DEFAULT_MODE) -> str:
    """Print a module without the safety check (`format_source` is the checked entry point)."""
    with deep_recursion():
        chunks = print_chunks(module.decls, module.comments, source, mode, streamed=False)
        return "".join(chunk.gap + chunk.text for chunk in chunks)
