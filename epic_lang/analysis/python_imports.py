"""Finding the target of `import python "..."` without running any of its code.

Importing a Python module executes it, and opening a file in an editor must never do that.
So a module name is looked up with the import system's *finders* only (the top-level name with
`importlib.util.find_spec`, submodules with `PathFinder` inside the package's folders, since
`find_spec("a.b")` would import `a`), and a Python file beside the program (`"./tools.py"`)
is read with Python's `ast` module to learn which names it defines. Which of the two an import
names is decided by `epic_lang.modules.resolver`, as for the evaluator.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from epic_lang.modules.files import DISK, SourceFiles, SourceText
from epic_lang.modules.resolver import ImportKind, resolve_import

if TYPE_CHECKING:
    import ast
from epic_lang.records import field, record


@record(frozen=True, slots=True)
class PythonFunction:
    """A function defined at the top of a Python file, read from its source: enough for a
    hover (signature, docstring) and, when `checkable`, for checking calls' arguments.

    `params` are the parameters that can be passed by position or keyword, with the source
    text of their defaults; `checkable` is False when the function has `*args`, `**kwargs`,
    keyword-only or positional-only parameters or decorators (which may change all that)."""

    name: str
    signature: str
    params: tuple[tuple[str, str | None], ...]
    doc: str | None
    line: int
    is_async: bool
    checkable: bool


@record(frozen=True, slots=True)
class PythonModule:
    """What static analysis knows about one Python import.

    `found` is False when the module or file certainly does not exist (then `problem` says
    why). `members` is the set of top-level names when the source was read and they can be
    known; None when they cannot (a C extension, a star import, a module `__getattr__`).
    `functions` are the file's top-level functions (local files only)."""

    source: str
    found: bool
    file: Path | None = None
    members: frozenset[str] | None = None
    problem: str | None = None
    functions: dict[str, PythonFunction] = field(default_factory=dict)


def find_python_module(
    source: str, base_dir: Path | None, files: SourceFiles = DISK
) -> PythonModule:
    """Looks up a Python import of a program in `base_dir` (None: relative files unknown);
    a Python file is read from `files`."""
    target = resolve_import(source, True, None if base_dir is None else str(base_dir))
    if target.kind is ImportKind.PYTHON_MODULE:
        return _find_named_module(source, base_dir)
    if target.path is None:
        return PythonModule(source, True)
    found = files.derived(target.path, "python-file", _read_python_file)
    if found is None:
        problem = f"no Python file `{source}` (looked for {target.path})"
        return PythonModule(source, False, Path(target.path), None, problem)
    return found


def _find_named_module(source: str, base_dir: Path | None) -> PythonModule:
    parts = source.split(".")
    if not all(part.isidentifier() for part in parts):
        return PythonModule(source, False, problem=f"`{source}` is not a Python module name")
    try:
        spec = importlib.util.find_spec(parts[0])
    except Exception:  # a third-party finder's failure must not stop the checks
        spec = None
    if spec is None:
        problem = f"cannot find Python module `{parts[0]}`"
        if base_dir is not None and (base_dir / f"{parts[0]}.py").is_file():
            # Module names are looked up on Python's path, not beside the program.
            problem += f"; for the file beside this program write `./{parts[0]}.py`"
        return PythonModule(source, False, problem=problem)
    for depth in range(1, len(parts)):
        locations = spec.submodule_search_locations
        if locations is None:
            # Not a package: `os.path`-style names are set up when the parent runs.
            return PythonModule(source, True)
        name = ".".join(parts[: depth + 1])
        spec = importlib.machinery.PathFinder.find_spec(name, list(locations))
        if spec is None:
            return PythonModule(source, False, problem=f"cannot find Python module `{name}`")
    return PythonModule(source, True)


def _read_python_file(text: SourceText) -> PythonModule:
    """Parses the file (cached per version by `SourceFiles`) and lists the names it defines.
    The text is read as every source file is, as UTF-8 (Python's default too)."""
    file = Path(text.path)
    if text.problems:
        reason = text.problems[0].message
        return PythonModule(text.path, True, file, None, f"cannot read `{file.name}`: {reason}")
    import ast  # only for a file that imports Python: it costs every start a millisecond

    try:
        tree = ast.parse(text.text, filename=text.path)
    except SyntaxError as error:
        where = f" at line {error.lineno}" if error.lineno else ""
        problem = f"`{file.name}` has a Python syntax error{where}: {error.msg}"
        return PythonModule(text.path, True, file, None, problem)
    except ValueError as error:  # null bytes
        return PythonModule(text.path, True, file, None, f"cannot read `{file.name}`: {error}")
    functions = {
        stmt.name: _function(stmt)
        for stmt in tree.body
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    return PythonModule(text.path, True, file, _module_names(tree), None, functions)


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef) -> PythonFunction:
    import ast

    args = node.args
    plain = args.args
    defaults: list[ast.expr | None] = [None] * (len(plain) - len(args.defaults))
    defaults += args.defaults
    params = tuple(
        (arg.arg, None if default is None else ast.unparse(default))
        for arg, default in zip(plain, defaults, strict=True)
    )
    checkable = not (
        args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs or node.decorator_list
    )
    return PythonFunction(
        node.name,
        f"{node.name}({ast.unparse(args)})",
        params,
        ast.get_docstring(node),
        node.lineno,
        isinstance(node, ast.AsyncFunctionDef),
        checkable,
    )


def _module_names(tree: ast.Module) -> frozenset[str] | None:
    """The module's global names: those its body binds, plus `global` declarations and
    `:=` targets anywhere (a superset errs towards accepting a member that exists)."""
    import ast

    names = _top_level_names(tree.body)
    if names is None:
        return None
    extra: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            extra.update(node.names)
        elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            extra.add(node.target.id)
    return names | extra


def _top_level_names(body: list[ast.stmt]) -> frozenset[str] | None:
    """The names a module body binds, looking into `if`/`try`/`with`/`for` blocks but not
    into functions or classes; None if a star import or `__getattr__` makes them unknowable."""
    import ast

    names: set[str] = set()
    pending = list(body)
    while pending:
        stmt = pending.pop()
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            for alias in stmt.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.For | ast.With):
            targets = (
                stmt.targets
                if isinstance(stmt, ast.Assign)
                else (
                    [item.optional_vars for item in stmt.items if item.optional_vars]
                    if isinstance(stmt, ast.With)
                    else [stmt.target]
                )
            )
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        for attr in ("body", "orelse", "finalbody", "handlers", "cases"):
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                pending.extend(getattr(stmt, attr, ()))
    if "__getattr__" in names:
        return None
    return frozenset(names)
