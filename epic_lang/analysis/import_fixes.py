"""Quick fixes for an unknown name that another EPIC file of the project defines: use it through
the module's existing import (`lib.shout`), or add the import and use it so.

The project, for this purpose, is the importing file's folder and the folders below it, a few
levels deep (`modules/project.py`): the files a relative `import "./x.epic"` reaches without
`..`. Files are read through the checks' `SourceFiles`, so the editor's unsaved buffers count
and each file is parsed once per version.
"""

from __future__ import annotations

import os
from pathlib import Path

from epic_lang.analysis.epic_imports import load_epic_module
from epic_lang.diagnostics import Fix, TextEdit
from epic_lang.modules.files import SourceFiles
from epic_lang.modules.project import epic_files_below
from epic_lang.modules.resolver import file_key, folder_of, resolve_import
from epic_lang.source import Span
from epic_lang.syntax import ast
from epic_lang.syntax.keywords import is_bare_name

# How deep below the file's folder, and how many files at most, are looked at: a check runs on
# every keystroke, so a file in the home folder must not read the whole disk.
MAX_DEPTH = 3
MAX_FILES = 200


def project_files(path: str) -> list[str]:
    """The `.epic` files a relative import from `path` can name without `..`, the file
    itself left out."""
    folder = folder_of(path)
    if folder is None:
        return []
    own = file_key(path)
    below = epic_files_below(folder, max_depth=MAX_DEPTH, max_files=MAX_FILES + 1)
    return [file for file in below if file != own][:MAX_FILES]


class ImportFixer:
    """Finds, for unknown names of one module, the project files that define them. Made once
    per check; the project's files are listed on the first question only."""

    def __init__(self, module: ast.Module, path: str | None, files: SourceFiles) -> None:
        self.module = module
        self.path = path
        self.files = files
        self._candidates: list[str] | None = None
        self._aliases: dict[str, str] = {}
        self._options: dict[str, list[tuple[str, str, bool]]] = {}

    def fixes(self, word: str, span: Span, taken: frozenset[str]) -> list[Fix]:
        """Fixes for the unknown `word` at `span`; `taken` holds the module's names (a new
        alias must not clash with them)."""
        if self.path is None:
            return []
        if word not in self._options:
            self._options[word] = self._find(word, taken)
        fixes = []
        for relative, alias, imported in self._options[word]:
            use = TextEdit(span, f"{alias}.{word}")
            if imported:
                fixes.append(Fix(f"Use `{alias}.{word}` from `{relative}`", (use,)))
            else:
                line = TextEdit(self._import_point(), f'import "./{relative}" as {alias}\n')
                fixes.append(Fix(f"Import `{word}` from `./{relative}` as `{alias}`", (line, use)))
        return fixes

    def _find(self, word: str, taken: frozenset[str]) -> list[tuple[str, str, bool]]:
        """(path relative to the file, alias, already imported) of each file defining `word`."""
        assert self.path is not None
        if self._candidates is None:
            self._candidates = project_files(self.path)
            self._aliases = self._imported_aliases()
        folder = folder_of(self.path) or ""
        options = []
        for file in self._candidates:
            found = load_epic_module(file, self.files)
            if found is None or not isinstance(found.top_level.get(word), ast.Def | ast.LetDecl):
                continue
            if file_key(self.path) in found.imports:
                continue  # importing it back would make an import cycle
            relative = Path(os.path.relpath(file, folder)).as_posix()
            alias = self._aliases.get(file)
            if alias is not None:
                options.append((relative, alias, True))
            elif is_bare_name(Path(file).stem) and Path(file).stem not in taken:
                options.append((relative, Path(file).stem, False))
        return options

    def _imported_aliases(self) -> dict[str, str]:
        """The EPIC files the module imports already, with their aliases."""
        base = folder_of(self.path)
        aliases: dict[str, str] = {}
        for decl in self.module.decls:
            if isinstance(decl, ast.Import) and not decl.python:
                target = resolve_import(decl.source, False, base).path
                if target is not None:
                    aliases.setdefault(target, decl.alias.text)
        return aliases

    def _import_point(self) -> Span:
        """Where a new import line goes: at the start of the line of the first declaration
        (the imports, usually), above its `##` doc comment; else at the start."""
        if not self.module.decls:
            return Span(0, 0, 1, 1, 1, 1)
        first = self.module.decls[0].span
        line, start = first.line, first.start
        docs = {c.span.line: c for c in self.module.comments if c.span.col == 1}
        while line - 1 in docs and docs[line - 1].text.startswith("##"):
            line, start = line - 1, docs[line - 1].span.start
        return Span(start, start, line, 1, line, 1)
