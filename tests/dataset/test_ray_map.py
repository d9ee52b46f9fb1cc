"""`epic map --ray` on a real local Ray instance with two worker processes: the results file
is byte for byte that of the local run, with `--resume` and with a worker killed mid-run."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from map_helpers import LABEL_PROGRAM, epic_map, line_count, start_epic_map, write_jsonl

TOTAL = 300
ALREADY = 20


def map_workers() -> list[int]:
    """Process ids of the Ray actors running records (Ray names them after their class)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"ray::MapWorker"):
                pids.append(int(entry.name))
    return pids


def test_ray_run_resumes_survives_a_killed_worker_and_matches_the_local_run(
    tmp_path: Path, start_sim
):
    sim = start_sim(latency_ms=100)
    (tmp_path / "prog.epic").write_text(LABEL_PROGRAM, encoding="utf-8")
    records: list = [{"text": f"item {i}"} for i in range(TOTAL)]
    records[50] = "not json"
    write_jsonl(tmp_path / "data.jsonl", records)
    common = (
        "prog.epic",
        "--input",
        "data.jsonl",
        "--entry",
        "label",
        "--llm",
        sim.base_url,
        "--model",
        "sim",
    )
    local = epic_map(*common, "--output", "local.jsonl", "--concurrency", "64", cwd=tmp_path)
    assert local.returncode == 1, local.stderr  # the one bad line
    expected = (tmp_path / "local.jsonl").read_bytes()
    head = b"".join(expected.splitlines(keepends=True)[:ALREADY])
    (tmp_path / "ray.jsonl").write_bytes(head + b'{"index": 20, "res')  # a cut last line
    sim.reset_stats()

    run = start_epic_map(
        *common,
        "--output",
        "ray.jsonl",
        "--resume",
        "--ray",
        "--workers",
        "2",
        "--concurrency",
        "4",
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 180
    while line_count(tmp_path / "ray.jsonl") < 3 * ALREADY and run.poll() is None:
        assert time.monotonic() < deadline, "the Ray run wrote nothing"
        time.sleep(0.02)
    workers = map_workers()
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = run.communicate(timeout=180)
    assert run.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert f"{ALREADY} already done" in stderr
    assert (tmp_path / "ray.jsonl").read_bytes() == expected
    # Records already written were not sent again; the killed worker's batches were.
    requests = sim.stats()["requests"]
    assert TOTAL - ALREADY - 1 <= requests <= TOTAL - ALREADY - 1 + 2 * 4, requests
