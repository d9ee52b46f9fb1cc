"""`epic check` of a file holding one declaration's syntax tree at a time.

A whole file's tree weighs about 28 times the file, so the checks take the declarations as
the parser hands them out (`ParseStream`), resolve and check each, and drop it. What later
declarations still need of it is kept in a lighter form: its top-level name bound to a
*header* (a `def`'s parameters without its body), the uses of names that no declaration so
far defines (a later one may), and the calls and member accesses that go through them. Once
the last declaration is in, those are settled against every top-level name and checked by
the same `Checker` as the rest (and as the editor's checks of a whole module), so the
diagnostics are the same.

One case is left to the whole-module check: a declaration naming a built-in the text used
above it, which changes what those earlier uses meant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from epic_lang.analysis.builtins import builtins_table
from epic_lang.analysis.scope import Binding, DeclarationResolver, Resolution, Unresolved
from epic_lang.diagnostics import Diagnostic
from epic_lang.source import NO_SPAN
from epic_lang.syntax import ast
from epic_lang.syntax.parser import ParseStream

if TYPE_CHECKING:
    from epic_lang.analysis.checks import Checker


def check_stream(text: str, path: str | None, checker: Checker) -> list[Diagnostic] | None:
    """The diagnostics of `text` by `checker`, one declaration at a time; None when the
    file needs the whole-module check (see the module's doc)."""
    stream = ParseStream(text, path)
    resolver = DeclarationResolver(len(text))
    left_open = _Open()
    headers: list[ast.Decl] = []
    for decl in stream.declarations():
        if _renames_a_used_builtin(decl, resolver.top_level, text):
            return None
        header = _header(decl)
        headers.append(header)
        resolution = resolver.resolve(decl, header)
        checker.run(resolution)
        left_open.add(resolution)
        # Dropped before the next declaration is parsed, so that only one tree is alive.
        del decl, resolution
    parsed = stream.result(headers)
    if len(parsed.module.decls) != len(headers):
        return None  # the parser gave up on the whole file: nothing of it is checked
    late = left_open.settle(resolver.top_level)
    checker.run(late)
    return checker.finish(late, parsed)


def _renames_a_used_builtin(decl: ast.Decl, top_level: dict[str, Binding], text: str) -> bool:
    """Whether `decl` binds a built-in's name first, and the name is written above it (a use
    there, already resolved to the built-in, means the new top-level name instead)."""
    name = (decl.alias if isinstance(decl, ast.Import) else decl.name).text
    if name not in builtins_table() or name in top_level:
        return False
    return re.compile(rf"\b{re.escape(name)}\b").search(text, 0, decl.span.start) is not None


def _header(decl: ast.Decl) -> ast.Decl:
    """What the checks of other declarations read of `decl` (through its binding): its kind
    and name, a def's or a lambda's parameters and whether each has a default."""
    if isinstance(decl, ast.Import):
        return decl
    if isinstance(decl, ast.Def):
        return ast.Def(decl.name, _params(decl.params), _STUB, None, decl.span)
    value = decl.value
    if isinstance(value, ast.Lambda):
        lambda_ = ast.Lambda(_params(value.params), _STUB, value.span)
        return ast.LetDecl(decl.name, lambda_, None, decl.span)
    return ast.LetDecl(decl.name, _STUB, None, decl.span)


def _params(params: tuple[ast.Param, ...]) -> tuple[ast.Param, ...]:
    if all(p.default is None for p in params):
        return params
    return tuple(p if p.default is None else ast.Param(p.name, _STUB, p.span) for p in params)


# What stands for a header's body and defaults, and for the arguments of an open call.
_STUB = ast.Placeholder(NO_SPAN)


class _Open:
    """What the declarations so far left open: uses of names no declaration defined before
    them, with the calls and `alias.name` accesses made through such names (their arguments
    reduced to names and spans, which is all the checks of a call by a defined function
    read)."""

    def __init__(self) -> None:
        self.unresolved: list[Unresolved] = []
        self.members: list[ast.Field] = []
        self.calls: list[ast.Call | ast.Pipe] = []

    def add(self, resolution: Resolution) -> None:
        self.unresolved += resolution.unresolved
        self.members += resolution.open_members
        targets = resolution.targets
        reduced: dict[int, ast.Call] = {}
        for call in resolution.calls:
            if isinstance(call, ast.Call):
                if _is_open(call.func, targets):
                    args = tuple(ast.Arg(a.name, _STUB, a.span) for a in call.args)
                    reduced[id(call)] = ast.Call(call.func, args, call.span)
                    self.calls.append(reduced[id(call)])
            elif isinstance(call.right, ast.Call):
                # Kept so that the call piped into knows it is (`Checker.calls`).
                right = reduced.get(id(call.right))
                if right is not None:
                    self.calls.append(ast.Pipe(_STUB, right, call.span))
            elif _is_open(call.right, targets):
                left = ast.Placeholder(call.left.span)  # the piped value's place, as an argument
                self.calls.append(ast.Pipe(left, call.right, call.span))

    def settle(self, top_level: dict[str, Binding]) -> Resolution:
        """A resolution of what was left open, now that `top_level` holds every name."""
        late = Resolution(ast.Module((), (), NO_SPAN), top_level=top_level)
        late.unresolved = [u for u in self.unresolved if u.var.name not in top_level]
        for field in self.members:
            binding = top_level.get(_var(field).name)
            if binding is not None and binding.kind == "import":
                late.members.append((field, binding))
        for call in self.calls:
            func = call.right if isinstance(call, ast.Pipe) else call.func
            if isinstance(func, ast.Call):
                continue
            var = _var(func)
            binding = top_level.get(var.name)
            if binding is not None:
                late.targets[var] = binding
        late.calls = self.calls
        return late


def _is_open(func: ast.Expr, targets: Mapping[ast.Var, object]) -> bool:
    """Whether a call's function is, or is a member of, a name unknown where it was met."""
    if isinstance(func, ast.Field):
        func = func.obj
    return isinstance(func, ast.Var) and func not in targets


def _var(node: ast.Expr) -> ast.Var:
    """The name of an open function or member access (`f` or `alias` of `alias.name`)."""
    if isinstance(node, ast.Field):
        node = node.obj
    assert isinstance(node, ast.Var)
    return node
