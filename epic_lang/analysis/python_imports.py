"""Finding the target of `import python "..."` without running any of its code.

Importing a Python module executes it, and opening a file in an editor must never do that.
So a module name is looked up with the import system's *finders* only (the top-level name with
`importlib.util.find_spec`, submodules with `PathFinder` inside the package's folders, since
`find_spec("a.b")` would import `a`), and a Python file beside the program (`"./tools.py"`)
is read with Python's `ast` module to learn which names it defines.
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True, slots=True)
class PythonModule:
    """What static analysis knows about one Python import.

    `found` is False when the module or file certainly does not exist (then `problem` says
    why). `members` is the set of top-level names when the source was read and they can be
    known; None when they cannot (a C extension, a star import, a module `__getattr__`)."""

    source: str
    found: bool
    file: Path | None = None
    members: frozenset[str] | None = None
    problem: str | None = None


def is_file_import(source: str) -> bool:
    """`"./tools.py"`, `"../lib/x.py"` and `"/abs/x.py"` name files; `"math"` a module."""
    return source.startswith((".", "/")) or source.endswith(".py")


def find_python_module(source: str, base_dir: Path | None) -> PythonModule:
    """Looks up a Python import of a program in `base_dir` (None: relative files unknown)."""
    if is_file_import(source):
        if base_dir is None and not source.startswith("/"):
            return PythonModule(source, True)
        file = (base_dir or Path("/")) / source
        if not file.is_file():
            return PythonModule(source, False, file, None, f"no Python file `{source}` at {file}")
        return _read_python_file(file.resolve())
    return _find_named_module(source, base_dir)


def _find_named_module(source: str, base_dir: Path | None) -> PythonModule:
    parts = source.split(".")
    if not all(part.isidentifier() for part in parts):
        return PythonModule(source, False, problem=f"`{source}` is not a Python module name")
    if base_dir is not None and (
        (base_dir / f"{parts[0]}.py").is_file() or (base_dir / parts[0]).is_dir()
    ):
        return PythonModule(source, True)
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return PythonModule(source, False, problem=f"cannot find Python module `{parts[0]}`")
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


def _read_python_file(file: Path) -> PythonModule:
    stat = file.stat()
    return _read_python_file_cached(file, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _read_python_file_cached(file: Path, mtime_ns: int, size: int) -> PythonModule:
    """Parses the file (cached until it changes) and lists the names it defines."""
    source = str(file)
    try:
        tree = ast.parse(file.read_bytes(), filename=source)
    except (SyntaxError, ValueError, OSError) as error:
        line = getattr(error, "lineno", None)
        where = f" (line {line})" if line else ""
        return PythonModule(source, True, file, None, f"cannot read `{file.name}`{where}: {error}")
    return PythonModule(source, True, file, _top_level_names(tree.body))


def _top_level_names(body: list[ast.stmt]) -> frozenset[str] | None:
    """The names a module body binds, looking into `if`/`try`/`with`/`for` blocks but not
    into functions or classes; None if a star import or `__getattr__` makes them unknowable."""
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
            targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                [item.optional_vars for item in stmt.items if item.optional_vars]
                if isinstance(stmt, ast.With) else [stmt.target]
            )
            for target in targets:
                names.update(
                    n.id for n in ast.walk(target) if isinstance(n, ast.Name)
                )
        for attr in ("body", "orelse", "finalbody", "handlers"):
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                pending.extend(getattr(stmt, attr, ()))
    if "__getattr__" in names:
        return None
    return frozenset(names)
