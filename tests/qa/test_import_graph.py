"""The package's modules import each other without a circle (issue 12): a circle makes the
import order matter, and a module half-initialised when the circle closes fails at random.

The graph is read from the source with `ast`: the imports a module makes when it is loaded
(its top-level statements, including those under a module-level `if` or `try`), leaving out
imports inside functions (made later, on purpose, to stay lazy) and under `if TYPE_CHECKING:`
(never executed)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("epic_lang", "lsp_server")


def module_files() -> dict[str, Path]:
    """Every module of the packages by dotted name (a package by its `__init__.py`)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def load_time_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                found.extend(load_time_imports(node.body))
            found.extend(load_time_imports(node.orelse))
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                found.extend(load_time_imports(block))
            for handler in node.handlers:
                found.extend(load_time_imports(handler.body))
        elif isinstance(node, ast.With):
            found.extend(load_time_imports(node.body))
    return found


def imports_of(name: str, path: Path, modules: set[str]) -> set[str]:
    """The package's modules that loading `name` imports directly."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in load_time_imports(tree.body):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import sub` imports the submodule when there is one.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        out.update(t for t in targets if t in modules and t != name)
    return out


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    names = set(files)
    return {name: imports_of(name, path, names) for name, path in files.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm,
    iterative so that a long chain cannot hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_packages_import_graph_has_no_circle() -> None:
    graph = import_graph()
    assert "lsp_server.runs" in graph and "epic_lang.eval.program" in graph
    assert circles(graph) == []


def test_a_circle_is_found() -> None:
    """The detector itself, on a graph with a circle of three and a self-contained rest."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert circles(graph) == [["a", "b", "c"]]


def test_imports_inside_functions_and_for_type_checking_do_not_count(tmp_path: Path) -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from pkg import sub\n"
        "from . import other\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.hidden import X\n"
        "try:\n"
        "    import pkg.tried\n"
        "except ImportError:\n"
        "    pass\n"
        "def later():\n"
        "    import pkg.lazy\n"
    )
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    modules = {"pkg", "pkg.mod", "pkg.sub", "pkg.other", "pkg.hidden", "pkg.tried", "pkg.lazy"}
    assert imports_of("pkg.mod", path, modules) == {"pkg.sub", "pkg.other", "pkg.tried"}
