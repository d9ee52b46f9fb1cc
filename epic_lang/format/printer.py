"""The syntax tree as a layout document: the one canonical style of EPIC, written down once.

Every choice of *where a line may break* lives here; `doc.py` decides which breaks are taken.
The tree has no parentheses, so they are put back from the precedence table of
docs/language.md §5 (plus a few more where the grammar would otherwise read the text
differently). Outside brackets a line break is only allowed where the lexer continues the
expression: before `then`, `else`, `catch`, `|>`, `and`, `or` and binary operators other than
`-` and `in`, or after a `=`/`=>` that opens an indented block (or a `then`, `else` or `try`
followed by a block of `let` lines).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import TypeGuard, get_args

from epic_lang.format.doc import (
    HARDLINE,
    LINE,
    SOFTLINE,
    Anchor,
    Body,
    Break,
    Doc,
    Flat,
    Group,
    IfBreak,
    Indent,
)
from epic_lang.source import Span
from epic_lang.syntax import ast
from epic_lang.syntax.keywords import is_bare_name

# Precedence levels, loosest first. `MATCH` is below everything: outside a body position a
# `match` is always parenthesised, because its cases would swallow what follows.
P_MATCH = -1
P_OPEN = 0  # fn, if, let ... in: they extend as far right as they can
P_PIPE = 1
P_OR = 2
P_AND = 3
P_NOT = 4
P_CMP = 5
P_ADD = 6
P_MUL = 7
P_NEG = 8
P_POW = 9
P_POSTFIX = 10
P_ATOM = 11

# Operators that may not begin a continuation line outside brackets (`-` would read as
# negation; `in` would be taken for the `in` of `let ... in`).
_NO_LEADING = {"-", "in", "not in"}


_PRECEDENCE: dict[type, int] = {
    ast.Match: P_MATCH,
    ast.Lambda: P_OPEN,
    ast.If: P_OPEN,
    ast.LetIn: P_OPEN,
    ast.LetInUnpack: P_OPEN,
    ast.Try: P_OPEN,
    ast.Block: P_OPEN,
    ast.Pipe: P_PIPE,
    ast.Not: P_NOT,
    ast.Compare: P_CMP,
    ast.Neg: P_NEG,
    ast.Call: P_POSTFIX,
    ast.Index: P_POSTFIX,
    ast.Slice: P_POSTFIX,
    ast.Field: P_POSTFIX,
}
_BINOP_PREC = {
    "+": P_ADD,
    "-": P_ADD,
    "*": P_MUL,
    "/": P_MUL,
    "//": P_MUL,
    "%": P_MUL,
    "**": P_POW,
    "or": P_OR,
    "and": P_AND,
}


def precedence(e: ast.Expr) -> int:
    kind = type(e)
    if kind is ast.BinOp or kind is ast.BoolOp:
        return _BINOP_PREC[e.op]  # type: ignore[union-attr]
    if kind is ast.Literal and _literal_text(e.value, e.raw).startswith("-"):  # type: ignore[union-attr]
        return P_NEG
    return _PRECEDENCE.get(kind, P_ATOM)


def quote_string(value: str, quote: str = '"') -> str:
    """A string literal with `value`, escaped as Python reads it (for trees without `raw`)."""
    return quote + _escape(value, quote, braces=False) + quote


def _escape(value: str, quote: str, braces: bool) -> str:
    triple = len(quote) == 3
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == quote[0]:
            out.append("\\" + ch)
        elif ch == "\n" and not triple:
            out.append("\\n")
        elif ch in "{}" and braces:
            out.append(ch * 2)
        elif ch in "\t\r" or (ord(ch) < 32 and ch != "\n") or ord(ch) == 127:
            out.append({"\t": "\\t", "\r": "\\r"}.get(ch) or f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def _literal_text(value: object, raw: str) -> str:
    if raw:
        return raw
    if value is None:
        return "none"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return quote_string(value)
    return repr(value)


def _group(*parts: Doc, broken: bool = False) -> Group:
    return Group(list(parts), broken)


class TooDeep(Exception):
    """A declaration (at `span`) is nested deeper than the printer's recursion allows."""

    def __init__(self, span: Span) -> None:
        super().__init__(span)
        self.span = span


