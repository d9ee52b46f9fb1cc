"""The layout language of the formatter: documents of text, groups and line breaks, printed to
the narrowest layout that fits the width (Wadler's "prettier printer", as prettier does it).

The printer in `printer.py` says *what may break*; this module alone decides *what does break*.
A group prints flat when all of it fits on the rest of the line, and broken otherwise; a
`Body` (what follows `=` or `=>`) tries its layouts in order. The output is a list of
`OutLine`s, each remembering the source offset of the first node printed on it (its anchor),
so that `comments.py` can put the comments, which are not in the tree, back between the right
lines.
"""

from __future__ import annotations

from typing import Union

from epic_lang.records import field, record

# A document is a string, a list of documents, or one of the classes below.
Doc = Union[str, list, "Group", "Body", "Flat", "Indent", "Break", "IfBreak", "Anchor"]


@record(frozen=True, slots=True)
class Group:
    """Prints flat if the whole contents fit, else broken; `broken` forces the broken form
    (a comment inside, or an author's trailing comma)."""

    contents: Doc
    broken: bool = False


@record(frozen=True, slots=True)
class Body:
    """`= value` of a definition or `=> body` of a function or case, in the first layout that
    works: all on this line; as an indented block of one flat line; with a bracket opening on
    this line (`hug`: the value's layout for that, when it ends with a bracket); as an indented
    block.
    `hug_first` prefers hugging to the one-line block (for collections and functions); an
    `atom` (a name, a long string) cannot break, so it moves to its own line only if it then
    fits. `broken` forces the indented block (a comment follows the `=`)."""

    sep: str
    inline: Doc
    own_line: Doc
    hug: Doc | None
    hug_first: bool = False
    atom: bool = False
    broken: bool = False


@record(frozen=True, slots=True)
class Flat:
    """Contents printed flat whatever the mode (the operators before a hugged bracket)."""

    contents: Doc


@record(frozen=True, slots=True)
class Indent:
    """Lines broken inside `contents` start one indentation level deeper."""

    contents: Doc


@record(frozen=True, slots=True)
class Break:
    """A line break; when its group is flat it prints `flat` instead (a space or nothing)."""

    flat: str = " "
    hard: bool = False


@record(frozen=True, slots=True)
class IfBreak:
    """Text that depends on the enclosing group's mode (the trailing comma of exploded brackets)."""

    broken: str
    flat: str = ""


@record(frozen=True, slots=True)
class Anchor:
    """Marks the source offset of what follows. `kind` says how the line that this anchor
    starts may be separated from the line above: `node` (an ordinary line), `closer` (a closing
    bracket: comments before it belong inside the brackets), and for items of a sequence
    `none` (no blank line), `author` (a blank line where the author had one) or `force`
    (always a blank line: between top-level declarations)."""

    offset: int
    kind: str = "node"


LINE = Break(" ")
SOFTLINE = Break("")
HARDLINE = Break("", hard=True)

_FLAT = 0
_BREAK = 1


@record(slots=True)
class OutLine:
    """One printed line. `verbatim` lines continue a multi-line string: they are printed as
    they are, never indented, trimmed or given an anchor (a comment must not land in a string)."""

    indent: int
    parts: list[str] = field(default_factory=list)
    anchor: int | None = None
    kind: str = "node"
    verbatim: bool = False
    string_starts: bool = False  # a multi-line string starts on it: keep its trailing spaces

    @property
    def text(self) -> str:
        return "".join(self.parts)


