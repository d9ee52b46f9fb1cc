"""The imported EPIC file as the checks need it: its top-level names and whether it parsed.

The checks use it to report an unknown member `x.f` and a wrong call of `x.f(...)`; the
language server uses `imports` to find the open files to re-check when a file changes. The
text comes from a `SourceFiles` (the editor's unsaved buffer when one is open), and the parse
is cached there per version of the file.
"""

from __future__ import annotations

from epic_lang.diagnostics import has_errors
from epic_lang.modules.files import DISK, SourceFiles, SourceText
from epic_lang.modules.resolver import folder_of, resolve_import
from epic_lang.records import record
from epic_lang.syntax import ast


@record(frozen=True, slots=True)
class EpicModule:
    """A parsed imported file: its top-level declarations by name (the first of each name),
    whether it had syntax errors (then a missing member may only be unparsed), and the EPIC
    files it imports in turn."""

    file: str
    module: ast.Module
    has_errors: bool
    top_level: dict[str, ast.Decl]
    imports: tuple[str, ...]


EPIC_MODULE = "epic-module"
"""The kind of `EpicModule`s in a `SourceFiles`'s cache (the language server offers it the
ones of open files, from their analyses)."""


def load_epic_module(file: str, files: SourceFiles = DISK) -> EpicModule | None:
    """The parsed file, or None if it cannot be read."""
    return files.derived(file, EPIC_MODULE, _parse)


def epic_import_files(module: ast.Module, importer: str | None) -> tuple[str, ...]:
    """The paths of the EPIC files `module` (the text of the file `importer`) imports."""
    base = folder_of(importer)
    targets = (
        resolve_import(decl.source, False, base).path
        for decl in module.decls
        if isinstance(decl, ast.Import) and not decl.python
    )
    return tuple(path for path in targets if path is not None)


def epic_module(file: str, module: ast.Module, syntax_errors: bool) -> EpicModule:
    """What importers need of the parsed text of `file`."""
    top_level: dict[str, ast.Decl] = {}
    for decl in module.decls:
        name = decl.alias if isinstance(decl, ast.Import) else decl.name
        top_level.setdefault(name.text, decl)
    return EpicModule(file, module, syntax_errors, top_level, epic_import_files(module, file))


def _parse(source: SourceText) -> EpicModule:
    from epic_lang.syntax.parser import parse

    result = parse(source.text, source.path)
    return epic_module(source.path, result.module, has_errors(result.diagnostics))
