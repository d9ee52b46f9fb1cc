"""The one table of keywords: the lexer reserves exactly its words, the grammar declares their
tokens, the editor grammar highlights them, and both printers (of values, and the formatter)
quote a record key that is a keyword, so that what they print parses back."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import epic_lang
from epic_lang.eval.program import run_source
from epic_lang.eval.values import format_value
from epic_lang.format.equivalence import equivalent
from epic_lang.format.formatter import format_module
from epic_lang.source import NO_SPAN
from epic_lang.syntax import ast
from epic_lang.syntax.keywords import KEYWORDS, is_bare_name
from epic_lang.syntax.lexer import tokenize
from epic_lang.syntax.parser import parse

ROOT = Path(epic_lang.__file__).resolve().parent.parent
# Unusual keys beside the keywords: a Unicode name, names that only look like keywords, and
# keys that are not names at all.
OTHER_KEYS = ["größe", "_", "x1", "within", "nonex", "If", "a b", "", "1a", "x-y", "ä\u0301"]
KEYS = [*KEYWORDS, *OTHER_KEYS]


def test_every_keyword_is_reserved_by_the_lexer() -> None:
    for word in KEYWORDS:
        assert tokenize(f"{word} x\n").tokens[0].type != "NAME", word
        assert parse(f"def f({word}) = 1\n").diagnostics, word


def test_the_reference_lists_the_keywords() -> None:
    reference = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    section = reference.split("### Names and keywords", 1)[1]
    listed = section.split("```text\n", 1)[1].split("```", 1)[0].split()
    assert listed == list(KEYWORDS)


def test_the_grammar_declares_every_keyword_token() -> None:
    grammar = (ROOT / "epic_lang" / "syntax" / "grammar.lark").read_text(encoding="utf-8")
    declarations = [line.split() for line in grammar.splitlines() if line.startswith("%declare")]
    declared = {name for names in declarations for name in names}
    # `from` is reserved for later and accepted nowhere (docs/language.md §2).
    assert set(KEYWORDS.values()) - {"FROM"} <= declared


def _words(pattern: str) -> set[str]:
    """The lower-case words a TextMate pattern spells out (`\\b(if|then)\\b` gives if, then)."""
    return set(re.findall(r"(?<![A-Za-z\\])[a-z]+(?![A-Za-z])", pattern.replace("\\b", " ")))


def _patterns(rule: object) -> Iterator[str]:
    if isinstance(rule, dict):
        for key, value in rule.items():
            if key in ("match", "begin") and isinstance(value, str):
                yield value
            yield from _patterns(value)
    elif isinstance(rule, list):
        for item in rule:
            yield from _patterns(item)


def test_the_editor_grammar_highlights_exactly_the_keywords() -> None:
    path = ROOT / "vscode-extension" / "syntaxes" / "epic.tmLanguage.json"
    grammar = json.loads(path.read_text(encoding="utf-8"))
    anywhere = set().union(*map(_words, _patterns(grammar)))
    assert set(KEYWORDS) <= anywhere, set(KEYWORDS) - anywhere
    keyword_rules = set().union(*map(_words, _patterns(grammar["repository"]["keyword"])))
    assert keyword_rules <= set(KEYWORDS), keyword_rules - set(KEYWORDS)


@pytest.mark.parametrize("key", KEYS)
def test_a_key_is_bare_exactly_when_the_lexer_reads_one_name(key: str) -> None:
    tokens = tokenize(f"{key}\n").tokens
    one_name = [t.type for t in tokens if t.type not in ("_NL", "$END")] == ["NAME"]
    assert is_bare_name(key) == (one_name and tokens[0] == key), [t.type for t in tokens]


def test_printed_values_with_keyword_keys_parse_back() -> None:
    value = {key: i for i, key in enumerate(KEYS)} | {"nested": [{"with": {"none": None}}]}
    text = format_value(value)
    assert '"with": ' in text
    assert run_source(f"def main() = {text}\n").value == value


def test_formatted_records_with_keyword_keys_parse_back() -> None:
    fields = tuple(
        ast.RecordField(key, NO_SPAN, False, ast.Literal(i, str(i), NO_SPAN), NO_SPAN)
        for i, key in enumerate(KEYS)
    )
    record = ast.RecordExpr(fields, NO_SPAN)
    pattern = ast.PRecord(
        tuple(ast.PRecordField(k, NO_SPAN, ast.PWildcard(NO_SPAN), NO_SPAN) for k in KEYS), NO_SPAN
    )
    body = ast.Match(record, (ast.Case(pattern, ast.Literal(0, "0", NO_SPAN), NO_SPAN),), NO_SPAN)
    module = ast.Module((ast.Def(ast.Name("f", NO_SPAN), (), body, None, NO_SPAN),), (), NO_SPAN)
    text = format_module(module, None)
    result = parse(text)
    assert not result.diagnostics, (text, result.diagnostics)
    assert equivalent(result.module, module), text
