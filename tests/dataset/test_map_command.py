"""`epic map` end to end: a real subprocess, real files and the real sim-server."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from map_helpers import (
    LABEL_PROGRAM,
    epic_map,
    line_count,
    results,
    start_epic_map,
    write_jsonl,
)

from epic_lang.testing.sim_rules import rules_from_data


def test_results_come_in_order_with_indices_and_bad_records_fail_alone(tmp_path: Path, start_sim):
    sim = start_sim(latency_ms=20, jitter="uniform", jitter_ms=40)
    (tmp_path / "prog.epic").write_text(LABEL_PROGRAM, encoding="utf-8")
    records: list = [{"text": f"item {i}", "id": i} for i in range(30)]
    records[4] = '{"text": oops}'
    records[9] = {"other": 1}
    records[12] = {"text": "with n", "n": 5}
    write_jsonl(tmp_path / "data.jsonl", records)
    run = epic_map(
        "prog.epic",
        "--input",
        "data.jsonl",
        "--output",
        "out.jsonl",
        "--entry",
        "label",
        "--concurrency",
        "8",
        "--llm",
        sim.base_url,
        "--model",
        "sim",
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stderr  # some records failed
    assert "Traceback" not in run.stderr
    assert "30 records" in run.stderr and "2 failed" in run.stderr
    lines = results(tmp_path / "out.jsonl")
    assert [line["index"] for line in lines] == list(range(30))
    assert lines[4] == {
        "index": 4,
        "error": "data.jsonl:5:10: error: invalid JSON: Expecting value",
    }
    assert lines[9] == {
        "index": 9,
        "error": "data.jsonl:10:1: error: missing field `text` (`label` takes text, n)",
    }
    assert lines[12]["result"]["n"] == 5 and lines[13]["result"] == {
        "text": "item 13",
        "n": 1,
        "label": lines[13]["result"]["label"],
    }
    assert sim.stats()["requests"] == 28
    assert sim.stats()["peak_in_flight"] > 1  # records really ran at the same time


def test_a_runtime_error_and_a_whole_record_argument(tmp_path: Path):
    (tmp_path / "prog.epic").write_text(LABEL_PROGRAM, encoding="utf-8")
    write_jsonl(tmp_path / "data.jsonl", [3, '"ab"', {"x": 1}, {"x": {"a": 1}}])
    run = epic_map(
        "prog.epic",
        "--input",
        "data.jsonl",
        "--output",
        "out.jsonl",
        "--entry",
        "double",
        cwd=tmp_path,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    lines = results(tmp_path / "out.jsonl")
    assert lines[:3] == [
        {"index": 0, "result": 6},
        {"index": 1, "result": "abab"},
        {"index": 2, "result": 2},
    ]
    assert lines[3]["error"].startswith("prog.epic:5:"), lines[3]  # a record times 2
    whole = epic_map(
        "prog.epic",
        "--input",
        "data.jsonl",
        "--output",
        "whole.jsonl",
        "--entry",
        "double",
        "--whole-record",
        cwd=tmp_path,
    )
    assert "Traceback" not in whole.stderr
    assert results(tmp_path / "whole.jsonl")[2]["error"].startswith("prog.epic:5:")


def test_csv_input_gives_fields_as_strings(tmp_path: Path):
    (tmp_path / "prog.epic").write_text(LABEL_PROGRAM, encoding="utf-8")
    (tmp_path / "data.csv").write_text("x,comment\n21,a\nab,b\n", encoding="utf-8")
    run = epic_map(
        "prog.epic",
        "--input",
        "data.csv",
        "--output",
        "out.jsonl",
        "--entry",
        "double",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert results(tmp_path / "out.jsonl") == [
        {"index": 0, "result": "2121"},
        {"index": 1, "result": "abab"},
    ]


def test_kill_9_then_resume_runs_every_record_exactly_once(tmp_path: Path, start_sim):
    """No call is repeated for a record already written: the resumed run sends exactly one
    request per record missing from the file (a cut last line counts as missing)."""
    sim = start_sim(latency_ms=40)
    (tmp_path / "prog.epic").write_text(LABEL_PROGRAM, encoding="utf-8")
    total = 200
    write_jsonl(tmp_path / "data.jsonl", [{"text": f"item {i}"} for i in range(total)])
    out = tmp_path / "out.jsonl"
    args = (
        "prog.epic",
        "--input",
        "data.jsonl",
        "--output",
        "out.jsonl",
        "--entry",
        "label",
        "--concurrency",
        "4",
        "--llm",
        sim.base_url,
        "--model",
        "sim",
    )
    first = start_epic_map(*args, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while line_count(out) < 40 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)
    assert 40 <= line_count(out) < total
    with out.open("a", encoding="utf-8") as f:
        f.write('{"index": 199, "resu')  # as if killed in the middle of a line
    written = {line["index"] for line in results_until_cut(out)}
    sim.reset_stats()

    refused = epic_map(*args, cwd=tmp_path)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    second = epic_map(*args, "--resume", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert f"{len(written)} already done" in second.stderr
    indices = [line["index"] for line in results(out)]
    assert sorted(indices) == list(range(total))  # every record exactly once
    assert sim.stats()["requests"] == total - len(written)


def results_until_cut(path: Path) -> list[dict]:
    complete = path.read_text(encoding="utf-8").rsplit("\n", 1)[0]
    return [json.loads(line) for line in complete.splitlines()]


def test_usage_problems_are_clean_errors(tmp_path: Path):
    (tmp_path / "prog.epic").write_text(LABEL_PROGRAM, encoding="utf-8")
    (tmp_path / "bad.epic").write_text("def f(x) = x +\n", encoding="utf-8")
    write_jsonl(tmp_path / "data.jsonl", [1])
    (tmp_path / "latin1.csv").write_bytes(b"x\n\xe9t\xe9\n")
    (tmp_path / "bad.parquet").write_text("not parquet", encoding="utf-8")
    cases = [
        (
            ("prog.epic", "--entry", "double", "--input", "latin1.csv"),
            "latin1.csv:1:1: error: the CSV file is not UTF-8",
        ),
        (
            ("prog.epic", "--entry", "double", "--input", "bad.parquet"),
            "bad.parquet: error: cannot read the Parquet file",
        ),
        (
            ("prog.epic", "--entry", "double", "--input", "missing.jsonl"),
            "missing.jsonl: error: cannot read",
        ),
        (
            ("prog.epic", "--input", "data.jsonl", "--entry", "nope"),
            "prog.epic: error: the program has no definition `nope`",
        ),
        (("bad.epic", "--input", "data.jsonl", "--entry", "f"), "bad.epic:1:"),
        (("missing.epic", "--input", "data.jsonl"), "missing.epic"),
        (
            ("prog.epic", "--entry", "double", "--input", "data.jsonl", "--ray", "127.0.0.1:1"),
            "epic: cannot reach the Ray cluster at 127.0.0.1:1",
        ),
    ]
    for args, message in cases:
        run = epic_map(*args, "--output", "out.jsonl", cwd=tmp_path)
        assert run.returncode == 1, (args, run.stderr)
        assert "Traceback" not in run.stderr
        assert run.stderr.splitlines()[0].startswith(message), run.stderr
    run = epic_map(
        "prog.epic",
        "--input",
        "data.jsonl",
        "--output",
        "out.jsonl",
        "--concurrency",
        "0",
        cwd=tmp_path,
    )
    assert run.returncode == 2 and "--concurrency must be at least 1" in run.stderr


def test_call_timeout_fails_the_slow_records_alone(tmp_path: Path, start_sim):
    slow = {"match": "Label: slow", "answer": "late", "latency_ms": 20_000}
    sim = start_sim(rules=rules_from_data([slow]))
    (tmp_path / "prog.epic").write_text(LABEL_PROGRAM, encoding="utf-8")
    write_jsonl(tmp_path / "data.jsonl", [{"text": "fast"}, {"text": "slow"}, {"text": "ok"}])
    run = epic_map(
        "prog.epic",
        "--input",
        "data.jsonl",
        "--output",
        "out.jsonl",
        "--entry",
        "label",
        "--call-timeout",
        "0.3",
        "--llm",
        sim.base_url,
        cwd=tmp_path,
    )
    assert run.returncode == 1 and "1 failed" in run.stderr, run.stderr
    lines = results(tmp_path / "out.jsonl")
    assert [("result" in line) for line in lines] == [True, False, True]
    assert "external call `llm` failed: no answer within 0.3 s" in lines[1]["error"]
    assert sim.stats()["requests"] == 3


def test_the_extraction_example_retries_bad_answers_and_records_failures(tmp_path: Path, start_sim):
    """examples/extract_invoices.epic: an answer that breaks the schema is asked again with
    the validator's message, a call past --call-timeout is written to its record, and the
    other records go on."""
    rules = [
        {"match": "JSON.\n\nACME", "answer": '{"vendor": "ACME"}'},
        {"match": "Globex", "answer": "late", "latency_ms": 20_000},
    ]
    sim = start_sim(rules=rules_from_data(rules))
    example = Path(__file__).parents[2] / "examples" / "extract_invoices.epic"
    (tmp_path / "prog.epic").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    texts = ["ACME Ltd, 2 x bolts, total 14.50 EUR", "Globex, 1 x lamp", "Initech, 3 x pens"]
    write_jsonl(tmp_path / "data.jsonl", [{"id": i, "text": t} for i, t in enumerate(texts)])
    run = epic_map(
        "prog.epic",
        "--input",
        "data.jsonl",
        "--output",
        "out.jsonl",
        "--entry",
        "extract",
        "--call-timeout",
        "0.5",
        "--llm",
        sim.base_url,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    first, slow, last = (line["result"] for line in results(tmp_path / "out.jsonl"))
    assert first["ok"] and set(first["invoice"]) == {"vendor", "total", "currency", "lines"}
    assert (slow["ok"], slow["kind"]) == (False, "timeout")
    assert last["ok"] and isinstance(last["invoice"]["total"], int | float)
    assert sim.stats()["requests"] == 4  # the ACME record was asked twice
