"""Go to definition, find references and rename, over the resolution side table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from epic_lang.analysis.builtins import BuiltinInfo
from epic_lang.analysis.scope import Binding
from epic_lang.ide.document import Analysis
from epic_lang.ide.imports import import_file
from epic_lang.ide.lookup import Context, epic_member, import_at_source, member_at
from epic_lang.source import NO_SPAN, Span
from epic_lang.syntax import ast
from epic_lang.syntax.keywords import is_bare_name


@dataclass(frozen=True, slots=True)
class Location:
    """A span in a file; `path` None means the file being edited."""

    path: str | None
    span: Span


class RenameError(Exception):
    """Why a rename is refused, in one sentence for the user."""


def definition(analysis: Analysis, offset: int, context: Context | None = None) -> list[Location]:
    context = context or Context()
    decl = import_at_source(analysis, offset)
    if decl is not None:
        path = import_file(analysis.path, decl)
        return [] if path is None else [Location(path, NO_SPAN)]
    member = member_at(analysis, offset)
    if member is not None:
        found = epic_member(analysis, member.decl, member.field.name.text, context)
        if found is None:
            return []
        imported, member_decl = found
        return [Location(imported.path, member_decl.name.span)]
    occurrence = analysis.resolution.at(offset)
    if occurrence is None:
        return []
    target = occurrence.target
    if isinstance(target, Binding):
        return [Location(None, target.name.span)]
    return _prelude_location(target)


def _prelude_location(info: BuiltinInfo) -> list[Location]:
    """Prelude functions are EPIC source shipped with the package: jump there."""
    if info.kind != "prelude":
        return []
    from importlib.resources import files

    from epic_lang.core.prelude import prelude_syntax

    path = str(files("epic_lang.core").joinpath("prelude.epic"))
    for decl in prelude_syntax().decls:
        if isinstance(decl, ast.Def) and decl.name.text == info.name:
            return [Location(path, decl.name.span)]
    return []


def references(analysis: Analysis, offset: int, include_declaration: bool = True) -> list[Span]:
    occurrence = analysis.resolution.at(offset)
    if occurrence is None:
        return []
    target = occurrence.target
    if isinstance(target, BuiltinInfo):
        return sorted(
            (var.span for var, t in analysis.resolution.targets.items() if t is target),
            key=lambda s: s.start,
        )
    spans = analysis.resolution.references(target)
    if not include_declaration:
        spans = [s for s in spans if s != target.name.span]
    return spans


def prepare_rename(analysis: Analysis, offset: int) -> Span:
    """The span of the name that would be renamed; RenameError when it cannot be."""
    occurrence = analysis.resolution.at(offset)
    if occurrence is None:
        raise RenameError("There is no name here to rename.")
    if isinstance(occurrence.target, BuiltinInfo):
        kind = {"prelude": "a prelude function", "llm": "an LLM external"}.get(
            occurrence.target.kind, "a built-in"
        )
        raise RenameError(f"`{occurrence.target.name}` is {kind} and cannot be renamed.")
    return occurrence.span


def rename(analysis: Analysis, offset: int, new_name: str) -> list[Span]:
    """The spans to replace by `new_name` in this file: the binding, its uses and keyword
    arguments (a top-level name's uses in other files: `workspace.workspace_rename`)."""
    prepare_rename(analysis, offset)
    if not is_bare_name(new_name):
        raise RenameError(f"`{new_name}` is not a valid EPIC name.")
    occurrence = analysis.resolution.at(offset)
    assert occurrence is not None and isinstance(occurrence.target, Binding)
    refuse_clash(analysis, occurrence.target, new_name)
    return analysis.resolution.references(occurrence.target)


def refuse_clash(analysis: Analysis, binding: Binding, new_name: str) -> None:
    """RenameError when naming `binding` `new_name` would change what a name means."""
    resolution = analysis.resolution
    if new_name == binding.name.text:
        return
    where = f" at line {{line}}{_in_file(analysis)}"
    if binding.kind in ("def", "let", "import"):
        existing = resolution.top_level.get(new_name)
        if existing is not None:
            raise RenameError(
                f"`{new_name}` is already defined{where.format(line=existing.name.span.line)}."
            )
    # A local name spelt `new_name` whose scope holds a use, and that is bound inside the
    # renamed binding's scope, would capture that use.
    hiding = [
        other
        for other in resolution.bindings
        if other.name.text == new_name
        and other.kind in _LOCAL_WORDS
        and other.visible[0] >= binding.visible[0]
        and other is not binding
    ]
    for use in resolution.uses.get(binding, ()) if hiding else ():
        for other in hiding:
            if other.visible[0] <= use.span.start <= other.visible[1]:
                raise RenameError(
                    f"`{new_name}` would be hidden by the {_LOCAL_WORDS[other.kind]} "
                    f"`{new_name}` bound{where.format(line=other.name.span.line)}, where "
                    f"`{binding.name.text}` is used (line {use.span.line})."
                )
    low, high = binding.visible
    for var, target in resolution.targets.items():
        if var.name != new_name or target is binding or not low <= var.span.start <= high:
            continue
        if isinstance(target, BuiltinInfo) or (
            isinstance(target, Binding) and target.visible[0] <= binding.visible[0]
        ):
            what = (
                f"the built-in `{new_name}`"
                if isinstance(target, BuiltinInfo)
                else (f"the `{new_name}` bound at line {target.name.span.line}")
            )
            raise RenameError(
                f"`{new_name}` is used{where.format(line=var.span.line)} to mean {what}, "
                f"which the renamed `{binding.name.text}` would hide."
            )


_LOCAL_WORDS = {"param": "parameter", "local": "local name", "pattern": "pattern variable"}


def _in_file(analysis: Analysis) -> str:
    return "" if analysis.path is None else f" of {Path(analysis.path).name}"
