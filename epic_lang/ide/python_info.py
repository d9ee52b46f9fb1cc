"""Signatures and docstrings of the members of `import python` modules.

Inspecting a Python module imports it, which runs its code. Callers must only get here when
the user has said the workspace is trusted; nothing else in the editor layer imports Python.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from types import ModuleType

from epic_lang.modules.resolver import folder_of, resolve_import


def load_python_module(importer: str | None, source: str) -> ModuleType | None:
    """Imports the module `import python "source"` names: a file path (`./tools.py`) relative
    to the importing file (or the working folder for a text without a file, as `epic run`
    does), or a module name (`math`). None when it cannot be imported."""
    target = resolve_import(source, True, folder_of(importer) or os.getcwd())
    try:
        if target.path is not None:
            path = target.path
            key = f"_epic_ide_{abs(hash(path))}"
            mtime = os.stat(path).st_mtime
            cached = sys.modules.get(key)
            if cached is not None and getattr(cached, "_epic_mtime", None) == mtime:
                return cached
            spec = importlib.util.spec_from_file_location(key, path)
            if spec is None or spec.loader is None:
                return None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            module._epic_mtime = mtime  # type: ignore[attr-defined]
            sys.modules[key] = module
            return module
        return importlib.import_module(source)
    except Exception:  # any failure of the user's code only means "no information"
        return None


def members(module: ModuleType) -> list[str]:
    """The public names of a module, for completion after `alias.`."""
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    return sorted(str(n) for n in names)


def describe(module: ModuleType, member: str) -> str | None:
    """Markdown with the Python signature and docstring of `module.member`."""
    value = getattr(module, member, None)
    if value is None:
        return None
    try:
        signature = f"{member}{inspect.signature(value)}"
    except (TypeError, ValueError):
        signature = member
    prefix = "async def" if inspect.iscoroutinefunction(value) else "def"
    if not callable(value):
        prefix, signature = "", f"{member}: {type(value).__name__}"
    head = f"```python\n{prefix + ' ' if prefix else ''}{signature}\n```"
    doc = inspect.getdoc(value)
    return f"{head}\n\n{doc}" if doc else head
