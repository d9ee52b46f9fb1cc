"""The `.epic` files below a folder: the files an import fix may name and the files a
workspace-wide editor feature (references, rename, symbols) reads.

Hidden folders (`.git`, `.venv`) and `node_modules` are skipped, symbolic links to folders
are not followed (no loops), and the walk stops at a depth and a number of files, so that a
project opened at the home folder costs a bounded walk, not the disk.
"""

from __future__ import annotations

import os

from epic_lang.modules.resolver import file_key

SKIPPED = frozenset({"node_modules", "__pycache__"})


def epic_files_below(folder: str, *, max_depth: int, max_files: int) -> list[str]:
    """The `file_key`s of the `.epic` files in `folder` and its folders down to `max_depth`
    levels, breadth first (near files first), at most `max_files`."""
    found: list[str] = []
    pending = [(folder, 0)]
    while pending and len(found) < max_files:
        current, depth = pending.pop(0)
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name in SKIPPED:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < max_depth:
                        pending.append((entry.path, depth + 1))
                elif entry.name.endswith(".epic") and entry.is_file():
                    found.append(file_key(entry.path))
            except OSError:
                continue
    return found[:max_files]