class Printer:
    """Builds the documents of a module's declarations. `source` (when the tree came from
    text) is used to keep string keys, import paths and f-string text exactly as written,
    and to honour an author's trailing comma; `comments` (in source order) make every group
    that contains a comment break, so that the comment can stay on its own line or at the
    end of its line. The list may grow between declarations, as the lexer finds them."""

    def __init__(self, source: str | None, comments: Sequence[ast.Comment]) -> None:
        self.source = source
        self.comments = comments
        self.comment_starts: list[int] = []
        # The document of each (node, inside brackets) pair, built once and shared. A body
        # offers its value in several layouts (`Body`), and each layout holds the value's
        # document: built afresh per layout, nested bodies made the work exponential in
        # their depth. Keyed by `id` (and the flag in the lowest bit): the nodes outlive the
        # printer.
        self._docs: dict[int, Doc] = {}
        self._first = True
        self._after_import = False

    # -- helpers

    def _has_comment(self, start: int, end: int) -> bool:
        starts = self.comment_starts
        i = bisect_right(starts, start)
        return i < len(starts) and starts[i] < end

    def _magic_comma(self, last_end: int, close: int) -> bool:
        """Whether the author wrote a trailing comma after the last item: black's "magic
        trailing comma", which keeps a collection exploded one item per line."""
        src = self.source
        if src is None:
            return False
        i = last_end
        while i < close and src[i] in " \t\r\n":
            i += 1
        return i < close and src[i] == ","

    def _source_text(self, span: Span, fallback: str) -> str:
        if self.source is None or span.end <= span.start:
            return fallback
        return self.source[span.start : span.end]

    def _brackets(
        self,
        open_: str,
        items: list[Doc],
        close: str,
        node_span: Span | _SpanLike,
        last_end: int | None,
        always_comma: bool = False,
    ) -> Doc:
        """`(a, b)` flat, or one item per line with a trailing comma."""
        if not items:
            return open_ + close
        close_at = node_span.end - 1
        broken = self._has_comment(node_span.start, node_span.end) or (
            last_end is not None and self._magic_comma(last_end, close_at)
        )
        body: list[Doc] = []
        for i, item in enumerate(items):
            if i:
                body.extend([",", LINE])
            body.append(item)
        comma: Doc = "," if always_comma else IfBreak(",")
        return _group(
            open_,
            Indent([SOFTLINE, *body]),
            comma,
            SOFTLINE,
            Anchor(close_at, "closer"),
            close,
            broken=broken,
        )

    # -- declarations

    def declaration(self, decl: ast.Decl) -> Doc:
        """The document of the module's next declaration (they come in order). A hard line
        break separates declarations, so each lays out on its own (`render` measures no
        further than a line break) and the caller can render one and drop it before the next
        is built: the documents of a whole large file weigh as much as its tree."""
        self.comment_starts.extend(c.span.start for c in self.comments[len(self.comment_starts) :])
        is_import = isinstance(decl, ast.Import)
        kind = "author" if self._first or (self._after_import and is_import) else "force"
        self._first, self._after_import = False, is_import
        try:
            return [Anchor(decl.span.start, kind), self.decl(decl)]
        except RecursionError:
            raise TooDeep(decl.span) from None
        finally:
            self._docs.clear()  # no document is shared between declarations

    def decl(self, decl: ast.Decl) -> Doc:
        if isinstance(decl, ast.Import):
            source = self._source_text(decl.source_span, quote_string(decl.source))
            python = "python " if decl.python else ""
            return f"import {python}{source} as {decl.alias.text}"
        doc = self._doc_lines(decl)
        if isinstance(decl, ast.Def):
            head = ["def ", decl.name.text, self.params(decl.params)]
            return [
                doc,
                *head,
                self.body(" =", decl.body, False, self._head_end(decl.params, decl.name.span.end)),
            ]
        return [doc, "let ", decl.name.text, self.body(" =", decl.value, False, decl.name.span.end)]

    def _doc_lines(self, decl: ast.Def | ast.LetDecl) -> Doc:
        """The `##` lines of a tree built without source (with source they are comments)."""
        if decl.doc is None or self.source is not None:
            return []
        lines: list[Doc] = []
        for line in decl.doc.split("\n"):
            lines.extend([f"## {line}".rstrip(), HARDLINE])
        return lines

    def params(self, params: tuple[ast.Param, ...]) -> Doc:
        items: list[Doc] = []
        for p in params:
            if p.default is None:
                items.append([Anchor(p.span.start), p.name.text])
            else:
                items.append(
                    [Anchor(p.span.start), p.name.text, "=", self.midline(p.default, P_OPEN)]
                )
        if not params:
            return "()"
        start = params[0].span.start - 1
        close = self._find_close(params[-1].span.end, ")")
        span = _SpanLike(start, close + 1)
        return self._brackets("(", items, ")", span, params[-1].span.end)

    def _head_end(self, params: tuple[ast.Param, ...], default: int) -> int:
        """Where the head of a def or fn ends: after its parameter list."""
        return self._find_close(params[-1].span.end, ")") + 1 if params else default

    def _find_close(self, after: int, char: str) -> int:
        """The offset of the bracket closing a parameter list (params have no node of their
        own); without source, a position just after the last parameter."""
        src = self.source
        if src is None:
            return after
        i = src.find(char, after)
        return i if i >= 0 else after

    def body(self, sep: str, body: ast.Expr, brk: bool, head_end: int) -> Doc:
        """`= body` of a def or let, `=> body` of a fn or case: on the same line if it fits,
        hugging a bracket that opens on the same line, or as an indented block (always when
        a comment stands between the head, which ends at `head_end`, and the body)."""
        if isinstance(body, ast.Block) and body.lets:
            return [sep, Indent([HARDLINE, self.block(body)])]
        if isinstance(body, ast.Block):
            body = body.result
        if isinstance(body, ast.Match) and not brk:
            return [sep, Indent([HARDLINE, Anchor(body.span.start, "none"), self.match(body, brk)])]
        inline = self.expr(body, P_OPEN, brk)
        # A `let` that begins a line outside brackets would read as a block's `let` line. On
        # its own line the body is a block, with layout even inside brackets (§3).
        own_line = [Anchor(body.span.start, "none"), self.line_start(body, False)]
        hug = inline if _ends_with_bracket(body) else self.chain_hug(body, brk)
        hug_first = isinstance(body, ast.ListExpr | ast.RecordExpr | ast.TupleExpr | ast.Lambda)
        atom = isinstance(body, ast.Var | ast.Literal | ast.FString)
        broken = self._has_comment(head_end, body.span.start)
        return Body(sep, inline, own_line, hug, hug_first, atom, broken)

    def chain_hug(self, e: ast.Expr, brk: bool) -> Doc | None:
        """`a + [` ... `]`: a chain of operators kept on one line so that its last operand,
        a bracket, can open on the line of the `=`; None when that layout does not apply."""
        # Not for pipes: a long pipe breaks before each `|>` instead.
        if not isinstance(e, ast.BoolOp | ast.BinOp) or e.op == "**":
            return None
        first, rest = self._chain_operands(e)
        if not _ends_with_bracket(rest[-1][1]) or self._has_comment(e.span.start, e.span.end):
            return None
        level = precedence(e)
        prefix: list[Doc] = [self.expr(first, level, brk)]
        for op, right in rest[:-1]:
            prefix.extend([" ", op, " ", self.expr(right, level + 1, brk)])
        if not _can_be_flat(prefix):
            return None
        op, last = rest[-1]
        return [Flat(prefix), " ", op, " ", self.expr(last, level + 1, brk)]

    def _chain_operands(self, e: ast.Expr) -> tuple[ast.Expr, list[tuple[str, ast.Expr]]]:
        """A left-associative run of one precedence level: its first operand, then each
        operator with its right operand."""
        if isinstance(e, ast.Pipe):
            ops: tuple[str, ...] = ("|>",)
        elif isinstance(e, ast.BoolOp):
            ops = (e.op,)
        else:
            ops = ("+", "-") if e.op in ("+", "-") else ("*", "/", "//", "%")  # type: ignore[union-attr]
        operands: list[tuple[str, ast.Expr]] = []
        node = e
        while type(node) is type(e) and getattr(node, "op", "|>") in ops:
            operands.append((getattr(node, "op", "|>"), node.right))  # type: ignore[union-attr]
            node = node.left  # type: ignore[union-attr]
        operands.reverse()
        return node, operands

    def line_start(self, e: ast.Expr, brk: bool) -> Doc:
        """`e` at the start of its own line. Outside brackets a `let ... in` there would read
        as a block's `let` line, so it is parenthesised; an expression that can only break
        before `-` or `in` gets parentheses when (and only when) it must break."""
        if brk:
            return self.expr(e, P_OPEN, brk)
        if isinstance(e, ast.LetIn | ast.LetInUnpack):
            return self.parens(e, brk)
        if not _breaks_only_in_brackets(e):
            return self.expr(e, P_OPEN, brk)
        return _group(
            IfBreak("(", ""),
            Indent([SOFTLINE, self.expr(e, P_OPEN, True)]),
            SOFTLINE,
            IfBreak(")", ""),
            broken=False,
        )

    def block(self, block: ast.Block) -> Doc:
        parts: list[Doc] = []
        for i, let in enumerate(block.lets):
            if i:
                parts.append(HARDLINE)
            parts.append(Anchor(let.span.start, "none" if i == 0 else "author"))
            if isinstance(let, ast.BlockUnpack):
                target = self.pattern(let.pattern)
                head_end = let.pattern.span.end
            else:
                target = let.name.text
                head_end = let.name.span.end
            parts.extend(["let ", target, self.body(" =", let.value, False, head_end)])
        result = block.result
        parts.extend([HARDLINE, Anchor(result.span.start, "author")])
        if isinstance(result, ast.Match):
            parts.append(self.match(result, False))
        else:
            parts.append(self.line_start(result, False))
        return parts

    def match(self, m: ast.Match, brk: bool) -> Doc:
        cases: list[Doc] = []
        for i, case in enumerate(m.cases):
            cases.extend([HARDLINE, Anchor(case.span.start, "none" if i == 0 else "author")])
            cases.extend(
                [
                    "case ",
                    self.pattern(case.pattern),
                    self.body(" =>", case.body, brk, case.pattern.span.end),
                ]
            )
        subject = self.midline(m.subject, P_PIPE, brk)
        return [Anchor(m.span.start), "match ", subject, " with", Indent(cases)]

    # -- expressions

    def expr(self, e: ast.Expr, min_prec: int, brk: bool) -> Doc:
        """`e` where an expression of precedence `min_prec` or tighter is expected; `brk` is
        True inside brackets, where any line break is allowed."""
        if precedence(e) < min_prec:
            return self.parens(e, brk)
        return [Anchor(e.span.start), self._expr(e, brk)]

    def midline(self, e: ast.Expr, min_prec: int, brk: bool = True) -> Doc:
        """An expression that starts in the middle of a line: its continuation lines are
        indented one level so that they do not read as siblings of that line."""
        d = self.expr(e, min_prec, brk)
        chain = isinstance(e, ast.If | ast.Pipe | ast.BoolOp | ast.BinOp | ast.Compare)
        if chain and precedence(e) >= min_prec:
            return Indent(d)
        return d

    def parens(self, e: ast.Expr, brk: bool) -> Doc:
        inner = self._expr(e, True) if isinstance(e, ast.Match) else self.expr(e, P_OPEN, True)
        open_at, close_at = self._author_parens(e.span)
        return _group(
            Anchor(open_at),
            "(",
            Indent([SOFTLINE, inner]),
            SOFTLINE,
            Anchor(close_at, "closer"),
            ")",
            broken=self._has_comment(open_at, close_at),
        )

    def _comment_at(self, offset: int) -> int | None:
        """The start of the comment that covers `offset`, if one does."""
        starts = self.comment_starts
        i = bisect_right(starts, offset) - 1
        if i < 0 or self.source is None:
            return None
        newline = self.source.find("\n", starts[i])
        return starts[i] if newline < 0 or offset < newline else None

    def _author_parens(self, span: Span) -> tuple[int, int]:
        """Where the author's `(` and `)` around an expression are, if there are any
        (parentheses have no node): the lines of the parenthesised layout are anchored there,
        so that a comment just inside a parenthesis stays inside it, and one outside stays
        outside."""
        src = self.source
        if src is None:
            return span.start, span.end
        before = span.start - 1
        while before >= 0:
            if src[before] in " \t\r\n":
                before -= 1
                continue
            comment = self._comment_at(before)
            if comment is None:
                break
            before = comment - 1
        if before < 0 or src[before] != "(":
            return span.start, span.end
        i = span.end
        while i < len(src):
            if src[i] in " \t\r\n":
                i += 1
            elif src[i] == "#":
                newline = src.find("\n", i)
                i = len(src) if newline < 0 else newline
            else:
                break
        if i < len(src) and src[i] == ")":
            return before, i
        return span.start, span.end

    def _expr(self, e: ast.Expr, brk: bool) -> Doc:
        key = id(e) << 1 | brk
        doc = self._docs.get(key)
        if doc is None:
            doc = self._docs[key] = _DISPATCH[type(e)](self, e, brk)
        return doc

    def _Var(self, e: ast.Var, brk: bool) -> Doc:
        return e.name

    def _Literal(self, e: ast.Literal, brk: bool) -> Doc:
        return _literal_text(e.value, e.raw)

    def _FString(self, e: ast.FString, brk: bool) -> Doc:
        return self.fstring(e)

    def fstring(self, e: ast.FString) -> str:
        """Literal text comes from the source as written when there is one; holes are
        formatted flat."""
        src = self.source
        quote = e.quote
        holes = [p for p in e.parts if isinstance(p, ast.FHole)]
        from_source = src is not None and all(src[h.span.start] == "{" for h in holes)
        out = ["f", quote]
        pos = e.span.start + 1 + len(quote)
        for part in e.parts:
            if isinstance(part, str):
                if not from_source:
                    out.append(_escape(part, quote, braces=True))
                continue
            if from_source:
                out.append(src[pos : part.span.start])  # type: ignore[index]
                pos = part.span.end
            hole = self._flat(self.expr(part.expr, P_PIPE, True))
            if hole.startswith("{"):
                hole = " " + hole + " "
            out.extend(["{", hole])
            if part.format_spec is not None:
                out.extend([":", part.format_spec])
            out.append("}")
        if from_source:
            out.append(src[pos : e.span.end - len(quote)])  # type: ignore[index]
        out.append(quote)
        return "".join(out)

    def _flat(self, d: Doc) -> str:
        """The one-line text of a document (an f-string hole, where layout is off)."""
        out: list[str] = []
        stack = [d]
        while stack:
            x = stack.pop()
            if isinstance(x, str):
                out.append(x)
            elif isinstance(x, list):
                stack.extend(reversed(x))
            elif isinstance(x, Break):
                out.append(x.flat or (" " if x.hard else ""))
            elif isinstance(x, IfBreak):
                out.append(x.flat)
            elif isinstance(x, Body):
                stack.extend([x.inline, " ", x.sep])
            elif isinstance(x, Group | Indent | Flat):
                stack.append(x.contents)
        return "".join(out)

    def _Lambda(self, e: ast.Lambda, brk: bool) -> Doc:
        return [
            "fn",
            self.params(e.params),
            self.body(" =>", e.body, brk, self._head_end(e.params, e.span.start)),
        ]

    def _If(self, e: ast.If, brk: bool) -> Doc:
        parts: list[Doc] = []
        node: ast.Expr = e
        first = True
        while isinstance(node, ast.If):
            keyword_ = "if " if first else "else if "
            if not first:
                parts.extend([LINE, Anchor(node.span.start)])
            cond = self.midline(node.cond, P_PIPE, brk)
            if _needs_layout(node.then):
                clause: Doc = [keyword_, cond, self.block_branch(" then", node.then)]
            else:
                clause = _group(
                    keyword_,
                    cond,
                    LINE,
                    "then ",
                    self.midline(node.then, P_PIPE, brk),
                    broken=self._has_comment(node.cond.span.start, node.then.span.end),
                )
            parts.append(clause)
            node = node.orelse
            first = False
        if _is_block(node):
            parts.extend([LINE, Anchor(node.span.start), self.block_branch("else", node)])
        else:
            parts.extend([LINE, "else ", self.midline(node, P_OPEN, brk)])
        chained = isinstance(e.orelse, ast.If)
        return _group(*parts, broken=chained or self._has_comment(e.span.start, e.span.end))

    def block_branch(self, keyword_: str, branch: ast.Expr) -> Doc:
        """`then`, `else` or `try` with a block indented under it: of `let` lines, or an
        expression that holds such a block (in brackets its layout would be lost)."""
        inner = self.block(branch) if _is_block(branch) else self.line_start(branch, False)
        return [keyword_, Indent([HARDLINE, inner])]

    def _Try(self, e: ast.Try, brk: bool) -> Doc:
        handler = self.body(" =>", e.handler, brk, e.name.span.end)
        catch: Doc = [Anchor(e.name.span.start), "catch ", e.name.text, handler]
        if _is_block(e.body):
            return _group(self.block_branch("try", e.body), HARDLINE, catch, broken=True)
        return _group(
            "try ",
            self.midline(e.body, P_OPEN, brk),
            LINE,
            catch,
            broken=self._has_comment(e.span.start, e.span.end),
        )

    def _LetIn(self, e: ast.LetIn, brk: bool) -> Doc:
        sep = LINE if brk else " "
        value = self.let_value(e.value, brk)
        body = self.expr(e.body, P_OPEN, brk)
        return _group(
            "let ",
            e.name.text,
            " = ",
            value,
            " in",
            sep,
            body,
            broken=brk and self._has_comment(e.span.start, e.span.end),
        )

    def let_value(self, value: ast.Expr, brk: bool) -> Doc:
        """The value of `let ... in`. The lexer ends it at its first `in` outside brackets;
        and a `fn` or `try` whose body went to a line of its own would take the `in` into
        that block, so such a value gets parentheses when (and only when) it breaks."""
        if isinstance(value, ast.LetIn | ast.LetInUnpack) or _has_bare_in(value):
            return self.parens(value, brk)
        if isinstance(value, ast.Lambda | ast.Try):
            return _group(
                IfBreak("(", ""),
                Indent([SOFTLINE, self.expr(value, P_OPEN, True)]),
                SOFTLINE,
                IfBreak(")", ""),
                broken=False,
            )
        return self.midline(value, P_OPEN, brk)

    def _LetInUnpack(self, e: ast.LetInUnpack, brk: bool) -> Doc:
        sep = LINE if brk else " "
        value = self.let_value(e.value, brk)
        return _group(
            "let ",
            self.pattern(e.pattern),
            " = ",
            value,
            " in",
            sep,
            self.expr(e.body, P_OPEN, brk),
            broken=brk and self._has_comment(e.span.start, e.span.end),
        )

    def _Block(self, e: ast.Block, brk: bool) -> Doc:
        # A block with `let` lines only exists as a body or a branch, which `body` and
        # `block_branch` print; one without is just its result.
        return self._expr(e.result, brk)

    def _Match(self, e: ast.Match, brk: bool) -> Doc:
        return self.match(e, brk)

    def _chain(self, e: ast.Expr, brk: bool) -> Doc:
        """A run of operators of one precedence, broken before each operator that may begin
        a line."""
        first, rest = self._chain_operands(e)
        level = precedence(e)
        right_level = P_OR if isinstance(e, ast.Pipe) else level + 1
        parts: list[Doc] = [self.expr(first, level, brk)]
        for op, right in rest:
            sep: Doc = LINE if brk or op not in _NO_LEADING else " "
            parts.extend([sep, op, " ", self.expr(right, right_level, brk)])
        return _group(*parts, broken=self._has_comment(e.span.start, e.span.end))

    def _Pipe(self, e: ast.Pipe, brk: bool) -> Doc:
        return self._chain(e, brk)

    def _BoolOp(self, e: ast.BoolOp, brk: bool) -> Doc:
        return self._chain(e, brk)

    def _Not(self, e: ast.Not, brk: bool) -> Doc:
        # `not (a in b)` rather than `not a in b`, which reads like `(not a) in b`.
        return ["not ", self.expr(e.operand, P_ADD, brk)]

    def _Compare(self, e: ast.Compare, brk: bool) -> Doc:
        sep: Doc = LINE if brk or e.op not in _NO_LEADING else " "
        return _group(
            self.expr(e.left, P_ADD, brk),
            sep,
            e.op,
            " ",
            self.expr(e.right, P_ADD, brk),
            broken=self._has_comment(e.span.start, e.span.end),
        )

    def _BinOp(self, e: ast.BinOp, brk: bool) -> Doc:
        if e.op == "**":
            return [self.expr(e.left, P_POSTFIX, brk), " ** ", self.expr(e.right, P_POW, brk)]
        return self._chain(e, brk)

    def _Neg(self, e: ast.Neg, brk: bool) -> Doc:
        return ["-", self.expr(e.operand, P_POW, brk)]

    def _Call(self, e: ast.Call, brk: bool) -> Doc:
        items: list[Doc] = []
        for arg in e.args:
            if arg.name is None:
                items.append(self.expr(arg.value, P_OPEN, True))
            else:
                value = self.midline(arg.value, P_OPEN)
                items.append([Anchor(arg.span.start), arg.name.text, "=", value])
        last = e.args[-1].span.end if e.args else None
        func = self._postfix_operand(e.func, brk)
        return [func, self._brackets("(", items, ")", _call_span(e), last)]

    def _postfix_operand(self, obj: ast.Expr, brk: bool) -> Doc:
        number = isinstance(obj, ast.Literal) and type(obj.value) in (int, float)
        if number:
            return self.parens(obj, brk)
        return self.expr(obj, P_POSTFIX, brk)

    def _Index(self, e: ast.Index, brk: bool) -> Doc:
        obj = self._postfix_operand(e.obj, brk)
        return [obj, "[", self.expr(e.index, P_OPEN, True), "]"]

    def _Slice(self, e: ast.Slice, brk: bool) -> Doc:
        obj = self._postfix_operand(e.obj, brk)
        start = self.expr(e.start, P_PIPE, True) if e.start is not None else ""
        stop = self.expr(e.stop, P_PIPE, True) if e.stop is not None else ""
        return [obj, "[", start, ":", stop, "]"]

    def _Field(self, e: ast.Field, brk: bool) -> Doc:
        return [self._postfix_operand(e.obj, brk), ".", e.name.text]

    def _TupleExpr(self, e: ast.TupleExpr, brk: bool) -> Doc:
        items = [self.expr(x, P_OPEN, True) for x in e.items]
        last = e.items[-1].span.end if len(e.items) > 1 else None
        return self._brackets("(", items, ")", e.span, last, always_comma=len(items) == 1)

    def _ListExpr(self, e: ast.ListExpr, brk: bool) -> Doc:
        items = [self.expr(x, P_OPEN, True) for x in e.items]
        last = e.items[-1].span.end if e.items else None
        return self._brackets("[", items, "]", e.span, last)

    def _RecordExpr(self, e: ast.RecordExpr, brk: bool) -> Doc:
        items: list[Doc] = []
        for f in e.fields:
            key = self._key(f.key, f.key_span, f.quoted)
            items.append([Anchor(f.span.start), key, ": ", self.midline(f.value, P_OPEN)])
        last = e.fields[-1].span.end if e.fields else None
        return self._brackets("{", items, "}", e.span, last)

    def _RecordUpdate(self, e: ast.RecordUpdate, brk: bool) -> Doc:
        items: list[Doc] = [[Anchor(e.base.span.start), "...", self.expr(e.base, P_PIPE, True)]]
        for f in e.fields:
            key = self._key(f.key, f.key_span, f.quoted)
            items.append([Anchor(f.span.start), key, ": ", self.midline(f.value, P_OPEN)])
        last = e.fields[-1].span.end if e.fields else e.base.span.end
        return self._brackets("{", items, "}", e.span, last)

    def _Placeholder(self, e: ast.Placeholder, brk: bool) -> Doc:
        return "_"

    def _key(self, key: str, key_span: Span, quoted: bool) -> str:
        if quoted or not is_bare_name(key):
            text = self._source_text(key_span, "")
            if text[:1] in ("'", '"'):
                return text
            return quote_string(key)
        return key

    # -- patterns

    def pattern(self, p: ast.Pattern) -> str:
        if isinstance(p, ast.PWildcard):
            return "_"
        if isinstance(p, ast.PName):
            return p.name.text
        if isinstance(p, ast.PLiteral):
            return _literal_text(p.value, p.raw)
        if isinstance(p, ast.PTuple):
            inner = ", ".join(self.pattern(x) for x in p.items)
            return f"({inner},)" if len(p.items) == 1 else f"({inner})"
        if isinstance(p, ast.PList):
            items = [self.pattern(x) for x in p.items]
            if p.rest is not None:
                items.append("..." + p.rest.text)
            return "[" + ", ".join(items) + "]"
        fields = []
        for f in p.fields:
            quoted = self._source_text(f.key_span, "")[:1] in ("'", '"')
            key = self._key(f.key, f.key_span, quoted)
            shorthand = f.key_span.end > f.key_span.start and f.pattern.span == f.key_span
            if isinstance(f.pattern, ast.PName) and shorthand:
                fields.append(key)  # the shorthand `{name}`, as written
                continue
            fields.append(f"{key}: {self.pattern(f.pattern)}")
        return "{" + ", ".join(fields) + "}"