def render(doc: Doc, width: int, indent_size: int) -> list[OutLine]:
    """Print `doc` into lines of at most `width` columns where the layout choices allow."""
    lines = [OutLine(0)]
    line = lines[0]
    pos = 0
    # What is left to print, each with its indentation. All of it is in broken mode: a group
    # that goes flat is printed at once, whole (`_emit_flat`).
    cmds: list[tuple[int, Doc]] = [(0, doc)]
    pop, push = cmds.pop, cmds.append
    widths: Widths = {}
    # Tests by exact class (`type(d) is ...`), most frequent first: this loop and `_fits`
    # are most of the formatter's time on a large file.
    while cmds:
        ind, d = pop()
        if type(d) is str:
            if "\n" in d:
                pieces = d.replace("\r\n", "\n").split("\n")
                line.parts.append(pieces[0])
                line.string_starts = True
                for piece in pieces[1:]:
                    line = OutLine(0, [piece], verbatim=True)
                    lines.append(line)
                pos = len(pieces[-1])
            elif d:
                line.parts.append(d)
                pos += len(d)
        elif type(d) is list:
            cmds.extend([(ind, x) for x in reversed(d)])
        elif type(d) is Anchor:
            if line.anchor is None and not line.verbatim:
                line.anchor = d.offset
                line.kind = d.kind
        elif type(d) is Break:
            line = OutLine(ind)
            lines.append(line)
            pos = ind
        elif type(d) is Group:
            if not d.broken and _fits_flat(d, cmds, width - pos, widths):
                pos += _emit_flat(d.contents, line)
            else:
                push((ind, d.contents))
        elif type(d) is Indent:
            push((ind + indent_size, d.contents))
        elif type(d) is IfBreak:
            if d.broken:
                line.parts.append(d.broken)
                pos += len(d.broken)
        elif type(d) is Flat:
            pos += _emit_flat(d.contents, line)
        elif type(d) is Body:
            push((ind, _body_layout(d, ind, pos, cmds, width, indent_size, widths)))
        else:
            raise TypeError(f"not a document: {d!r}")
    return lines


def _emit_flat(d: Doc, line: OutLine) -> int:
    """Print `d` flat at the end of `line`, giving the columns it took: what `render` does in
    flat mode, without its stack of modes and indentations (most of a file is printed flat).
    Only for a document that can be flat (no hard break, group that must break or
    multi-line string), as one chosen flat or `Flat` is."""
    parts = line.parts
    taken = 0
    stack = [d]
    pop, push = stack.pop, stack.append
    while stack:
        x = pop()
        if type(x) is str:
            if x:
                parts.append(x)
                taken += len(x)
        elif type(x) is list:
            stack.extend(reversed(x))
        elif type(x) is Anchor:
            if line.anchor is None and not line.verbatim:
                line.anchor = x.offset
                line.kind = x.kind
        elif type(x) is Break:
            if x.flat:
                parts.append(x.flat)
                taken += len(x.flat)
        elif type(x) is Group or type(x) is Indent or type(x) is Flat:
            push(x.contents)
        elif type(x) is IfBreak:
            if x.flat:
                parts.append(x.flat)
                taken += len(x.flat)
        elif type(x) is Body:
            push(x.inline)
            push(" ")
            push(x.sep)
        else:
            raise TypeError(f"not a document: {x!r}")
    return taken


def _body_layout(
    d: Body,
    ind: int,
    pos: int,
    cmds: list[tuple[int, Doc]],
    width: int,
    indent_size: int,
    widths: Widths,
) -> Doc:
    inline = [d.sep, " ", d.inline]
    block = [d.sep, Indent([HARDLINE, d.own_line])]
    if d.broken:
        return block
    if _fits_flat(d, cmds, width - pos, widths):
        return Flat(inline)
    inner = ind + indent_size
    one_line = _fits_flat(d.own_line, cmds, width - inner, widths)
    if one_line and not (d.hug is not None and d.hug_first):
        return block
    if d.hug is not None:
        hug = [d.sep, " ", d.hug]
        if _fits((_BREAK, hug), cmds, width - pos, False):
            return hug
    return inline if d.atom else block


# The width of a document that cannot be printed flat (a hard break, a group that must break,
# a multi-line string): larger than any room, also when added to.
_NEVER_FLAT = 1 << 60

