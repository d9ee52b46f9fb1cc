"""Inlay hints: the parameter names of positional arguments, `llm(prompt: p, ...)` style.

A hint goes before each positional argument of a call of a function whose parameters are
known statically (a built-in, a `def` or `fn` of the file, a `def` of an imported EPIC file, a
function of an imported Python file, read from its source) and that takes more than one
parameter. It is left out where it would only repeat the code:
the argument is a name spelled like the parameter (`llm(prompt)`) or made of it
(`split(text, line_sep)` for `sep`), as rust-analyzer and Pylance do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from epic_lang.analysis.builtins import BuiltinInfo
from epic_lang.analysis.python_imports import find_python_module
from epic_lang.analysis.scope import Binding
from epic_lang.ide.document import Analysis
from epic_lang.ide.lookup import Context, epic_member
from epic_lang.syntax import ast


@dataclass(frozen=True, slots=True)
class InlayHint:
    """`label` (`prompt:`) shown just before the character at `offset`."""

    offset: int
    label: str


def parameter_hints(
    analysis: Analysis, start: int, end: int, context: Context | None = None
) -> list[InlayHint]:
    """The hints of the calls that start between the offsets `start` and `end`."""
    context = context or Context()
    hints: list[InlayHint] = []
    for call in analysis.resolution.calls:
        if not isinstance(call, ast.Call) or not start <= call.span.start <= end:
            continue
        positional = [arg for arg in call.args if arg.name is None]
        if not positional:
            continue
        params = _parameters(analysis, call.func, context)
        if params is None or len(params) < 2:
            continue
        for arg, param in zip(positional, params, strict=False):
            if not _repeats(arg.value, param):
                hints.append(InlayHint(arg.value.span.start, f"{param}:"))
    return sorted(hints, key=lambda hint: hint.offset)


def _parameters(analysis: Analysis, func: ast.Expr, context: Context) -> list[str] | None:
    """The parameter names of the called function, when they are known statically."""
    if isinstance(func, ast.Var):
        target = analysis.resolution.targets.get(func)
        if isinstance(target, BuiltinInfo):
            return [name for name, _ in target.params]
        if isinstance(target, Binding):
            node = target.node
            if isinstance(node, ast.Def):
                return [p.name.text for p in node.params]
            if isinstance(node, ast.LetDecl | ast.BlockLet | ast.LetIn) and isinstance(
                node.value, ast.Lambda
            ):
                return [p.name.text for p in node.value.params]
        return None
    if isinstance(func, ast.Field) and isinstance(func.obj, ast.Var):
        target = analysis.resolution.targets.get(func.obj)
        if isinstance(target, Binding) and isinstance(target.node, ast.Import):
            if target.node.python:
                return _python_parameters(analysis, target.node, func.name.text)
            found = epic_member(analysis, target.node, func.name.text, context)
            if found is not None and isinstance(found[1], ast.Def):
                return [p.name.text for p in found[1].params]
    return None


def _python_parameters(analysis: Analysis, decl: ast.Import, name: str) -> list[str] | None:
    """A function of a Python file beside the program, read from its source (never
    imported: hints need no trust); a module on Python's path has no hints."""
    folder = None if analysis.path is None else Path(analysis.path).parent
    function = find_python_module(decl.source, folder, analysis.files).functions.get(name)
    if function is None or not function.checkable:
        return None
    return [param for param, _ in function.params]


def _repeats(value: ast.Expr, param: str) -> bool:
    """Whether the argument already says the parameter's name."""
    name = None
    if isinstance(value, ast.Var):
        name = value.name
    elif isinstance(value, ast.Field):
        name = value.name.text
    if name is None:
        return False
    name, param = name.lower().strip("_"), param.lower().strip("_")
    return name == param or name.endswith("_" + param) or name.startswith(param + "_")
