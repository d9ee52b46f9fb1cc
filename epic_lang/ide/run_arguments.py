"""The arguments of a run started from the editor: JSON values, one per parameter, checked
against the entry's `def` before anything runs, so that a wrong count is an error at the
`def` rather than a runtime failure deep in the evaluator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from epic_lang.source import Span
from epic_lang.syntax import ast


@dataclass(frozen=True, slots=True)
class ArgumentsProblem:
    """Why the arguments do not fit, and the name of the definition they are for."""

    message: str
    span: Span


def arguments_problem(
    module: ast.Module, entry: str, args: tuple[Any, ...]
) -> ArgumentsProblem | None:
    """Why `entry(*args)` cannot be called, or None. A top-level `let` takes no arguments; a
    name the module does not define is left to the evaluator, whose error names it."""
    for decl in module.decls:
        if isinstance(decl, ast.Def) and decl.name.text == entry:
            problem = _arity_problem(decl, len(args))
            return None if problem is None else ArgumentsProblem(problem, decl.name.span)
        if isinstance(decl, ast.LetDecl) and decl.name.text == entry and args:
            message = f"`{entry}` is a value, not a function: it takes no arguments"
            return ArgumentsProblem(message, decl.name.span)
    return None


def _arity_problem(decl: ast.Def, given: int) -> str | None:
    names = [p.name.text for p in decl.params]
    required = sum(1 for p in decl.params if p.default is None)
    if required <= given <= len(names):
        return None
    if required == len(names):
        expected = _count(len(names))
    elif given < required:
        expected = f"at least {_count(required)}"
    else:
        expected = f"at most {_count(len(names))}"
    wanted = f" ({', '.join(names)})" if names else ""
    return f"`{decl.name.text}` takes {expected}{wanted}, and the run gave {given}"


def _count(n: int) -> str:
    return f"{n} argument{'' if n == 1 else 's'}"
