"""The call the cursor is in, read from the text rather than the tree.

While an argument list is being typed the file usually does not parse (`f(1, `), so signature
help and keyword-argument completion scan the current declaration's text for the innermost
open parenthesis instead, skipping strings and comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from epic_lang.syntax.keywords import KEYWORDS

_CALLEE = re.compile(r"([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\Z")
_KEYWORD_ARG = re.compile(r"\s*([A-Za-z_]\w*)\s*=(?![=>])")


@dataclass(frozen=True, slots=True)
class CallContext:
    """`callee` is the (possibly dotted) name before the `(`; `arg_index` counts the commas
    before the cursor; `keyword` is set when the current argument is `name=...`."""

    callee: str
    open_offset: int
    arg_index: int
    keyword: str | None
    used_keywords: frozenset[str]


def declaration_start(text: str, offset: int) -> int:
    """The start of the line that begins the top-level declaration around `offset`."""
    start = text.rfind("\n", 0, offset) + 1
    while start > 0:
        ch = text[start] if start < len(text) else ""
        if ch and ch not in " \t\r\n#":
            return start
        start = text.rfind("\n", 0, start - 1) + 1
    return 0


def call_context(text: str, offset: int) -> CallContext | None:
    # Each open bracket: [char, position, start offsets of its comma-separated segments].
    stack: list[tuple[str, int, list[int]]] = []
    i = declaration_start(text, offset)
    while i < offset:
        ch = text[i]
        if ch == "#":
            newline = text.find("\n", i)
            i = offset if newline < 0 else newline
            continue
        if ch in "\"'":
            i = _skip_string(text, i, offset)
            continue
        if ch in "([{":
            stack.append((ch, i, [i + 1]))
        elif ch in ")]}":
            if stack and stack[-1][0] == "([{"[")]}".index(ch)]:
                stack.pop()
        elif ch == "," and stack:
            stack[-1][2].append(i + 1)
        i += 1
    for ch, position, segments in reversed(stack):
        if ch != "(":
            continue
        match = _CALLEE.search(text[max(0, position - 200) : position])
        callee = re.sub(r"\s+", "", match.group(1)) if match else ""
        if not callee or callee in KEYWORDS:
            continue  # a parenthesised expression or `fn(...)`: the call is further out
        ends = segments[1:] + [offset]
        words = [_KEYWORD_ARG.match(text, s, e) for s, e in zip(segments, ends, strict=True)]
        current = words[-1]
        used = frozenset(m.group(1) for m in words[:-1] if m)
        return CallContext(
            callee, position, len(segments) - 1, current.group(1) if current else None, used
        )
    return None


def _skip_string(text: str, i: int, limit: int) -> int:
    """The offset just after the string literal starting at `i` (or `limit` if unclosed)."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = text.find(quote * 3, i + 3)
        return limit if end < 0 else min(end + 3, limit)
    j = i + 1
    while j < limit:
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote or text[j] == "\n":
            return j + 1
        j += 1
    return limit
