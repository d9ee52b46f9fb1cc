"""What the name under the cursor is: shared by hover, go to definition and completion.

Names bound in the file come from the resolution side table; `alias.member` of an imported
module needs the imported file (EPIC) or the imported module itself (Python, only when the
workspace is trusted).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from epic_lang.analysis.scope import Binding
from epic_lang.ide.document import Analysis
from epic_lang.ide.imports import ModuleLoader, exported, load_from_disk, load_import
from epic_lang.ide.python_info import load_python_module
from epic_lang.syntax import ast


@dataclass(frozen=True, slots=True)
class Context:
    """What an editor feature may read beyond the file itself. `trusted_python` is the
    user's permission to import (and so run) the Python modules a file imports."""

    loader: ModuleLoader = load_from_disk
    trusted_python: bool = False


@dataclass(frozen=True, slots=True)
class MemberRef:
    """`alias.member` where `alias` is bound by an import."""

    field: ast.Field
    module: Binding

    @property
    def decl(self) -> ast.Import:
        """The import that binds the alias."""
        node = self.module.node
        assert isinstance(node, ast.Import)  # `members` holds only fields of import aliases
        return node


def member_at(analysis: Analysis, offset: int) -> MemberRef | None:
    for field, binding in analysis.resolution.members:
        if field.name.span.start <= offset <= field.name.span.end:
            return MemberRef(field, binding)
    return None


def import_at_source(analysis: Analysis, offset: int) -> ast.Import | None:
    """The import whose quoted source string contains `offset`."""
    for decl in analysis.module.decls:
        if isinstance(decl, ast.Import) and decl.source_span.contains(offset):
            return decl
    return None


def epic_member(
    analysis: Analysis, decl: ast.Import, member: str, context: Context
) -> tuple[Analysis, ast.Def | ast.LetDecl] | None:
    """The declaration `member` of the EPIC module `decl` imports, with that module's analysis."""
    imported = load_import(analysis.path, decl, context.loader)
    if imported is None:
        return None
    found = exported(imported.module).get(member)
    return None if found is None else (imported, found)


def python_module(analysis: Analysis, decl: ast.Import, context: Context) -> ModuleType | None:
    """The Python module `decl` imports, only when the workspace is trusted."""
    if not decl.python or not context.trusted_python:
        return None
    return load_python_module(analysis.path, decl.source)
