"""Sentences for parse errors: what lark's "unexpected token X, expected one of {...}" means to a
person writing EPIC.

The LALR parser stops at the first token it cannot use. The parser then gives us that token,
the exact set of terminals it could have accepted there, and its stack (the tokens of the
constructs still open, such as an `if` waiting for its `else` or a `(` waiting for its `)`).
From those we pick the most specific sentence; the order of the checks in `explain` matters,
from the most specific to the generic "unexpected ...".
"""

from __future__ import annotations

from epic_lang.diagnostics import Fix, replace_fix
from epic_lang.source import Span
from epic_lang.syntax.builder import tok_span
from epic_lang.syntax.lexer import Tok

_LAYOUT = {"_NL", "_INDENT", "_DEDENT", "$END"}
_OPENERS = {"LPAR": ")", "LSQB": "]", "LBRACE": "}"}
_CLOSERS = {"RPAR", "RSQB", "RBRACE"}
_KEYWORD_TYPES = {
    "DEF", "LET", "LETX", "INLET", "IN", "IF", "THEN", "ELSE", "FN", "MATCH", "WITH", "CASE",
    "TRY", "CATCH", "IMPORT", "PYTHON", "FROM", "AS", "AND", "OR", "NOT", "NOTIN", "TRUE",
    "FALSE", "NONE",
}  # fmt: skip
_TERMINAL_TEXT = {
    "LPAR": "(",
    "RPAR": ")",
    "LSQB": "[",
    "RSQB": "]",
    "LBRACE": "{",
    "RBRACE": "}",
    "COMMA": ",",
    "COLON": ":",
    "DOT": ".",
    "ELLIPSIS": "...",
    "EQUAL": "=",
    "ARROW": "=>",
    "PIPE": "|>",
    "MINUS": "-",
    "LETX": "let",
    "INLET": "in",
    "NOTIN": "not in",
}


def describe(tok: Tok) -> str:
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


def _last_open(stack: list, types: set[str]) -> Tok | None:
    """The innermost token of one of `types` still open on the parser's stack."""
    for item in reversed(stack):
        if isinstance(item, Tok) and item.type in types:
            return item
    return None


def _after(prev: Tok | None) -> str:
    return f" after {describe(prev)}" if prev is not None else ""


def _point_after(tok: Tok) -> Span:
    end = tok_span(tok)
    return Span(end.end, end.end, end.end_line, end.end_col, end.end_line, end.end_col)


def explain(
    tok: Tok,
    expected: set[str],
    stack: list,
    prev: Tok | None,
    following: Tok | None,
    in_hole: bool = False,
) -> tuple[Span, str]:
    """The span and sentence for the parser stopping at `tok`.

    `expected` is the exact set of terminals the parser could have shifted, `stack` its symbols
    (tokens of the constructs still open, rule names for finished parts), `prev` the last real
    (non-layout) token before `tok` and `following` the first real token after it: a layout
    token has no text, so its errors point just after `prev` or at `following`."""
    kind = tok.type
    here = _point_after(prev) if kind in _LAYOUT and prev is not None else tok_span(tok)
    found = "the end of the f-string hole" if in_hole and kind == "$END" else describe(tok)
    if kind == "_INDENT":
        return (tok_span(following) if following is not None else here), "unexpected indentation"
    if not stack and not in_hole:
        if kind == "NAME" and following is not None and following.type == "EQUAL":
            return here, f"a top-level value is defined with `let`: `let {tok} = ...`"
        return here, "expected `def`, `let` or `import` at the start of a top-level line"
    habit = _habit(tok, prev, expected)
    if habit is not None:
        return here, habit
    if (
        kind in ("_DEDENT", "$END")
        and "INT" in expected
        and isinstance(stack[-1], Tok)
        and stack[-1].type == "_NL"
    ):
        return here, "a block must end with an expression after its `let` lines"
    if "ELSE" in expected:
        if_tok = _last_open(stack, {"IF"})
        return (tok_span(if_tok) if if_tok is not None else here), "`if` needs an `else`"
    if "THEN" in expected:
        return here, f"expected `then` after the condition of `if`, found {found}"
    if "WITH" in expected:
        return here, f"expected `with` after the subject of `match`, found {found}"
    if "INLET" in expected:
        return here, (
            "expected `in` after the value of `let`; a `let` line of a block must start "
            "its own line"
        )
    if "CASE" in expected and prev is not None and prev.type == "WITH":
        return here, "expected `case` lines, indented under `match ... with`"
    if "ARROW" in expected and "EQUAL" not in expected:
        opener = _last_open(stack, {"CASE", "FN", "CATCH"})
        kind = opener.type if opener is not None else "FN"
        what = {
            "CASE": "the pattern of `case`",
            "CATCH": "the error's name in `catch`",
            "FN": "the parameters of `fn`",
        }[kind]
        return here, f"expected `=>` after {what}, found {found}"
    if "INT" in expected:
        if "NOT" not in expected:
            return here, f"expected a pattern{_after(prev)}, found {found}"
        if prev is not None:
            return here, f"expected an expression after {describe(prev)}, found {found}"
        return here, f"expected an expression, found {found}"
    if expected == {"STRING"}:
        return here, f'expected the module path as a string, e.g. `"math"`, found {found}'
    if "NAME" in expected:
        if prev is not None and prev.type == "DEF":
            return here, f"expected the function's name after `def`, found {found}"
        if prev is not None and prev.type == "DOT":
            return here, f"expected a field name after `.`, found {found}"
        return here, f"expected a name{_after(prev)}, found {found}"
    if expected == {"LPAR"}:
        return here, f"expected `(`{_after(prev)}, found {found}"
    closers = expected & _CLOSERS
    if closers:
        opener = _last_open(stack, set(_OPENERS))
        if opener is not None and _OPENERS[opener.type] in {_TERMINAL_TEXT[c] for c in closers}:
            closer = _OPENERS[opener.type]
            comma = "`,` or " if "COMMA" in expected else ""
            return here, (
                f"expected {comma}`{closer}` to close the `{opener}` at "
                f"{opener.line}:{opener.column}, found {found}"
            )
    return here, f"unexpected {found}{_hint(expected)}"


