"""The results file: one JSON line per record, written as results come and flushed at once,
and read back by `--resume` to skip the records already there.

Each line is `{"index": I, "result": VALUE}` or `{"index": I, "error": MESSAGE}`. A line is
flushed as soon as it is written, and the file only ever grows at its end, so a run killed at
any moment leaves every line before the last intact and at most a truncated last line, which
`--resume` cuts off and redoes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, TextIO

from epic_lang.dataset.records import InputError


class IndexSet:
    """A set of record indices as a bitmap: a million done records cost 125 kB."""

    def __init__(self) -> None:
        self.bits = bytearray()
        self.count = 0

    def add(self, index: int) -> None:
        byte, bit = divmod(index, 8)
        if byte >= len(self.bits):
            self.bits.extend(bytes(byte + 1 - len(self.bits) + len(self.bits) // 2))
        if not self.bits[byte] >> bit & 1:
            self.bits[byte] |= 1 << bit
            self.count += 1

    def __contains__(self, index: int) -> bool:
        byte, bit = divmod(index, 8)
        return byte < len(self.bits) and bool(self.bits[byte] >> bit & 1)

    def __len__(self) -> int:
        return self.count


def result_line(
    index: int, value: Any = None, error: str | None = None, shown: Callable[[], Any] = str
) -> str:
    """The output line of one record; `shown()` replaces a result that JSON cannot hold."""
    if error is not None:
        return json.dumps({"index": index, "error": error}, ensure_ascii=False)
    try:
        return json.dumps({"index": index, "result": value}, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return json.dumps({"index": index, "result": shown()}, ensure_ascii=False)


def finished_indices(path: str) -> IndexSet:
    """The indices already in the results file `path` (none if it does not exist); a
    truncated last line, left by a killed run, is cut off so that appending starts clean."""
    done = IndexSet()
    try:
        f = open(path, "r+b")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return done
    except OSError as e:
        raise InputError(f"{path}: error: cannot read the results: {e.strerror}") from None
    with f:
        good_end = 0
        for number, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                break  # the last line, cut short by a kill
            try:
                index = json.loads(raw)["index"]
                if type(index) is not int or index < 0:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                raise InputError(
                    f"{path}:{number}:1: error: not a result line of `epic map`; "
                    "is this the right results file?"
                ) from None
            done.add(index)
            good_end += len(raw)
        f.truncate(good_end)
    return done


class ResultsFile:
    """The results file open for writing: appended to when resuming, else started afresh."""

    def __init__(self, path: str, append: bool) -> None:
        self.path = path
        try:
            self.file: TextIO = open(path, "a" if append else "w", encoding="utf-8")  # noqa: SIM115
        except OSError as e:
            raise InputError(f"{path}: error: cannot write the results: {e.strerror}") from None

    def write(self, lines: list[str]) -> None:
        """Writes `lines` and flushes them to the operating system (a killed process loses
        nothing written; a crash of the machine is another matter: no fsync per line)."""
        if lines:
            self.file.write("\n".join(lines) + "\n")
            self.file.flush()

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def exists_with_results(path: str) -> bool:
    return os.path.exists(path) and os.path.getsize(path) > 0
