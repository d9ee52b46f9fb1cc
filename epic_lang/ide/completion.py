"""Completion: names in scope, keywords, built-ins, module members and keyword arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from epic_lang.analysis.builtins import BuiltinInfo
from epic_lang.analysis.python_imports import find_python_module
from epic_lang.analysis.scope import Binding
from epic_lang.ide.calls import call_context, declaration_start
from epic_lang.ide.describe import describe_binding, describe_builtin, describe_decl
from epic_lang.ide.document import Analysis
from epic_lang.ide.imports import exported, load_import
from epic_lang.ide.lookup import Context
from epic_lang.ide.python_info import describe as describe_python
from epic_lang.ide.python_info import load_python_module
from epic_lang.ide.python_info import members as python_members
from epic_lang.ide.signatures import callee_signature
from epic_lang.ide.walk import decl_at
from epic_lang.syntax import ast
from epic_lang.syntax.keywords import KEYWORDS

ItemKind = Literal["function", "variable", "module", "parameter", "keyword", "field", "text"]

_WORD = re.compile(r"[A-Za-z_]\w*")
_MEMBER_ACCESS = re.compile(r"([A-Za-z_]\w*)\s*\.\s*\w*\Z")


@dataclass(frozen=True, slots=True)
class CompletionItem:
    """`rank` orders groups (lower first): keyword arguments, then local names, then
    top-level names, built-ins, keywords and plain words."""

    label: str
    kind: ItemKind
    detail: str = ""
    documentation: str = ""
    insert_text: str | None = None
    rank: int = 5


def complete(
    analysis: Analysis, offset: int, context: Context | None = None
) -> list[CompletionItem]:
    context = context or Context()
    text = analysis.text
    access = _MEMBER_ACCESS.search(text[max(0, offset - 200) : offset])
    if access is not None:
        return _members(analysis, access.group(1), context)
    items: dict[str, CompletionItem] = {}
    for item in _keyword_arguments(analysis, offset, context):
        items.setdefault(item.label, item)
    for name, target in analysis.resolution.names_in_scope(offset).items():
        items.setdefault(name, _name_item(name, target, analysis.text))
    for word in sorted(KEYWORDS):
        items.setdefault(word, CompletionItem(word, "keyword", rank=8))
    if decl_at(analysis.module, offset) is None:
        # The declaration being typed did not parse: offer the words written in it.
        start = declaration_start(text, offset)
        end = _next_declaration(text, offset)
        word_end = re.search(r"\w*\Z", text[:offset])
        assert word_end is not None  # `\w*` matches an empty word too
        prefix_start = offset - len(word_end.group(0))
        for match in _WORD.finditer(text, start, end):
            if match.start() != prefix_start:
                items.setdefault(match.group(0), CompletionItem(match.group(0), "text", rank=9))
    return list(items.values())


def _next_declaration(text: str, offset: int) -> int:
    match = re.compile(r"\n(?=[^\s#])").search(text, offset)
    return len(text) if match is None else match.start()


def _name_item(name: str, target: BuiltinInfo | Binding, text: str) -> CompletionItem:
    if isinstance(target, BuiltinInfo):
        documentation = describe_builtin(target, signature=False)
        return CompletionItem(name, "function", target.signature, documentation, rank=6)
    node = target.node
    if isinstance(node, ast.Def):
        return CompletionItem(name, "function", "", describe_binding(target, text), rank=4)
    if isinstance(node, ast.Import):
        return CompletionItem(name, "module", node.source, describe_binding(target, text), rank=4)
    if target.kind == "let":
        return CompletionItem(name, "variable", "", describe_binding(target, text), rank=4)
    kind: ItemKind = "parameter" if target.kind == "param" else "variable"
    return CompletionItem(name, kind, "", describe_binding(target, text), rank=2)


def _keyword_arguments(analysis: Analysis, offset: int, context: Context) -> list[CompletionItem]:
    call = call_context(analysis.text, offset)
    if call is None or call.keyword is not None:
        return []
    signature = callee_signature(analysis, call.callee, offset, context)
    if signature is None:
        return []
    return [
        CompletionItem(f"{name}=", "parameter", signature.label, signature.doc, f"{name}=", rank=1)
        for name, _, _ in signature.params
        if name not in call.used_keywords
    ]


def _members(analysis: Analysis, alias: str, context: Context) -> list[CompletionItem]:
    target = analysis.resolution.top_level.get(alias)
    if target is None or not isinstance(target.node, ast.Import):
        return []
    decl = target.node
    if not decl.python:
        imported = load_import(analysis.path, decl, context.loader)
        if imported is None:
            return []
        return [
            CompletionItem(
                name,
                "function" if isinstance(member, ast.Def) else "variable",
                decl.source,
                describe_decl(member, imported.text, origin=decl.source),
            )
            for name, member in exported(imported.module).items()
        ]
    module = load_python_module(analysis.path, decl.source) if context.trusted_python else None
    if module is None:
        # Without trust, the names a Python file defines are read from its source text only.
        base = Path(analysis.path).parent if analysis.path else None
        static = find_python_module(decl.source, base).members or frozenset()
        return [CompletionItem(name, "function", decl.source) for name in sorted(static)]
    return [
        CompletionItem(name, "function", decl.source, describe_python(module, name) or "")
        for name in python_members(module)
    ]
