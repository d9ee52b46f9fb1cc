"""`bench/case_studies.py` runs end to end (at near-zero latency, so only its plumbing is
checked: the four variants agree, the table has a row per case study)."""

from __future__ import annotations

import subprocess
import sys

from tests.case_studies.conftest import ROOT


def test_the_benchmark_prints_one_row_per_case_study(tmp_path) -> None:
    command = [
        sys.executable,
        str(ROOT / "bench" / "case_studies.py"),
        "--latency-ms",
        "1",
        "--per-token-ms",
        "0",
        "--jitter-ms",
        "0",
        "--repeat",
        "1",
        "--trace-dir",
        str(tmp_path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    for name, calls in (("tree_of_thoughts", 72), ("tool_use", 11), ("constrained_decoding", 32)):
        assert any(row.startswith(f"| {name} | {calls} |") for row in rows), done.stdout
        assert (tmp_path / f"{name}.json").read_text().startswith("{")
        assert "<html" in (tmp_path / f"{name}.html").read_text().lower()
    # The constrained-decoding case study two ways, which the script checks agree.
    assert any(row.startswith("| llm_next + Python grammar | 32 |") for row in rows)
    assert any(row.startswith("| llm_json (schema as response_format) | 4 |") for row in rows)
