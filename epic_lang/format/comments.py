"""Puts the comments back: the tree has none, so each one is placed again by its position.

A comment goes before the first printed line whose first node starts after it in the source:
a comment that followed code on its line stays at the end of the previous printed line, an
own-line comment becomes a line of its own at the indentation of the line it precedes (or of
the block it ended, when the author indented it deeper than what follows). Comments right
below a top-level declaration with a blank line after them stay with that declaration; the
others go with the next one. Blank lines are decided here too, because they must go around
comments: always one between top-level declarations, the author's (at most one) between the
lines of a block, none elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from epic_lang.format.doc import OutLine
from epic_lang.records import record
from epic_lang.syntax.ast import Comment


@record(frozen=True, slots=True)
class _Placed:
    """A comment with what its placement needs to know about its source line."""

    text: str
    start: int
    col: int
    trailing: bool  # code stands before it on its line


class _Source:
    def __init__(self, text: str) -> None:
        self.text = text

    def blank_before(self, pos: int) -> bool:
        """Whether a blank line separates `pos` from the code or comment before it."""
        text = self.text
        i = pos - 1
        newlines = 0
        while i >= 0 and text[i] in " \t\r\n\f\v":
            if text[i] == "\n":
                newlines += 1
            i -= 1
        return newlines >= 2 and i >= 0

    def trailing(self, pos: int) -> bool:
        line_start = self.text.rfind("\n", 0, pos) + 1
        return self.text[line_start:pos].strip() != ""

    def starts_line(self, pos: int) -> bool:
        """Whether only indentation stands before `pos` on its line."""
        line_start = self.text.rfind("\n", 0, pos) + 1
        return self.text[line_start:pos].strip(" \t\ufeff") == ""

    def line_indent_col(self, pos: int) -> int:
        """The 1-based column of the first character on the line of `pos`."""
        text = self.text
        line_start = text.rfind("\n", 0, pos) + 1
        i = line_start
        while i < len(text) and text[i] in " \t":
            i += 1
        return i - line_start + 1


class _Writer:
    """The output text as lines, with the blank-line rule applied as lines are added. The
    lines before a declaration's separating blank line are final once it is written, so they
    are handed out from there (`take_chunk`) and the writer never holds more than about one
    declaration's lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.last_code = -1  # index of the last code line, where a trailing comment goes
        self.last_has_trailing = False
        # (source column, output indentation) of the code lines so far that begin a source
        # line, for comments that end a block: they line up with the last line at or left of
        # their own column. (A line printed from the middle of a source line, such as an
        # item of exploded brackets, says nothing about the columns of the source.) Only the
        # lines since the last declaration's separator: a top-level declaration starts at
        # column 1, so no comment after it lines up with a line before it.
        self.columns: list[tuple[int, int]] = []
        # (source column, output indentation) of the last code line.
        self.last: tuple[int, int] | None = None
        # The comments written since the last chunk was taken, for the caller's proof.
        self.comments: list[str] = []
        self.chunk: tuple[list[str], list[str]] | None = None

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def separate(self) -> None:
        """The blank line between two top-level declarations: everything above it is final,
        and becomes the chunk that `take_chunk` hands out."""
        assert self.lines and self.lines[-1] != "", "a declaration's lines come before"
        self.chunk = (self.lines, self.comments)
        self.lines, self.comments, self.columns = [], [], []
        self.last_code = -1

    def take_chunk(self) -> tuple[list[str], list[str]] | None:
        chunk, self.chunk = self.chunk, None
        return chunk

    def comment(self, indent: int, text: str) -> None:
        self.lines.append(" " * indent + text)
        self.comments.append(text)

    def indent_for_column(self, col: int) -> int:
        for source_col, indent in reversed(self.columns):
            if source_col <= col:
                return indent
        return 0

    def code(self, line: OutLine, source_col: int | None, starts_line: bool) -> None:
        if line.verbatim:
            text = line.text
        else:
            text = " " * line.indent + line.text
            if not line.string_starts:
                text = text.rstrip()
        self.lines.append(text)
        self.last_code = len(self.lines) - 1
        self.last_has_trailing = False
        if source_col is not None:
            self.last = (source_col, line.indent)
            if starts_line:
                self.columns.append(self.last)

    def attach(self, text: str) -> bool:
        """Put a trailing comment at the end of the last code line, if it has none yet."""
        i = self.last_code
        if i < 0 or self.last_has_trailing or i != len(self.lines) - 1:
            return False
        self.lines[i] = self.lines[i].rstrip() + "  " + text
        self.comments.append(text)
        self.last_has_trailing = True
        return True


