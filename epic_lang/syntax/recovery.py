"""Where to parse on after a syntax error inside a declaration, and in what context; and
which tokens to leave out to repair a declaration for the editor.

The parser runs once per top-level declaration. When it fails, the declaration is dropped, but
the user should still see every other error in it in the same pass. So we restart at the next
line of the declaration, behind a few synthetic tokens that re-open the blocks that line is
nested in: `def _() =` for the declaration, then for each deeper block either `let _ =` (more
lines follow at that level), `fn() =>` (the block is that level's final expression), or
`case _ =>` (the level is a list of cases), plus `match _ with` where a block of cases begins.
The token stream of the rest of the declaration already closes those blocks itself.
"""

from __future__ import annotations

from epic_lang.syntax.lexer import Tok

_LINE_BREAKS = ("_NL", "_INDENT")
_OPEN = {"LPAR", "LSQB", "LBRACE"}
_CLOSE = {"RPAR", "RSQB", "RBRACE"}


def _synthetic(type_: str, value: str, at: Tok) -> Tok:
    tok = Tok(type_, value, at.start_pos, at.line, at.column, at.line, at.column, at.start_pos)
    tok.data = None
    return tok


def resume_point(chunk: list[Tok], after: int) -> tuple[int, list[Tok]] | None:
    """The index of the first line start after token `after`, and the tokens to put before it;
    None when the declaration has no further line."""
    openers: list[str] = []
    prev = ""
    depth = 0  # brackets: a line of a block inside brackets cannot start on its own
    for k, tok in enumerate(chunk):
        kind = tok.type
        if k > after and kind[0] != "_" and chunk[k - 1].type in _LINE_BREAKS and depth <= 0:
            return k, _prefix(openers, _more_lines(chunk, k, len(openers)), tok)
        if kind in _OPEN:
            depth += 1
        elif kind in _CLOSE:
            depth -= 1
        if kind == "_INDENT":
            openers.append(prev)
        elif kind == "_DEDENT":
            if openers:
                openers.pop()
        elif kind[0] != "_":
            prev = kind
    return None


def _more_lines(chunk: list[Tok], start: int, depth: int) -> list[bool]:
    """For each block depth below `depth`: does a line at that depth follow `start`?"""
    more = [False] * (depth + 1)
    for k in range(start + 1, len(chunk)):
        kind = chunk[k].type
        if kind == "_INDENT":
            depth += 1
        elif kind == "_DEDENT":
            depth -= 1
        elif kind[0] != "_" and chunk[k - 1].type == "_NL" and 0 <= depth < len(more):
            more[depth] = True
    return more


def _prefix(openers: list[str], more: list[bool], at: Tok) -> list[Tok]:
    def toks(*specs: tuple[str, str]) -> list[Tok]:
        return [_synthetic(t, v, at) for t, v in specs]

    out = toks(("DEF", "def"), ("NAME", "_"), ("LPAR", "("), ("RPAR", ")"), ("EQUAL", "="))
    container = "decl"
    for depth, opener in enumerate(openers):
        if container == "block":
            if more[depth]:
                out += toks(("LET", "let"), ("NAME", "_"), ("EQUAL", "="))
            else:
                out += toks(("FN", "fn"), ("LPAR", "("), ("RPAR", ")"), ("ARROW", "=>"))
        elif container == "cases":
            out += toks(("CASE", "case"), ("NAME", "_"), ("ARROW", "=>"))
        if opener == "WITH":
            out += toks(("MATCH", "match"), ("NAME", "_"), ("WITH", "with"))
            container = "cases"
        else:
            container = "block"
        out += toks(("_INDENT", ""))
    return out


def without_line(tokens: list[Tok], index: int) -> list[Tok] | None:
    """`tokens` without the logical line that holds token `index` (with the block it opens, if
    any); None when that line is the declaration's first. An error found at a layout token
    belongs to the line before it."""
    i = min(index, len(tokens) - 1)
    while i > 0 and tokens[i].type in ("_NL", "_DEDENT"):
        i -= 1
    start = i
    while start > 0 and tokens[start - 1].type not in _LINE_BREAKS:
        start -= 1
    if start == 0:
        return None
    depth = 0
    stop = start
    while stop < len(tokens):
        kind = tokens[stop].type
        if kind == "_INDENT":
            depth += 1
        elif kind == "_DEDENT":
            depth -= 1
        elif kind == "_NL" and depth <= 0:
            break
        stop += 1
    return tokens[:start] + tokens[stop + 1 :]
