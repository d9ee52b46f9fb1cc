"""Hover: what the name under the cursor is, in markdown."""

from __future__ import annotations

from dataclasses import dataclass

from epic_lang.analysis.builtins import BuiltinInfo
from epic_lang.ide.describe import (
    code,
    describe_binding,
    describe_builtin,
    describe_decl,
    describe_parameter,
)
from epic_lang.ide.document import Analysis
from epic_lang.ide.lookup import Context, epic_member, member_at, python_module
from epic_lang.ide.python_info import describe as describe_python
from epic_lang.source import Span
from epic_lang.syntax import ast


@dataclass(frozen=True, slots=True)
class HoverInfo:
    markdown: str
    span: Span


def hover(analysis: Analysis, offset: int, context: Context | None = None) -> HoverInfo | None:
    context = context or Context()
    member = member_at(analysis, offset)
    if member is not None:
        text = _member(analysis, member.decl, member.field.name.text, context)
        return HoverInfo(text, member.field.name.span)
    occurrence = analysis.resolution.at(offset)
    if occurrence is None:
        return _builtin_keyword(analysis, offset)
    target = occurrence.target
    if isinstance(target, BuiltinInfo):
        return HoverInfo(describe_builtin(target), occurrence.span)
    return HoverInfo(describe_binding(target, analysis.text), occurrence.span)


def _member(analysis: Analysis, decl: ast.Import, name: str, context: Context) -> str:
    alias = decl.alias.text
    if not decl.python:
        found = epic_member(analysis, decl, name, context)
        if found is None:
            return f"{code(f'{alias}.{name}')}\n\nNot found in `{decl.source}`."
        imported, member_decl = found
        return describe_decl(member_decl, imported.text, origin=decl.source)
    module = python_module(analysis, decl, context)
    if module is not None:
        described = describe_python(module, name)
        if described:
            return f"{described}\n\n*Python external from `{decl.source}`*"
    if not context.trusted_python:
        return (
            f"{code(f'{alias}.{name}')}\n\n*Python external from `{decl.source}`.* "
            "Its signature is not shown because the workspace is not trusted to run Python code."
        )
    return f"{code(f'{alias}.{name}')}\n\n*Python external from `{decl.source}`.*"


def _builtin_keyword(analysis: Analysis, offset: int) -> HoverInfo | None:
    """`max_tokens` in `llm(p, max_tokens=64)`: that parameter of the built-in (a keyword of
    a `def` of this file is an occurrence of its parameter, described above)."""
    for call in analysis.resolution.calls:
        if not isinstance(call, ast.Call) or not call.span.contains(offset):
            continue
        for arg in call.args:
            if arg.name is None or not arg.name.span.contains(offset):
                continue
            target = (
                analysis.resolution.targets.get(call.func)
                if isinstance(call.func, ast.Var)
                else None
            )
            if not isinstance(target, BuiltinInfo):
                return None
            return HoverInfo(describe_parameter(target, arg.name.text), arg.name.span)
    return None
