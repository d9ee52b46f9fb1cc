"""References, rename and symbols across the files of a workspace.

A top-level `def` or `let` of one module is used by name in its own file and as `alias.name`
in every file that imports the module (`import "./lib.epic" as alias`). These features find
the module's importers among the workspace's `.epic` files (read through the caller's
loader, so unsaved buffers count) and answer with spans per file. Names that are not
top-level (parameters, local lets, pattern variables, import aliases) stay in their file.

A rename is refused, with a sentence for the user, by the same rule as a rename inside one
file (`navigation.refuse_clash`): when the new name would change what another name means.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from epic_lang.analysis.epic_imports import epic_import_files
from epic_lang.analysis.scope import Binding
from epic_lang.ide.document import Analysis
from epic_lang.ide.imports import ModuleLoader, import_file
from epic_lang.ide.lookup import member_at
from epic_lang.ide.navigation import RenameError, refuse_clash
from epic_lang.ide.outline import Symbol, symbols
from epic_lang.modules.resolver import file_key
from epic_lang.source import Span
from epic_lang.syntax import ast
from epic_lang.syntax.keywords import is_bare_name


@dataclass(frozen=True, slots=True)
class TopLevel:
    """A top-level name of the module `analysis` (of the file `path`), and its binding."""

    analysis: Analysis
    path: str
    binding: Binding

    @property
    def name(self) -> str:
        return self.binding.name.text


@dataclass(frozen=True, slots=True)
class FileSymbol:
    """A declaration of a workspace file, for `workspace/symbol`."""

    path: str
    symbol: Symbol
    analysis: Analysis


def top_level_at(analysis: Analysis, offset: int, loader: ModuleLoader) -> TopLevel | None:
    """The top-level def or let named at `offset`: by its own name or a use in this file,
    or as `alias.name` of an imported EPIC module (then in that module's file)."""
    member = member_at(analysis, offset)
    if member is not None:
        decl = member.decl
        path = None if decl.python else import_file(analysis.path, decl)
        imported = None if path is None else loader(path)
        if imported is None or path is None:
            return None
        binding = imported.resolution.top_level.get(member.field.name.text)
        if binding is None or binding.kind not in ("def", "let"):
            return None
        return TopLevel(imported, file_key(path), binding)
    occurrence = analysis.resolution.at(offset)
    if occurrence is None or analysis.path is None:
        return None
    target = occurrence.target
    if isinstance(target, Binding) and target.kind in ("def", "let"):
        return TopLevel(analysis, file_key(analysis.path), target)
    return None


def importers_of(
    path: str, workspace: Iterable[str], loader: ModuleLoader
) -> list[tuple[str, Analysis]]:
    """The workspace files that import the file `path` (directly), with their analyses."""
    target = file_key(path)
    found = []
    for candidate in dict.fromkeys(file_key(p) for p in workspace):
        if candidate == target:
            continue
        analysis = loader(candidate)
        if analysis is not None and target in epic_import_files(analysis.module, candidate):
            found.append((candidate, analysis))
    return found


def member_uses(analysis: Analysis, path: str, name: str) -> list[Span]:
    """The spans of `name` in `alias.name` of the importer `analysis` where the alias is an
    import of the file `path`."""
    target = file_key(path)
    spans = []
    for field, binding in analysis.resolution.members:
        decl = binding.node
        if (
            field.name.text == name
            and isinstance(decl, ast.Import)
            and not decl.python
            and import_file(analysis.path, decl) == target
        ):
            spans.append(field.name.span)
    return spans


def workspace_references(
    symbol: TopLevel, workspace: Iterable[str], loader: ModuleLoader, include_declaration: bool
) -> dict[str, list[Span]]:
    """Every use of the top-level name in its file and its importers, by file."""
    own = symbol.analysis.resolution.references(symbol.binding)
    if not include_declaration:
        own = [s for s in own if s != symbol.binding.name.span]
    found: dict[str, list[Span]] = {symbol.path: own} if own else {}
    for path, importer in importers_of(symbol.path, workspace, loader):
        spans = member_uses(importer, symbol.path, symbol.name)
        if spans:
            found[path] = spans
    return found


def workspace_rename(
    symbol: TopLevel, new_name: str, workspace: Iterable[str], loader: ModuleLoader
) -> dict[str, list[Span]]:
    """The spans to replace by `new_name`, by file; RenameError when it is refused."""
    if not is_bare_name(new_name):
        raise RenameError(f"`{new_name}` is not a valid EPIC name.")
    refuse_clash(symbol.analysis, symbol.binding, new_name)
    importers = importers_of(symbol.path, workspace, loader)
    found = {symbol.path: symbol.analysis.resolution.references(symbol.binding)}
    for path, importer in importers:
        spans = member_uses(importer, symbol.path, symbol.name)
        if spans:
            found[path] = spans
    return found


def workspace_symbols(
    query: str, workspace: Iterable[str], loader: ModuleLoader, limit: int = 500
) -> list[FileSymbol]:
    """The top-level declarations of the workspace whose names contain the query's letters
    in order (case-insensitive, as editors filter), best matches first."""
    wanted = query.lower()
    found: list[tuple[tuple[int, int, str], FileSymbol]] = []
    for path in dict.fromkeys(file_key(p) for p in workspace):
        analysis = loader(path)
        if analysis is None:
            continue
        for symbol in symbols(analysis.module):
            rank = _fuzzy_rank(wanted, symbol.name.lower())
            if rank is not None:
                found.append(
                    ((rank, len(symbol.name), symbol.name), FileSymbol(path, symbol, analysis))
                )
    found.sort(key=lambda item: item[0])
    return [item for _, item in found[:limit]]


def _fuzzy_rank(query: str, name: str) -> int | None:
    """0 for a prefix, 1 for a substring, 2 for letters in order, None for no match."""
    if name.startswith(query):
        return 0
    if query in name:
        return 1
    at = 0
    for ch in query:
        at = name.find(ch, at) + 1
        if at == 0:
            return None
    return 2
