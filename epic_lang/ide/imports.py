"""The EPIC files a module imports, read for cross-file navigation, hover and completion.

An editor may hold unsaved text for an imported file, so the analysis of a file comes from a
`ModuleLoader` the caller supplies (the language server answers with its open documents'
analyses, then with `load_analysis` over its `SourceFiles`). Analyses of files read from disk
are cached there, per version of the file.
"""

from __future__ import annotations

from collections.abc import Callable

from epic_lang.ide.document import Analysis
from epic_lang.modules.files import DISK, SourceFiles
from epic_lang.modules.resolver import folder_of, resolve_import
from epic_lang.syntax import ast

ModuleLoader = Callable[[str], "Analysis | None"]


def load_analysis(path: str, files: SourceFiles) -> Analysis | None:
    """The analysis of the file's current text in `files`, or None when it cannot be read."""
    return files.derived(
        path, "analysis", lambda source: Analysis(source.text, source.path, None, files)
    )


def load_from_disk(path: str) -> Analysis | None:
    """The analysis of the file at `path` as it is on disk, or None when it cannot be read."""
    return load_analysis(path, DISK)


def import_file(importer: str | None, decl: ast.Import) -> str | None:
    """The file `decl` (in the file `importer`) names; None for a Python module or a
    relative import in a text without a file."""
    return resolve_import(decl.source, decl.python, folder_of(importer)).path


def load_import(
    importer: str | None, decl: ast.Import, loader: ModuleLoader = load_from_disk
) -> Analysis | None:
    """The analysis of the EPIC module `decl` imports, or None when it cannot be read."""
    path = None if decl.python else import_file(importer, decl)
    return None if path is None else loader(path)


def exported(module: ast.Module) -> dict[str, ast.Def | ast.LetDecl]:
    """The members an importer sees: the module's top-level defs and lets (first one wins)."""
    members: dict[str, ast.Def | ast.LetDecl] = {}
    for decl in module.decls:
        if isinstance(decl, ast.Def | ast.LetDecl):
            members.setdefault(decl.name.text, decl)
    return members
