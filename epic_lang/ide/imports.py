"""The EPIC files a module imports, read for cross-file navigation, hover and completion.

An editor may hold unsaved text for an imported file, so the analysis of a file comes from a
`ModuleLoader` the caller supplies (the language server answers with its open documents'
analyses, then with `load_from_disk`). Files read from disk are cached by modification time.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from epic_lang.analysis.epic_imports import import_path as epic_import_path
from epic_lang.ide.document import Analysis
from epic_lang.syntax import ast

ModuleLoader = Callable[[str], "Analysis | None"]

_disk_cache: dict[str, tuple[float, Analysis]] = {}


def load_from_disk(path: str) -> Analysis | None:
    """The analysis of the file at `path`, or None when it cannot be read."""
    try:
        mtime = os.stat(path).st_mtime
        cached = _disk_cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        with open(path, encoding="utf-8") as handle:
            analysis = Analysis(handle.read(), path)
    except (OSError, UnicodeDecodeError):
        return None
    _disk_cache[path] = (mtime, analysis)
    return analysis


def import_path(importer: str | None, source: str) -> str | None:
    """The file an `import "source"` in the file `importer` names (relative to its folder)."""
    found = epic_import_path(source, importer)
    return None if found is None else os.path.normpath(found)


def load_import(
    importer: str | None, decl: ast.Import, loader: ModuleLoader = load_from_disk
) -> Analysis | None:
    """The analysis of the EPIC module `decl` imports, or None when it cannot be read."""
    if decl.python:
        return None
    path = import_path(importer, decl.source)
    return None if path is None else loader(path)


def exported(module: ast.Module) -> dict[str, ast.Def | ast.LetDecl]:
    """The members an importer sees: the module's top-level defs and lets (first one wins)."""
    members: dict[str, ast.Def | ast.LetDecl] = {}
    for decl in module.decls:
        if isinstance(decl, ast.Def | ast.LetDecl):
            members.setdefault(decl.name.text, decl)
    return members
