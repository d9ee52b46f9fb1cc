"""Decoding of string-literal bodies: Python's escapes, applied to text the lexer already cut out.

Kept apart from the lexer because f-string literal parts and plain strings share it, and because
its one policy decision (an unknown escape such as `\\d` stays as written, backslash included, as
Python does) matters to users writing regular expressions.
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPE = re.compile(
    r"\\(?:([\\'\"abfnrtv])|(\r\n|\n|\r)|([0-7]{1,3})"
    r"|x(.{0,2})|u(.{0,4})|U(.{0,8})|N\{([^}]*)\}|(.?))|\r\n",
    re.S,
)

_SIMPLE = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_HEX = set("0123456789abcdefABCDEF")


def decode_escapes(body: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The value of a string body, and the problems found as (offset, length, message) relative
    to the start of `body`. A bad escape is kept as written so the value is still usable."""
    if "\\" not in body and "\r" not in body:
        return body, []
    problems: list[tuple[int, int, str]] = []

    def replace(m: re.Match[str]) -> str:
        simple, newline, octal, hex2, hex4, hex8, named, other = m.groups()
        if m.group() == "\r\n":
            # As in Python, a line break in a string is "\n" whatever the file's line endings.
            return "\n"
        if simple is not None:
            return _SIMPLE[simple]
        if newline is not None:
            return ""
        if octal is not None:
            return chr(int(octal, 8))
        for digits, size in ((hex2, 2), (hex4, 4), (hex8, 8)):
            if digits is not None:
                if len(digits) == size and set(digits) <= _HEX and int(digits, 16) <= 0x10FFFF:
                    return chr(int(digits, 16))
                problems.append((m.start(), m.end() - m.start(), f"invalid escape `{m.group()}`"))
                return m.group()
        if named is not None:
            try:
                return unicodedata.lookup(named)
            except KeyError:
                length = m.end() - m.start()
                problems.append((m.start(), length, f"unknown character name `{named}`"))
                return m.group()
        return "\\" + (other or "")

    return _ESCAPE.sub(replace, body), problems
