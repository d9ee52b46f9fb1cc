"""Reading inputs record by record: positions of bad records, CSV and Parquet, skipping."""

from __future__ import annotations

from pathlib import Path

import pytest

from epic_lang.dataset.records import InputError, count_records, input_format, read_records


def test_jsonl_records_keep_their_line_and_bad_lines_are_errors_of_their_own(tmp_path: Path):
    data = tmp_path / "data.jsonl"
    data.write_bytes(b'{"a": 1}\n\n{"a": oops}\n[1, 2]\n\xff\n{"a": 4}')
    records = list(read_records(str(data), "jsonl"))
    assert [(r.index, r.line) for r in records] == [(0, 1), (1, 3), (2, 4), (3, 5), (4, 6)]
    assert records[0].value == {"a": 1} and records[0].error is None
    assert records[1].error == f"{data}:3:7: error: invalid JSON: Expecting value"
    assert records[2].value == [1, 2]
    assert records[3].error == f"{data}:5:1: error: not UTF-8"
    assert records[4].value == {"a": 4}
    assert count_records(str(data), "jsonl") == 5


def test_skipped_records_are_not_decoded(tmp_path: Path):
    data = tmp_path / "data.jsonl"
    data.write_text('{"a": 0}\nnot json\n{"a": 2}\n', encoding="utf-8")
    records = list(read_records(str(data), "jsonl", skip=lambda i: i < 2))
    assert [(r.index, r.value) for r in records] == [(2, {"a": 2})]


def test_csv_rows_are_records_of_strings_and_a_short_row_is_an_error(tmp_path: Path):
    data = tmp_path / "data.csv"
    data.write_text('text,n\nhello,1\n"two\nlines",2\nshort\n', encoding="utf-8")
    assert input_format(str(data)) == "csv"
    records = list(read_records(str(data), "csv"))
    assert records[0].value == {"text": "hello", "n": "1"} and records[0].line == 2
    assert records[1].value == {"text": "two\nlines", "n": "2"} and records[1].line == 3
    assert records[2].error == f"{data}:5:1: error: 1 fields, but the header has 2"
    assert count_records(str(data), "csv") == 3


def test_parquet_is_read_in_batches(tmp_path: Path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    data = tmp_path / "data.parquet"
    pq.write_table(pa.table({"text": [f"t{i}" for i in range(3000)], "n": list(range(3000))}), data)
    assert input_format(str(data)) == "parquet"
    records = list(read_records(str(data), "parquet", skip=lambda i: i % 1000 != 7))
    assert [(r.index, r.value) for r in records] == [
        (7, {"text": "t7", "n": 7}),
        (1007, {"text": "t1007", "n": 1007}),
        (2007, {"text": "t2007", "n": 2007}),
    ]
    assert count_records(str(data), "parquet") == 3000


def test_a_missing_input_is_a_clear_error(tmp_path: Path):
    with pytest.raises(InputError, match=r"nope.jsonl: error: cannot read the input"):
        count_records(str(tmp_path / "nope.jsonl"), "jsonl")
