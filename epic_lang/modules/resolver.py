"""What an import names: an EPIC file, a Python file or a Python module.

One rule for the checks, the evaluator and the editor: `import "x.epic"` names a file relative
to the importing file's folder; `import python "..."` names a file when it starts with `.` or
`/` or ends in `.py`, and a module on Python's path otherwise. Paths are made absolute and
normalised without following symbolic links, so the same file has the same key everywhere
(the editor's buffers are keyed by the paths of their URIs).
"""

from __future__ import annotations

import os
from enum import Enum

from epic_lang.records import record


class ImportKind(Enum):
    EPIC_FILE = "EPIC file"
    PYTHON_FILE = "Python file"
    PYTHON_MODULE = "Python module"


@record(frozen=True, slots=True)
class ImportTarget:
    """Where one import points. `path` is the file's absolute path (None for a Python module,
    or for a relative file imported from a text that has no file); `source` is as written (a
    Python module's name)."""

    kind: ImportKind
    source: str
    path: str | None = None


def file_key(path: str | os.PathLike[str]) -> str:
    """The one spelling of a file's path: absolute and normalised, links not followed."""
    return os.path.normpath(os.path.abspath(os.fspath(path)))


def folder_of(importer: str | os.PathLike[str] | None) -> str | None:
    """The folder relative imports of the file `importer` start from (None: no file)."""
    return None if importer is None else os.path.dirname(file_key(importer))


def names_python_file(source: str) -> bool:
    """`"./tools.py"`, `"../lib/x.py"` and `"/abs/x.py"` name files; `"math"` a module."""
    return source.startswith((".", "/")) or source.endswith(".py")


def resolve_import(source: str, python: bool, base: str | None) -> ImportTarget:
    """The target of `import "source"` (or `import python "source"` when `python`) written in
    a file of the folder `base`; `base` None is a text without a file (an unsaved buffer,
    `load_source`), whose relative files stay unknown."""
    if python and not names_python_file(source):
        return ImportTarget(ImportKind.PYTHON_MODULE, source)
    kind = ImportKind.PYTHON_FILE if python else ImportKind.EPIC_FILE
    if base is None and not os.path.isabs(source):
        return ImportTarget(kind, source)
    return ImportTarget(kind, source, imported_file(source, base or os.sep))


def imported_file(source: str, base: str) -> str:
    """The path of the file `source` names when written in a file of the folder `base`."""
    return file_key(os.path.join(base, source))
