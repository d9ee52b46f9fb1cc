"""Markdown descriptions of names, shared by hover and completion so both say the same thing."""

from __future__ import annotations

from epic_lang.analysis.builtins import BuiltinInfo
from epic_lang.analysis.scope import Binding
from epic_lang.syntax import ast

_BUILTIN_KIND = {
    "builtin": "built-in",
    "prelude": "prelude function",
    "llm": "LLM external",
    "control": "control built-in",
}

_LOCAL_KIND = {
    "param": "parameter",
    "local": "local value",
    "pattern": "pattern variable",
}


def code(text: str) -> str:
    return f"```epic\n{text}\n```"


def def_signature(decl: ast.Def, text: str) -> str:
    """`def name(a, b=default)` with defaults as written in `text` (the defining file)."""
    params = [
        p.name.text
        if p.default is None
        else f"{p.name.text}={text[p.default.span.start : p.default.span.end]}"
        for p in decl.params
    ]
    return f"def {decl.name.text}({', '.join(params)})"


def describe_builtin(info: BuiltinInfo, *, signature: bool = True) -> str:
    """Hover's text of a built-in; completion shows the signature as the item's detail, so
    its documentation leaves it out (`signature=False`)."""
    parts = [code(info.signature)] if signature else []
    parts.append(f"*{_BUILTIN_KIND.get(info.kind, info.kind)}*")
    if info.doc:
        parts.append(info.doc)
    if info.example:
        parts.append(f"Example:\n{code(info.example)}")
    return "\n\n".join(parts)


def describe_parameter(info: BuiltinInfo, param: str) -> str:
    """One parameter of a built-in, for hover on a keyword argument."""
    defaults = dict(info.params)
    if param not in defaults:
        return f"{code(param)}\n\n`{info.name}` has no parameter `{param}`."
    default = defaults[param]
    head = param if default is None else f"{param}={default}"
    parts = [code(f"(parameter) {head}"), f"*parameter of `{info.signature}`*"]
    doc = info.param_doc(param)
    if doc:
        parts.append(doc[0].upper() + doc[1:] + ".")
    return "\n\n".join(parts)


def describe_decl(decl: ast.Def | ast.LetDecl, text: str, origin: str | None = None) -> str:
    """A top-level def or let of the file whose text is `text`; `origin` names another file."""
    head = def_signature(decl, text) if isinstance(decl, ast.Def) else f"let {decl.name.text}"
    parts = [code(head)]
    if origin:
        parts.append(f"*from `{origin}`*")
    if decl.doc:
        parts.append(decl.doc)
    return "\n\n".join(parts)


def describe_binding(binding: Binding, text: str) -> str:
    """What a name bound in this file is: a declaration's signature and doc, or for a local
    name the line where it is bound."""
    node = binding.node
    if isinstance(node, ast.Def | ast.LetDecl):
        return describe_decl(node, text)
    if isinstance(node, ast.Import):
        kind = "python " if node.python else ""
        return code(f'import {kind}"{node.source}" as {node.alias.text}')
    what = "caught error" if isinstance(node, ast.Try) else _LOCAL_KIND.get(binding.kind, "")
    span = binding.name.span
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.start)
    line = text[line_start : len(text) if line_end < 0 else line_end].strip()
    caught = (
        "The failure of the `try` body, a record with `kind`, `message` and `site`.\n\n"
        if isinstance(node, ast.Try)
        else ""
    )
    return (
        f"{code(f'({what}) {binding.name.text}')}\n\n{caught}"
        f"Bound at line {span.line}, column {span.col}:\n{code(line)}"
    )
