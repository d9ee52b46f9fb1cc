"""The files of a program as the checks, the evaluator and the editor see them.

A `SourceFiles` answers "what is the text of this file now?": the editor's unsaved buffer when
one is open (the overlay), else the disk's. Every text has a version (an overlay's stamp, or
the file's modification time and size), and what is computed from a text (its parse, its
analysis) is cached per path and kind with that version, so a change of a buffer or of the
disk is seen at the next question and nothing is computed twice for one version.

The CLI and `load()` use `DISK`, which has no overlay; the language server makes its own and
feeds it from didOpen/didChange/didClose. A lock guards the tables: the server computes
analyses in worker threads while its event loop changes the overlay.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from epic_lang.diagnostics import Diagnostic
from epic_lang.modules.reader import read_source_file
from epic_lang.modules.resolver import file_key
from epic_lang.records import record

T = TypeVar("T")


@record(frozen=True, slots=True)
class SourceText:
    """One version of one file's text, with the problems met reading it (a file that cannot be
    read has empty text and an `io` problem; bad UTF-8 is replaced and reported)."""

    path: str
    text: str
    problems: tuple[Diagnostic, ...]
    version: Hashable

    @property
    def readable(self) -> bool:
        return not any(problem.code == "io" for problem in self.problems)


class SourceFiles:
    """Texts of files by path: an overlay of open buffers over the disk, with a cache of what
    callers compute from each version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamps = itertools.count()
        self._buffers: dict[str, SourceText] = {}
        self._disk: dict[str, SourceText] = {}
        self._derived: dict[tuple[str, str], tuple[Hashable, Any]] = {}

    # -- the overlay ------------------------------------------------------------------------

    def open(self, path: str, text: str) -> None:
        """The editor holds `text` for the file (opened, or changed since)."""
        key = file_key(path)
        with self._lock:
            version = ("buffer", next(self._stamps))
            self._buffers[key] = SourceText(key, text, (), version)

    def close(self, path: str) -> None:
        """The editor closed the file: the disk's text counts again."""
        with self._lock:
            self._buffers.pop(file_key(path), None)

    # -- reading ----------------------------------------------------------------------------

    def read(self, path: str | os.PathLike[str]) -> SourceText:
        """The file's current text: the open buffer's, else the disk's (re-read when the
        file's modification time or size changed)."""
        key = file_key(path)
        with self._lock:
            buffer = self._buffers.get(key)
        if buffer is not None:
            return buffer
        try:
            stat = os.stat(key)
            version: Hashable = ("disk", stat.st_mtime_ns, stat.st_size)
        except OSError:
            version = ("missing",)
        with self._lock:
            cached = self._disk.get(key)
        if cached is not None and cached.version == version:
            return cached
        text, problems = read_source_file(key)
        found = SourceText(key, text, tuple(problems), version)
        with self._lock:
            self._disk[key] = found
        return found

    def derived(self, path: str, kind: str, build: Callable[[SourceText], T]) -> T | None:
        """`build(text)` for the file's current version, computed once per version and `kind`;
        None when the file cannot be read. `build` runs outside the lock (it may be slow); two
        threads asking at once may both build, and the later answer is kept."""
        source = self.read(path)
        if not source.readable:
            return None
        with self._lock:
            cached = self._derived.get((source.path, kind))
        if cached is not None and cached[0] == source.version:
            value: T = cached[1]
            return value
        value = build(source)
        with self._lock:
            self._derived[(source.path, kind)] = (source.version, value)
        return value

    def offer(self, path: str, kind: str, text: str, value: Any) -> None:
        """Caches `value` as what `kind` derives from `text`, if `text` is the file's open
        buffer now: the editor has computed it anyway (its analysis of the buffer)."""
        key = file_key(path)
        with self._lock:
            buffer = self._buffers.get(key)
            if buffer is not None and buffer.text == text:
                self._derived[(key, kind)] = (buffer.version, value)


def importers(
    changed: str, candidates: Iterable[str], imports_of: Callable[[str], Iterable[str]]
) -> list[str]:
    """The `candidates` that import the file `changed`, directly or through other files;
    `imports_of(path)` lists the files a file imports (as `file_key`s)."""
    target = file_key(changed)
    edges: dict[str, list[str]] = {}
    pending = [file_key(path) for path in candidates]
    while pending:
        path = pending.pop()
        if path == target or path in edges:
            continue
        edges[path] = [file_key(imported) for imported in imports_of(path)]
        pending.extend(edges[path])
    imported_by: dict[str, set[str]] = {}
    for path, imported in edges.items():
        for name in imported:
            imported_by.setdefault(name, set()).add(path)
    reached: set[str] = set()
    pending = [target]
    while pending:
        for path in imported_by.get(pending.pop(), ()):
            if path not in reached:
                reached.add(path)
                pending.append(path)
    return [path for path in candidates if file_key(path) in reached - {target}]


DISK = SourceFiles()
