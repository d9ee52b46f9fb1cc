"""Finding and reading the EPIC file that `import "./x.epic" as x` names.

The checks use it to report a missing file, an unknown member `x.f` and a wrong call of
`x.f(...)`; the language server uses it to go to a definition in another file. A file is
parsed once and cached until it changes on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from epic_lang.diagnostics import has_errors
from epic_lang.syntax import ast


@dataclass(frozen=True, slots=True)
class EpicModule:
    """A parsed imported file: its top-level declarations by name (the first of each name)
    and whether it had syntax errors (then a missing member may only be unparsed)."""

    file: Path
    module: ast.Module
    has_errors: bool
    top_level: dict[str, ast.Decl]


def import_path(source: str, importer: str | None) -> Path | None:
    """The file an import names, relative to the importing file's folder; None when the
    importing text has no file and the import is relative (an unsaved editor buffer)."""
    target = Path(source)
    if target.is_absolute():
        return target
    if importer is None:
        return None
    return Path(importer).resolve().parent / target


def load_epic_module(file: Path) -> EpicModule | None:
    """The parsed file, or None if it cannot be read."""
    try:
        stat = file.stat()
    except OSError:
        return None
    return _load(file.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=128)
def _load(file: Path, mtime_ns: int, size: int) -> EpicModule | None:
    from epic_lang.syntax.parser import parse

    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    result = parse(text, str(file))
    top_level: dict[str, ast.Decl] = {}
    for decl in result.module.decls:
        name = decl.alias if isinstance(decl, ast.Import) else decl.name
        top_level.setdefault(name.text, decl)
    return EpicModule(file, result.module, has_errors(result.diagnostics), top_level)