class _SpanLike:
    """Just the offsets of a region that has no node (a parameter list, a call's brackets)."""

    __slots__ = ("start", "end")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end


def _call_span(e: ast.Call) -> _SpanLike:
    return _SpanLike(e.func.span.end, e.span.end)


def _can_be_flat(d: Doc) -> bool:
    """Whether a document has a one-line form (no forced break, no multi-line string)."""
    stack = [d]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if "\n" in x:
                return False
        elif isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, Break):
            if x.hard:
                return False
        elif isinstance(x, Group):
            if x.broken:
                return False
            stack.append(x.contents)
        elif isinstance(x, Body):
            if x.broken:
                return False
            stack.append(x.inline)
        elif isinstance(x, Indent | Flat):
            stack.append(x.contents)
    return True


def _has_bare_in(e: ast.Expr) -> bool:
    """Whether `e` may print an `in` (membership, or a `let ... in`) outside any bracket
    (erring on the side of yes: the answer only adds parentheses)."""
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.LetIn | ast.LetInUnpack | ast.Match | ast.Block):
            return True
        if isinstance(node, ast.Compare) and node.op in ("in", "not in"):
            return True
        if isinstance(node, ast.Not | ast.Neg):
            stack.append(node.operand)
        elif isinstance(node, ast.BinOp | ast.BoolOp | ast.Compare | ast.Pipe):
            stack.extend([node.left, node.right])
        elif isinstance(node, ast.If):
            stack.extend([node.cond, node.then, node.orelse])
        elif isinstance(node, ast.Lambda):
            stack.append(node.body)
        elif isinstance(node, ast.Try):
            stack.extend([node.body, node.handler])
        elif isinstance(node, ast.Call):
            stack.append(node.func)
        elif isinstance(node, ast.Index | ast.Slice | ast.Field):
            stack.append(node.obj)
    return False


