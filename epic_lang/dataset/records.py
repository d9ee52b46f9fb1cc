"""Streaming the records of an input file, one at a time, so that memory does not grow with
the file's length.

JSON Lines and CSV are read with the standard library; Parquet with pyarrow (the optional
`tables` extra) in batches of rows. A record that cannot be read (a malformed JSON line, a
CSV row with the wrong number of fields) is not an error of the run: it comes out as a
`Record` whose `error` names the file, line and column, and the run goes on.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

FORMATS = ("jsonl", "csv", "parquet")


class InputError(Exception):
    """The input as a whole cannot be read (missing file, unknown format, missing extra)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One input record: `index` counts records from 0 (blank lines are not records), `line`
    is where it starts in the file (the row number for Parquet), and exactly one of `value`
    (the decoded record) and `error` (why it could not be decoded) is meaningful."""

    index: int
    line: int
    value: Any = None
    error: str | None = None


Skip = Callable[[int], bool]


def input_format(path: str, given: str | None = None) -> str:
    """The format named by `--format`, else by the file's suffix; JSON Lines by default."""
    if given is not None:
        return given
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    return "jsonl"


def read_records(path: str, fmt: str, skip: Skip = lambda index: False) -> Iterator[Record]:
    """The records of `path` in order, except those whose index `skip` accepts (already done
    in an earlier run: they are not even decoded)."""
    readers = {"jsonl": _jsonl, "csv": _csv, "parquet": _parquet}
    return readers[fmt](path, skip)


def count_records(path: str, fmt: str) -> int:
    """How many records `read_records` will give (for the progress bar's ETA): one cheap
    pass over the file, or the Parquet footer."""
    if fmt == "parquet":
        return _parquet_file(path).metadata.num_rows
    if fmt == "csv":
        return sum(1 for _ in _csv(path, lambda index: False))
    with _open_binary(path) as b:
        return sum(1 for raw in b if raw.strip())


def _open_binary(path: str) -> Any:
    try:
        return open(path, "rb")  # noqa: SIM115 - returned to a `with`
    except OSError as e:
        raise InputError(f"{path}: error: cannot read the input: {e.strerror}") from None


def _open_text(path: str) -> Any:
    try:
        return open(path, encoding="utf-8", newline="")  # noqa: SIM115 - returned to a `with`
    except OSError as e:
        raise InputError(f"{path}: error: cannot read the input: {e.strerror}") from None


def _jsonl(path: str, skip: Skip) -> Iterator[Record]:
    index = 0
    with _open_binary(path) as b:
        for number, raw in enumerate(b, 1):
            if not raw.strip():
                continue
            if not skip(index):
                yield _decode_json(path, index, number, raw)
            index += 1


def _decode_json(path: str, index: int, line: int, raw: bytes) -> Record:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return Record(index, line, error=f"{path}:{line}:{e.start + 1}: error: not UTF-8")
    try:
        return Record(index, line, json.loads(text))
    except json.JSONDecodeError as e:
        return Record(index, line, error=f"{path}:{line}:{e.colno}: error: invalid JSON: {e.msg}")


def _csv(path: str, skip: Skip) -> Iterator[Record]:
    """Each row as a dict of strings keyed by the header row (CSV has no types)."""
    with _open_text(path) as f:
        reader = csv.reader(f)
        try:
            header = next(reader, None)
            if header is None:
                return
            index = 0
            while True:
                line = reader.line_num + 1
                row = next(reader, None)
                if row is None:
                    return
                if not row:
                    continue
                if not skip(index):
                    yield _csv_record(path, index, line, header, row)
                index += 1
        except csv.Error as e:
            where = f"{path}:{reader.line_num}:1"
            raise InputError(f"{where}: error: cannot read the CSV: {e}") from None
        except UnicodeDecodeError:  # decoded ahead of the parser: the line is a guess
            where = f"{path}:{reader.line_num + 1}:1"
            raise InputError(f"{where}: error: the CSV file is not UTF-8") from None


def _csv_record(path: str, index: int, line: int, header: list[str], row: list[str]) -> Record:
    if len(row) != len(header):
        return Record(
            index,
            line,
            error=f"{path}:{line}:1: error: {len(row)} fields, but the header has {len(header)}",
        )
    return Record(index, line, dict(zip(header, row, strict=True)))


def _parquet_file(path: str) -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            f'{path}: error: reading Parquet needs pyarrow: pip install "epic-lang[tables]"'
        ) from None
    try:
        return pq.ParquetFile(path)
    except (OSError, ValueError) as e:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(f"{path}: error: cannot read the Parquet file: {e}") from None


def _parquet(path: str, skip: Skip) -> Iterator[Record]:
    index = 0
    for batch in _parquet_file(path).iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            if not skip(index):
                yield Record(index, index + 1, row)
            index += 1
