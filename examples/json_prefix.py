"""A prefix checker for JSON, the grammar of examples/constrained_decoding.epic.

`is_prefix(text)` says whether some continuation makes `text` valid JSON; `is_complete(text)`
whether it already is one value. The checker is a small recursive-descent parser that treats
the end of the input as "could still continue" rather than as an error.
"""

from __future__ import annotations

import json


class _Incomplete(Exception):
    """The input ended where more text could make it valid."""


class _Invalid(Exception):
    """No continuation can make the input valid."""


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        self.skip_space()
        if self.pos >= len(self.text):
            raise _Incomplete
        return self.text[self.pos]

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n\r":
            self.pos += 1

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise _Invalid
        self.pos += 1

    def literal(self, word: str) -> None:
        rest = self.text[self.pos : self.pos + len(word)]
        if not word.startswith(rest):
            raise _Invalid
        if len(rest) < len(word):
            raise _Incomplete
        self.pos += len(word)

    def value(self) -> None:
        char = self.peek()
        if char == "{":
            self.sequence("}", self.member)
        elif char == "[":
            self.sequence("]", self.value)
        elif char == '"':
            self.string()
        elif char in "-0123456789":
            self.number()
        elif char in "tfn":
            self.literal({"t": "true", "f": "false", "n": "null"}[char])
        else:
            raise _Invalid

    def sequence(self, close: str, item) -> None:
        self.pos += 1
        if self.peek() == close:
            self.pos += 1
            return
        while True:
            item()
            char = self.peek()
            self.pos += 1
            if char == close:
                return
            if char != ",":
                raise _Invalid

    def member(self) -> None:
        if self.peek() != '"':
            raise _Invalid
        self.string()
        self.expect(":")
        self.value()

    def string(self) -> None:
        self.pos += 1
        while True:
            if self.pos >= len(self.text):
                raise _Incomplete
            char = self.text[self.pos]
            self.pos += 1
            if char == '"':
                return
            if char == "\\":
                self.pos += 1
            elif char < " ":
                raise _Invalid

    def number(self) -> None:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in "-+0123456789.eE":
            self.pos += 1
        token = self.text[start : self.pos]
        if self.pos >= len(self.text):
            if token in ("-",) or _number_prefix(token):
                raise _Incomplete
            raise _Invalid
        try:
            json.loads(token)
        except ValueError:
            raise _Invalid from None


def _number_prefix(token: str) -> bool:
    for tail in ("", "0", "1", "e1", ".0"):
        try:
            json.loads(token + tail)
            return True
        except ValueError:
            continue
    return False


def _state(text: str) -> str:
    reader = _Reader(text)
    try:
        reader.value()
    except _Incomplete:
        return "prefix"
    except _Invalid:
        return "invalid"
    reader.skip_space()
    return "complete" if reader.pos == len(text) else "invalid"


def is_prefix(text: str) -> bool:
    return _state(text) != "invalid"


def is_complete(text: str) -> bool:
    """True when `text` is exactly one JSON object (what the prompts ask for)."""
    return _state(text) == "complete" and text.lstrip().startswith("{")


def first_allowed(text: str, candidates: list[tuple[str, float]]) -> str | None:
    """The most likely candidate token after which the text can still become JSON."""
    for token, _logprob in sorted(candidates, key=lambda c: -c[1]):
        extended = text + token
        if (
            extended.strip()
            and is_prefix(extended)
            and (text.strip() or extended.lstrip()[0] == "{")
        ):
            return token
    return None