# Widths measured during one render, by `id` of the group or body; each is kept with its
# width so that its `id` is not reused meanwhile.
Widths = dict[int, tuple[Doc, int]]


def _fits_flat(doc: Doc, rest: list[tuple[int, Doc]], room: int, widths: Widths) -> bool:
    """`_fits((_FLAT, doc), rest, room, True)`, with the flat width of every group and
    body in `doc` measured once per render: a document offered in several layouts, or
    inside groups that broke, was measured again for each (30% of printing time)."""
    try:
        w = _flat_width(doc, widths)
    except RecursionError:  # deeper than this interpreter's limit: measure it as it goes
        return _fits((_FLAT, doc), rest, room, True)
    return w <= room and _fits((_FLAT, ""), rest, room - w, False)


def _flat_width(d: Doc, widths: Widths) -> int:
    """The width of `d` printed flat (`_NEVER_FLAT` if it cannot be), as `_fits` measures
    in strict mode."""
    if type(d) is str:
        return _NEVER_FLAT if "\n" in d else len(d)
    if type(d) is list:
        total = 0
        for x in d:  # the most frequent items measured here, without a call
            if type(x) is str and "\n" not in x:
                total += len(x)
            elif type(x) is Break:
                total += _NEVER_FLAT if x.hard else len(x.flat)
            elif type(x) is not Anchor:
                total += _flat_width(x, widths)
        return total
    if type(d) is Group or type(d) is Body:
        known = widths.get(id(d))
        if known is None:
            known = widths[id(d)] = (d, _measure(d, widths))
        return known[1]
    if type(d) is Indent or type(d) is Flat:
        return _flat_width(d.contents, widths)
    if type(d) is Break:
        return _NEVER_FLAT if d.hard else len(d.flat)
    if type(d) is IfBreak:
        return len(d.flat)
    return 0  # an anchor


def _measure(d: Group | Body, widths: Widths) -> int:
    if d.broken:
        return _NEVER_FLAT
    if isinstance(d, Group):
        return _flat_width(d.contents, widths)
    return len(d.sep) + 1 + _flat_width(d.inline, widths)


def _fits(first: tuple[int, Doc], rest: list[tuple[int, Doc]], room: int, strict: bool) -> bool:
    """Whether `first` (a mode and a document), then what follows it up to the next line break
    (`render`'s commands, all in broken mode), fits in `room` columns.
    `strict` (a layout being tried flat) fails on anything that cannot be flat: a hard break
    or a group that must break. Otherwise a break ends the measure: only the first line counts."""
    stack = [first]
    rest_index = len(rest)
    pop, push = stack.pop, stack.append
    while room >= 0:
        if not stack:
            if rest_index == 0:
                return True
            rest_index -= 1
            push((_BREAK, rest[rest_index][1]))
            strict = False
            continue
        mode, d = pop()
        if type(d) is str:
            if "\n" in d:
                return room - d.index("\n") >= 0 and not strict
            room -= len(d)
        elif type(d) is list:
            stack.extend([(mode, x) for x in reversed(d)])
        elif type(d) is Break:
            if d.hard:
                return not strict
            if mode == _BREAK:
                return True
            room -= len(d.flat)
        elif type(d) is Group:
            if d.broken:
                if strict:
                    return False
                push((_BREAK, d.contents))
            else:
                push((mode, d.contents))
        elif type(d) is Indent:
            push((mode, d.contents))
        elif type(d) is Flat:
            push((_FLAT, d.contents))
        elif type(d) is Body:
            if d.broken and strict:
                return False
            if mode == _BREAK or d.broken:
                # Measured as its most broken layout: the line ends after `=` or `=>`.
                return room - len(d.sep) >= 0
            push((mode, [d.sep, " ", d.inline]))
        elif type(d) is IfBreak:
            room -= len(d.broken if mode == _BREAK else d.flat)
    return False
