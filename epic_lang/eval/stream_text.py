"""Text made safe for a stream that cannot take every character: `epic run`'s result.

A result may hold a lone surrogate (EPIC strings are sequences of code points, as in Python,
and `"\\ud800"` is a valid literal), and stdout may be ASCII (`LC_ALL=C`, a pipe under an ASCII
locale); printing must fail in neither case. Each character the stream's encoding cannot take
is written as an escape instead: in text as EPIC (and Python) spell it in a string literal
(`\\xe9`, `\\ud800`, `\\U0001f600`), in JSON as `\\u` escapes (`\\u00e9`, a surrogate pair for
characters above U+FFFF), so the JSON output always parses back to the same value.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable

_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def text_escape(char: str) -> str:
    return char.encode("ascii", "backslashreplace").decode("ascii")


def json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def encodable(text: str, encoding: str | None, escape: Callable[[str], str]) -> str:
    """`text` with every character that `encoding` cannot take replaced by `escape(char)`.
    ASCII is assumed encodable (every stdout encoding in use is ASCII-compatible)."""
    encoding = encoding or "utf-8"
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    except LookupError:  # an encoding Python does not know: be safe, write ASCII only
        encoding = "ascii"
    encoder = codecs.getencoder(encoding)
    seen: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        if char not in seen:
            try:
                encoder(char)
                seen[char] = char
            except UnicodeEncodeError:
                seen[char] = escape(char)
        return seen[char]

    return _NOT_ASCII.sub(replace, text)