def _habit(tok: Tok, prev: Tok | None, expected: set[str]) -> str | None:
    found = _habit_and_fix(tok, prev, expected)
    return None if found is None else found[0]


def habit_fixes(tok: Tok, prev: Tok | None, expected: set[str]) -> tuple[Fix, ...]:
    """The quick fix for the habit `explain` names at this error, if it has one."""
    found = _habit_and_fix(tok, prev, expected)
    return () if found is None else found[1]


def _habit_and_fix(
    tok: Tok, prev: Tok | None, expected: set[str]
) -> tuple[str, tuple[Fix, ...]] | None:
    """A sentence for mistakes that come from Python habits, with the edit that repairs it."""
    kind = tok.type
    here = tok_span(tok)
    after = prev.type if prev is not None else ""
    if after == "TRY" and kind == "COLON":
        return "EPIC writes `try e catch err => handler`, with no `:` after `try`", ()
    if kind == "NAME" and tok == "except" and "CATCH" in expected:
        return "write `catch err => handler`, not `except`", (
            replace_fix("Write `catch`", here, "catch"),
        )
    if kind == "BINOP" and tok == "**" and after in ("LBRACE", "COMMA") and "NAME" in expected:
        return "to copy a record with changes, write `{...r, key: value}`", (
            replace_fix("Write `...`", here, "..."),
        )
    if kind == "ELLIPSIS" and after == "COMMA" and "NAME" in expected:
        return "`...r` comes first in a record: `{...r, key: value}`", ()
    if after == "LET" and kind in ("LPAR", "LSQB", "LBRACE") and "NAME" in expected:
        return "a top-level `let` binds one name; destructure on a `let` line inside a `def`", ()
    if kind == "COMMA" and after == "NAME" and expected == {"EQUAL"}:
        return "to unpack several names, write a tuple pattern: `let (a, b) = pair`", ()
    if kind == "NAME" and after == "NAME" and prev in _NO_SUCH_WORDS:
        return _NO_SUCH_WORDS[str(prev)], ()
    if kind == "EQUAL" and "BINOP" in expected:
        return "unexpected `=`; to compare two values use `==`", (
            replace_fix("Write `==`", here, "=="),
        )
    if kind == "COLON" and "EQUAL" in expected:
        spaced = "=" if prev is None or prev.end_pos < tok.start_pos else " ="
        return "expected `=` before the body (EPIC does not use `:` there)", (
            replace_fix("Write `=`", here, spaced),
        )
    if kind == "NAME" and tok == "elif":
        return "write `else if`, not `elif`", (replace_fix("Write `else if`", here, "else if"),)
    if prev is not None and prev.type == "NAME" and prev == "return":
        keyword = tok_span(prev).cover(here)
        gap = Span(keyword.start, here.start, keyword.line, keyword.col, here.line, here.col)
        fixes = (replace_fix("Remove `return`", gap, ""),) if kind not in _LAYOUT else ()
        return "EPIC has no `return`: the last expression of a body is its value", fixes
    return None


# Words of other languages that EPIC spells otherwise, for "unexpected name" after them.
_NO_SUCH_WORDS = {
    "lambda": "EPIC writes a function as `fn(x) => body`, not `lambda`",
    "for": "EPIC has no `for` loop: use `map(fn(x) => ..., xs)` (the items run at once)",
    "while": "EPIC has no `while` loop: use `iterate_until` or recursion",
    "var": "EPIC binds names with `let name = value`",
    "const": "EPIC binds names with `let name = value`",
}


def _hint(expected: set[str]) -> str:
    names = sorted(e for e in expected if not e.startswith("_") and e != "$END")
    if not names or len(names) > 3:
        return ""
    return ", expected " + " or ".join(_terminal(n) for n in names)
