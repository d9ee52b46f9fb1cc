"""The reserved words of EPIC (docs/language.md §2, "Names and keywords"), in the one table
that the lexer, the formatter, the printer of values and the editor features read: a word
reserved in one place and written as a bare name in another gives text that does not parse."""

from __future__ import annotations

import re

# Each reserved word and the token type the lexer gives it.
KEYWORDS: dict[str, str] = {
    "def": "DEF",
    "let": "LET",
    "in": "IN",
    "if": "IF",
    "then": "THEN",
    "else": "ELSE",
    "fn": "FN",
    "match": "MATCH",
    "with": "WITH",
    "case": "CASE",
    "try": "TRY",
    "catch": "CATCH",
    "import": "IMPORT",
    "python": "PYTHON",
    "from": "FROM",
    "as": "AS",
    "and": "AND",
    "or": "OR",
    "not": "NOT",
    "true": "TRUE",
    "false": "FALSE",
    "none": "NONE",
}

# The lexer's pattern for a name (`name` in `lexer._MASTER`): a letter or `_`, then letters,
# digits and `_`, Unicode included.
_NAME = re.compile(r"[^\W\d]\w*")


def is_bare_name(text: str) -> bool:
    """Whether `text` may be written without quotes where a name goes (a record key, a field
    after `.`): the lexer reads it back as one NAME token, not a keyword or something else."""
    return _NAME.fullmatch(text) is not None and text not in KEYWORDS