class Merger:
    """Puts the comments and blank lines of one file back between its printed lines, as the
    lines of each declaration arrive, and hands the text out in chunks: the lines from one
    blank line that separates two top-level declarations to the next. A chunk is the
    formatted text of its declarations on its own (nothing before it changes how it is
    laid out), so the caller can prove and drop it before the next one is printed.

    `comments` are the file's comments in source order; the list may grow between calls
    (the lexer appends them as it goes), as long as every comment before a line's anchor is
    in it when the line arrives."""

    def __init__(self, comments: Sequence[Comment], source: str, indent_size: int) -> None:
        self.comments = comments
        self.src = _Source(source)
        self.bom = source.startswith("\ufeff")  # it takes no column
        self.indent_size = indent_size
        self.out = _Writer()
        self.placed = 0  # how many of `comments` have been written

    def _comments_before(self, end: int) -> list[_Placed]:
        """The comments not yet written that start before `end`."""
        comments, src = self.comments, self.src
        group = []
        while self.placed < len(comments) and comments[self.placed].span.start < end:
            c = comments[self.placed]
            col = c.span.col - (1 if self.bom and c.span.line == 1 else 0)
            group.append(_Placed(c.text.rstrip(), c.span.start, col, src.trailing(c.span.start)))
            self.placed += 1
        return group

    def add(self, lines: list[OutLine]) -> tuple[str, list[str]] | None:
        """Merge the lines of the next declaration; a chunk (its text and the comments in
        it) if one was completed."""
        out, src = self.out, self.src
        for line in lines:
            if not line.parts and not line.verbatim and line.anchor is None:
                continue  # the one empty line of an empty document
            group = [] if line.anchor is None else self._comments_before(line.anchor)
            _emit_before(out, group, line, src, self.indent_size)
            if line.anchor is None:
                out.code(line, None, False)
            else:
                col = src.line_indent_col(line.anchor)
                out.code(line, col, src.starts_line(line.anchor))
        return _joined(out.take_chunk())

    def finish(self) -> tuple[str, list[str]]:
        """The last chunk: the rest of the text, with the comments after the last line."""
        out, rest = self.out, self._comments_before(len(self.src.text) + 1)
        _emit_before(out, rest, None, self.src, self.indent_size)
        while out.lines and out.lines[-1] == "":
            out.lines.pop()
        chunk = _joined((out.lines, out.comments))
        assert chunk is not None
        return chunk


def _joined(chunk: tuple[list[str], list[str]] | None) -> tuple[str, list[str]] | None:
    if chunk is None:
        return None
    lines, comments = chunk
    return ("\n".join(lines) + "\n" if lines else "", comments)


def _emit_before(
    out: _Writer, group: list[_Placed], line: OutLine | None, src: _Source, indent_size: int
) -> None:
    """Write the comments that come before `line` (None: the end of the file), then the blank
    line that `line` needs."""
    kind = line.kind if line is not None else "author"
    spaced = kind in ("author", "force")
    rest = list(group)
    if rest and rest[0].trailing and out.attach(rest[0].text):
        rest.pop(0)
    # Where the code dedents, comments indented deeper than the line that follows them end
    # the block above.
    if line is None:
        next_col = 1
    elif line.anchor is not None:
        next_col = src.line_indent_col(line.anchor)
    else:
        next_col = 10**9
    closer = line is not None and line.kind == "closer"
    # A dedent in the source that the output keeps (a line dedented inside brackets is
    # indented again there, and a comment before it goes with it).
    next_indent = 0 if line is None else line.indent
    dedent = out.last is not None and next_col < out.last[0] and next_indent < out.last[1]
    while rest and not closer and dedent and rest[0].col > next_col:
        comment = rest.pop(0)
        if spaced and src.blank_before(comment.start):
            out.blank()
        out.comment(out.indent_for_column(comment.col), comment.text)
    indent = 0 if line is None else line.indent + (indent_size if closer else 0)
    if kind == "force":
        # Comments right below a declaration, with a blank line after them, stay with it
        # (`# expect:` lines in tests); the rest go with the next declaration, after the
        # blank line that separates the two.
        below = 0
        while below < len(rest) and not src.blank_before(rest[below].start):
            below += 1
        if below == len(rest) and not src.blank_before(line.anchor):  # type: ignore[union-attr,arg-type]
            below = 0
        for comment in rest[:below]:
            out.comment(indent, comment.text)
        rest = rest[below:]
        out.separate()
    for i, comment in enumerate(rest):
        if spaced and (i or kind == "author") and src.blank_before(comment.start):
            out.blank()
        out.comment(indent, comment.text)
    anchor = None if line is None else line.anchor
    if anchor is not None and spaced and (rest or kind == "author") and src.blank_before(anchor):
        out.blank()
    elif rest and indent == 0 and rest[-1].text.startswith("##") and rest[-1].col != 1:
        # A `##` line that was indented is no doc comment; in column 1 right above a
        # declaration it would become one, so a blank line keeps it apart.
        out.blank()
