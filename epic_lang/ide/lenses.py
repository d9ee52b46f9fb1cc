"""Which definitions get the ▶ Run code lens: `main` and every zero-argument `def`."""

from __future__ import annotations

from dataclasses import dataclass

from epic_lang.syntax import ast


@dataclass(frozen=True, slots=True)
class RunTarget:
    """An entry point the editor can run; `span` is the whole `def` (the lens sits above it)."""

    entry: str
    span: ast.Span


def run_targets(module: ast.Module) -> list[RunTarget]:
    return [
        RunTarget(decl.name.text, decl.span)
        for decl in module.decls
        if isinstance(decl, ast.Def) and (decl.name.text == "main" or not decl.params)
    ]
