"""Signatures of callable names, for signature help and keyword-argument completion."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from epic_lang.analysis.builtins import BuiltinInfo
from epic_lang.analysis.scope import Binding
from epic_lang.ide.calls import CallContext, call_context
from epic_lang.ide.document import Analysis
from epic_lang.ide.lookup import Context, epic_member, python_module
from epic_lang.syntax import ast


@dataclass(frozen=True, slots=True)
class Signature:
    """`label` is `name(a, b=1)` (`name(a, *, b=1)` when `b` is keyword-only); `params` are
    the parameter names with their (start, end) character offsets inside `label`;
    `positional` how many of them a call may pass by position (None: all)."""

    label: str
    params: tuple[tuple[str, int, int], ...]
    doc: str
    positional: int | None = None


@dataclass(frozen=True, slots=True)
class SignatureHelp:
    signature: Signature
    active_param: int | None


def build(
    name: str, params: list[tuple[str, str | None]], doc: str, positional: int | None = None
) -> Signature:
    label = f"{name}("
    spans = []
    for i, (param, default) in enumerate(params):
        if i:
            label += ", "
        if i == positional:
            label += "*, "
        part = param if default is None else f"{param}={default}"
        spans.append((param, len(label), len(label) + len(part)))
        label += part
    return Signature(label + ")", tuple(spans), doc, positional)


def _def_signature(decl: ast.Def, text: str, name: str) -> Signature:
    params = [(p.name.text, _source(text, p.default)) for p in decl.params]
    return build(name, params, decl.doc or "")


def _source(text: str, node: ast.Expr | None) -> str | None:
    return None if node is None else text[node.span.start : node.span.end]


def callee_signature(
    analysis: Analysis, callee: str, offset: int, context: Context
) -> Signature | None:
    """The signature of the function a call names, when it is known statically."""
    head, _, member = callee.partition(".")
    target = analysis.resolution.names_in_scope(offset).get(head)
    if not member:
        if isinstance(target, BuiltinInfo):
            return build(target.name, list(target.params), target.doc, target.positional)
        if isinstance(target, Binding) and isinstance(target.node, ast.Def):
            return _def_signature(target.node, analysis.text, head)
        return None
    if not (isinstance(target, Binding) and isinstance(target.node, ast.Import)):
        return None
    decl = target.node
    if not decl.python:
        found = epic_member(analysis, decl, member, context)
        if found is None or not isinstance(found[1], ast.Def):
            return None
        return _def_signature(found[1], found[0].text, callee)
    module = python_module(analysis, decl, context)
    function = getattr(module, member, None) if module else None
    try:
        parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    params = [
        (p.name, None if p.default is inspect.Parameter.empty else repr(p.default))
        for p in parameters
    ]
    return build(callee, params, inspect.getdoc(function) or "")


def signature_help(
    analysis: Analysis, offset: int, context: Context | None = None
) -> SignatureHelp | None:
    call = call_context(analysis.text, offset)
    if call is None:
        return None
    signature = callee_signature(analysis, call.callee, offset, context or Context())
    if signature is None:
        return None
    return SignatureHelp(signature, active_parameter(signature, call))


def active_parameter(signature: Signature, call: CallContext) -> int | None:
    names = [name for name, _, _ in signature.params]
    if call.keyword is not None:
        return names.index(call.keyword) if call.keyword in names else None
    limit = len(names) if signature.positional is None else signature.positional
    return call.arg_index if call.arg_index < limit else None
