"""The outline of a file: its declarations, and the regions an editor can fold.

Both are read straight from the syntax tree; after a syntax error they show what did parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from epic_lang.ide.walk import iter_nodes
from epic_lang.syntax import ast

SymbolKind = Literal["function", "variable", "module"]
FoldKind = Literal["region", "comment", "imports"]


@dataclass(frozen=True, slots=True)
class Symbol:
    """A declaration: `span` covers all of it, `name_span` just its name."""

    name: str
    kind: SymbolKind
    detail: str
    span: ast.Span
    name_span: ast.Span


@dataclass(frozen=True, slots=True)
class Fold:
    """Lines `start_line`..`end_line` (1-based, inclusive) that can be folded."""

    start_line: int
    end_line: int
    kind: FoldKind


def _param_text(param: ast.Param) -> str:
    """A parameter as the outline shows it: defaults are elided."""
    return param.name.text if param.default is None else f"{param.name.text}=…"


def symbols(module: ast.Module) -> list[Symbol]:
    out: list[Symbol] = []
    for decl in module.decls:
        if isinstance(decl, ast.Def):
            detail = f"({', '.join(_param_text(p) for p in decl.params)})"
            out.append(Symbol(decl.name.text, "function", detail, decl.span, decl.name.span))
        elif isinstance(decl, ast.LetDecl):
            out.append(Symbol(decl.name.text, "variable", "", decl.span, decl.name.span))
        else:
            kind = "python" if decl.python else "epic"
            detail = f'{kind} "{decl.source}"'
            out.append(Symbol(decl.alias.text, "module", detail, decl.span, decl.alias.span))
    return out


_FOLDABLE = (
    ast.Def,
    ast.LetDecl,
    ast.BlockLet,
    ast.BlockUnpack,
    ast.Try,
    ast.Match,
    ast.Case,
    ast.Lambda,
    ast.If,
    ast.Call,
    ast.ListExpr,
    ast.RecordExpr,
    ast.RecordUpdate,
    ast.TupleExpr,
    ast.FString,
    ast.Literal,
)


def folds(module: ast.Module) -> list[Fold]:
    """Multi-line constructs, runs of comment lines and the block of imports."""
    found: dict[int, Fold] = {}
    for node in iter_nodes(module):
        if isinstance(node, _FOLDABLE) and node.span.end_line > node.span.line:
            # One fold per start line: the outermost construct starting there wins.
            found.setdefault(node.span.line, Fold(node.span.line, node.span.end_line, "region"))
    out = list(found.values())
    out.extend(_line_runs([c.span.line for c in module.comments], "comment"))
    imports = [d for d in module.decls if isinstance(d, ast.Import)]
    if len(imports) > 1:
        out.append(Fold(imports[0].span.line, imports[-1].span.end_line, "imports"))
    out.sort(key=lambda f: (f.start_line, -f.end_line))
    return out


def _line_runs(lines: list[int], kind: FoldKind) -> list[Fold]:
    """Folds for each run of two or more consecutive line numbers."""
    runs: list[Fold] = []
    ordered = sorted(set(lines))
    first = 0  # index in `ordered` of the current run's first line
    for i, line in enumerate(ordered):
        if i + 1 == len(ordered) or ordered[i + 1] != line + 1:
            if line > ordered[first]:
                runs.append(Fold(ordered[first], line, kind))
            first = i + 1
    return runs
