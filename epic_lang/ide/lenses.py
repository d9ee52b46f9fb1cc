"""Which definitions get the ▶ Run code lens: every top-level `def`. A function with
parameters is run with arguments the editor asks for (`run_arguments.py` checks them)."""

from __future__ import annotations

from dataclasses import dataclass

from epic_lang.syntax import ast


@dataclass(frozen=True, slots=True)
class RunTarget:
    """An entry point the editor can run; `span` is the whole `def` (the lens sits above it).
    `params` are its parameter names, `required` how many of them have no default."""

    entry: str
    span: ast.Span
    params: tuple[str, ...] = ()
    required: int = 0


def run_targets(module: ast.Module) -> list[RunTarget]:
    return [
        RunTarget(
            decl.name.text,
            decl.span,
            tuple(p.name.text for p in decl.params),
            sum(1 for p in decl.params if p.default is None),
        )
        for decl in module.decls
        if isinstance(decl, ast.Def)
    ]
