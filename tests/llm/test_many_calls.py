"""20,000 calls under the common `ulimit -n 1024`: `epic run` of a program making 20,000 llm
calls, with the open-file limit at 1,024 soft and hard (so the client cannot raise it), against
a sim-server in its own process, completes. The bench prints the peak RSS and the peak number
of open descriptors of the `epic run` process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "backends.py"

pytestmark = pytest.mark.slow


def test_20000_calls_complete_with_1024_open_files_allowed() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--section", "many-calls"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stderr
    assert "under ulimit -n 1024: result 20000 in" in done.stdout, done.stdout
    peak_fds = int(done.stdout.rsplit("peak open descriptors", 1)[1])
    assert peak_fds <= 1024
