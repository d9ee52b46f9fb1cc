"""Counts in messages: "1 LLM call", "2 LLM calls", one rule for every printed count."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count` and `word`, with `many` (default: `word` + "s") for any count but one."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
