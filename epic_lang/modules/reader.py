"""Reading a `.epic` file from disk, where every problem becomes a diagnostic.

The one encoding policy: UTF-8, with bad bytes reported at their place and replaced. `epic
check`, `epic run`, `load()`, EPIC imports and the editor all read files through here (by
way of `files.SourceFiles`), so a missing file, a folder or bytes that are not UTF-8 give the
same `file:line:col` message everywhere.
"""

from __future__ import annotations

import os

from epic_lang.diagnostics import Diagnostic, Severity
from epic_lang.source import LineIndex


def read_source_file(path: str | os.PathLike[str]) -> tuple[str, list[Diagnostic]]:
    """The file's text and the problems met reading it. A file that is not valid UTF-8 gets a
    diagnostic at its first bad byte and its text with the bad bytes replaced (so it can
    still be checked); a file that cannot be read gets an `io` diagnostic and empty text."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = f.read()
    except OSError as error:
        reason = error.strerror or str(error)
        span = LineIndex("").span(0, 0)
        message = f"cannot read the file: {reason}"
        return "", [Diagnostic(Severity.ERROR, span, message, "io", name)]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as error:
        text = data.decode("utf-8", errors="replace")
        good = data[: error.start].decode("utf-8")
        span = LineIndex(text).span(len(good), len(good) + 1)
        message = (
            f"the file is not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})"
        )
        return text, [Diagnostic(Severity.ERROR, span, message, "encoding", name)]
