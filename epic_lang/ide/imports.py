"""The EPIC files a module imports, read for cross-file navigation, hover and completion.

An editor may hold unsaved text for an imported file, so the text comes from a `SourceReader`
the caller supplies (the language server reads its open documents first, then the disk).
Analyses of files read from disk are cached by modification time.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from epic_lang.analysis.epic_imports import import_path as epic_import_path
from epic_lang.ide.document import Analysis
from epic_lang.syntax import ast

SourceReader = Callable[[str], "str | None"]

_disk_cache: dict[str, tuple[float, Analysis]] = {}


def read_disk(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def import_path(importer: str | None, source: str) -> str | None:
    """The file an `import "source"` in the file `importer` names (relative to its folder)."""
    found = epic_import_path(source, importer)
    return None if found is None else os.path.normpath(found)


def load_import(
    importer: str | None, decl: ast.Import, reader: SourceReader = read_disk
) -> Analysis | None:
    """The analysis of the EPIC module `decl` imports, or None when it cannot be read."""
    if decl.python:
        return None
    path = import_path(importer, decl.source)
    if path is None:
        return None
    if reader is not read_disk:
        text = reader(path)
        return None if text is None else Analysis(text, path)
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    cached = _disk_cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    text = read_disk(path)
    if text is None:
        return None
    analysis = Analysis(text, path)
    _disk_cache[path] = (mtime, analysis)
    return analysis


def exported(module: ast.Module) -> dict[str, ast.Def | ast.LetDecl]:
    """The members an importer sees: the module's top-level defs and lets (first one wins)."""
    members: dict[str, ast.Def | ast.LetDecl] = {}
    for decl in module.decls:
        if isinstance(decl, ast.Def | ast.LetDecl):
            members.setdefault(decl.name.text, decl)
    return members
