"""Memory does not grow with the input's length: the peak RSS of `epic map` over 20,000
records is close to that over 2,000. (The 1,000,000-record run is in bench/map.py: it takes
minutes.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from map_helpers import clean_env

PAD = "x" * 1000  # 1 kB per record: a reader holding the records would show at once


def peak_rss_kb(tmp_path: Path, count: int) -> int:
    data = tmp_path / f"data{count}.jsonl"
    with data.open("w", encoding="utf-8") as f:
        for i in range(count):
            f.write(json.dumps({"id": i, "pad": PAD}) + "\n")
    # The child reports its own VmHWM: `getrusage` of a child counts the memory of the
    # forked copy of this (much larger) pytest process before it became `epic map`.
    report = (
        "import atexit, sys; from epic_lang.cli import main; atexit.register(lambda: "
        "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]))\n"
        "sys.exit(main(sys.argv[1:]))"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            report,
            "map",
            "prog.epic",
            "--input",
            data.name,
            "--output",
            f"out{count}.jsonl",
            "--entry",
            "f",
            "--concurrency",
            "64",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / f"out{count}.jsonl").read_bytes().count(b"\n") == count
    return int(run.stdout.split()[1])


def test_memory_is_flat_in_the_input_length(tmp_path: Path):
    (tmp_path / "prog.epic").write_text("def f(id) = id + 1\n", encoding="utf-8")
    small = peak_rss_kb(tmp_path, 2_000)
    large = peak_rss_kb(tmp_path, 20_000)
    print(f"peak RSS: 2,000 records {small / 1024:.1f} MB, 20,000 records {large / 1024:.1f} MB")
    # Holding 20,000 records of 1 kB would add over 20 MB to a process of about 35 MB.
    assert large < small * 1.2, (small, large)