def _is_block(e: ast.Expr) -> TypeGuard[ast.Block]:
    """Whether `e` is a block with `let` lines, which only a layout of its own can hold."""
    return isinstance(e, ast.Block) and bool(e.lets)


def _needs_layout(e: ast.Expr) -> bool:
    """Whether `e` is, or ends in a branch that is, a block with `let` lines, so that it
    cannot be printed inside brackets."""
    if _is_block(e):
        return True
    if isinstance(e, ast.If):
        return _needs_layout(e.then) or _needs_layout(e.orelse)
    if isinstance(e, ast.Try):
        return _needs_layout(e.body) or _needs_layout(e.handler)
    return False


def _breaks_only_in_brackets(e: ast.Expr) -> bool:
    """Whether the top operator run of `e` contains an operator that may not begin a line."""
    if isinstance(e, ast.Compare):
        return e.op in _NO_LEADING
    node: ast.Expr = e
    while isinstance(node, ast.BinOp) and node.op in ("+", "-"):
        if node.op == "-":
            return True
        node = node.left
    return False


def _ends_with_bracket(e: ast.Expr) -> bool:
    """Whether `e` can open a bracket on the current line and close it on a later one."""
    if isinstance(e, ast.Call | ast.ListExpr | ast.RecordExpr | ast.Lambda):
        return True
    if isinstance(e, ast.TupleExpr):
        return bool(e.items)
    if isinstance(e, ast.Literal):
        return isinstance(e.value, str) and "\n" in e.raw
    if isinstance(e, ast.FString):
        return len(e.quote) == 3
    return False


# One printing method per expression class, looked up once.
_DISPATCH = {cls: getattr(Printer, "_" + cls.__name__) for cls in get_args(ast.Expr)}
