"""Sentences for parse errors: what lark's "unexpected token X, expected one of {...}" means to a
person writing EPIC.

The LALR parser stops at the first token it cannot use and tells us that token, the set of
terminals it would have accepted, and its value stack (the tokens and nodes of the rules still
open). From those three we pick the most specific sentence; the order of the checks below
matters, from the most specific to the generic "unexpected ...".
"""

from __future__ import annotations

from lark import Token, Tree

from epic_lang.source import Span
from epic_lang.syntax import ast
from epic_lang.syntax.builder import tok_span

_EXPR_START = {
    "NAME", "INT", "FLOAT", "STRING", "FSTRING", "LPAR", "LSQB", "LBRACE", "TRUE", "FALSE",
    "NONE", "NOT", "MINUS", "FN", "IF", "LETX", "MATCH",
}
_LAYOUT = {"_NL", "_INDENT", "_DEDENT", "$END"}
_OPENERS = {"LPAR": ")", "LSQB": "]", "LBRACE": "}"}
_CLOSERS = {"RPAR", "RSQB", "RBRACE"}
_KEYWORD_TYPES = {
    "DEF", "LET", "LETX", "INLET", "IN", "IF", "THEN", "ELSE", "FN", "MATCH", "WITH", "CASE",
    "IMPORT", "PYTHON", "FROM", "AS", "AND", "OR", "NOT", "NOTIN", "TRUE", "FALSE", "NONE",
}
_TERMINAL_TEXT = {
    "LPAR": "(", "RPAR": ")", "LSQB": "[", "RSQB": "]", "LBRACE": "{", "RBRACE": "}",
    "COMMA": ",", "COLON": ":", "DOT": ".", "ELLIPSIS": "...", "EQUAL": "=", "ARROW": "=>",
    "PIPE": "|>", "MINUS": "-", "LETX": "let", "INLET": "in", "NOTIN": "not in",
}


def describe(tok: Token) -> str:
    """How a token is named in a message: "name `x`", "`then`", "end of line"."""
    kind = tok.type
    if kind == "NAME":
        return f"name `{tok}`"
    if kind in ("INT", "FLOAT"):
        return f"number `{tok}`"
    if kind == "STRING":
        return "string"
    if kind == "FSTRING":
        return "f-string"
    if kind == "_NL":
        return "end of line"
    if kind == "$END":
        return "end of file"
    if kind == "_DEDENT":
        return "end of the indented block"
    if kind == "_INDENT":
        return "indentation"
    return f"`{tok}`"


def _terminal(name: str) -> str:
    if name in _TERMINAL_TEXT:
        return f"`{_TERMINAL_TEXT[name]}`"
    if name in _KEYWORD_TYPES:
        return f"`{name.lower()}`"
    return {"NAME": "a name", "STRING": "a string", "BINOP": "an operator"}.get(name, name)


def _last_open(stack: list, types: set[str]) -> Token | None:
    for item in reversed(stack):
        if isinstance(item, Token) and item.type in types:
            return item
    return None


def _last_node(stack: list) -> object:
    if not stack:
        return None
    last = stack[-1]
    while isinstance(last, Tree) and last.children:
        last = last.children[-1]
    return last


def _after(prev: Token | None) -> str:
    return f" after {describe(prev)}" if prev is not None else ""


def explain(
    tok: Token, expected: set[str], stack: list, prev: Token | None, following: Token | None
) -> tuple[Span, str]:
    """The span and sentence for the parser stopping at `tok`.

    `prev` is the last real (non-layout) token before it and `following` the first real token
    after it, used to point layout errors at something visible."""
    here = tok_span(tok)
    if tok.type in _LAYOUT and prev is not None:
        end = tok_span(prev)
        here = Span(end.end, end.end, end.end_line, end.end_col, end.end_line, end.end_col)
    kind = tok.type
    if kind == "_INDENT" and "_INDENT" not in expected:
        where = tok_span(following) if following is not None else here
        return where, "unexpected indentation"
    if not stack:
        if kind in ("_INDENT",):
            return here, "unexpected indentation"
        return here, "expected `def`, `let` or `import` at the start of a top-level line"
    if kind in ("_DEDENT", "$END", "_NL") and isinstance(_last_node(stack), ast.BlockLet):
        return here, "a block must end with an expression after its `let` lines"
    if "ELSE" in expected:
        if_tok = _last_open(stack, {"IF"})
        return (tok_span(if_tok) if if_tok is not None else here), "`if` needs an `else`"
    if "THEN" in expected:
        return here, f"expected `then` after the condition of `if`, found {describe(tok)}"
    if "WITH" in expected:
        return here, f"expected `with` after the subject of `match`, found {describe(tok)}"
    if "INLET" in expected:
        return here, (
            "expected `in` after the value of `let`; a `let` line of a block must start "
            "its own line"
        )
    if "CASE" in expected and prev is not None and prev.type == "WITH":
        return here, "expected `case` lines, indented under `match ... with`"
    if "ARROW" in expected and "EQUAL" not in expected:
        what = "the pattern of `case`" if _last_open(stack, {"CASE", "FN"}) is not None and \
            _last_open(stack, {"CASE", "FN"}).type == "CASE" else "the parameters of `fn`"
        return here, f"expected `=>` after {what}, found {describe(tok)}"
    if kind == "EQUAL" and "EQUAL" not in expected:
        return here, "unexpected `=`; to compare two values use `==`"
    if "NAME" in expected and not (expected & _CLOSERS and kind in _CLOSERS):
        if prev is not None and prev.type == "CASE" or "ELLIPSIS" in expected:
            return here, f"expected a pattern{_after(prev)}"
        if "FN" in expected:
            if prev is not None:
                return here, f"expected an expression after {describe(prev)}"
            return here, "expected an expression"
        if prev is not None and prev.type == "DEF":
            return here, "expected the function's name after `def`"
        return here, f"expected a name{_after(prev)}, found {describe(tok)}"
    closers = expected & _CLOSERS
    if closers:
        opener = _last_open(stack, set(_OPENERS))
        if opener is not None and _OPENERS[opener.type] in {_TERMINAL_TEXT[c] for c in closers}:
            closer = _OPENERS[opener.type]
            comma = "`,` or " if "COMMA" in expected else ""
            return here, (
                f"expected {comma}`{closer}` to close the `{opener}` at "
                f"{opener.line}:{opener.column}, found {describe(tok)}"
            )
    if kind in ("_NL", "$END", "_DEDENT"):
        return here, f"unexpected {describe(tok)}{_hint(expected)}"
    return here, f"unexpected {describe(tok)}{_hint(expected)}"


def _hint(expected: set[str]) -> str:
    names = sorted(e for e in expected if not e.startswith("_") and e != "$END")
    if not names or len(names) > 3 or set(names) & _EXPR_START:
        return ""
    return ", expected " + " or ".join(_terminal(n) for n in names)
