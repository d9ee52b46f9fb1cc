"""`epic map` shows the tokens its LLM calls cost: in the progress lines and the summary line,
locally and summed over Ray workers, equal to what the sim-server reported."""

from __future__ import annotations

import io
import re
from pathlib import Path

from map_helpers import LABEL_PROGRAM, epic_map, write_jsonl

from epic_lang.dataset.progress import Progress
from epic_lang.llm.interface import TokenUsage

SUMMARY = re.compile(
    r"^epic map: \d+ records in .*; (\d+) tokens \((\d+) prompt \+ (\d+) completion\); "
    r"results in ",
    re.M,
)


def map_labels(tmp_path: Path, url: str, count: int, *flags: str) -> str:
    (tmp_path / "prog.epic").write_text(LABEL_PROGRAM, encoding="utf-8")
    write_jsonl(tmp_path / "data.jsonl", [{"text": f"item {i}"} for i in range(count)])
    done = epic_map(
        "prog.epic",
        "--input",
        "data.jsonl",
        "--output",
        "out.jsonl",
        "--entry",
        "label",
        "--llm",
        url,
        *flags,
        cwd=tmp_path,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


def assert_summary_matches(stderr: str, stats: dict) -> None:
    found = SUMMARY.search(stderr)
    assert found is not None, stderr
    prompt, completion = stats["prompt_tokens"], stats["completion_tokens"]
    assert prompt > 0 and completion > 0
    assert (int(found[1]), int(found[2]), int(found[3])) == (
        prompt + completion,
        prompt,
        completion,
    )


def test_the_map_summary_adds_up_the_servers_usage(tmp_path: Path, start_sim):
    sim = start_sim()
    stderr = map_labels(tmp_path, sim.base_url, 40, "--concurrency", "8")
    assert_summary_matches(stderr, sim.stats())


def test_the_map_summary_sums_the_ray_workers_usage(tmp_path: Path, start_sim):
    sim = start_sim()
    stderr = map_labels(tmp_path, sim.base_url, 40, "--ray", "--workers", "2", "--concurrency", "4")
    assert_summary_matches(stderr, sim.stats())


def test_plain_progress_lines_show_tokens_once_some_answer_reported_them():
    stream = io.StringIO()
    usage = TokenUsage()
    progress = Progress(stream, total=3, interval=0.0, usage=usage)
    progress.finished(True, 2)
    assert "tokens" not in stream.getvalue()  # nothing reported yet: no "0 tokens"
    usage.add(12_000, 345)
    progress.finished(True, 1)
    progress.close("out.jsonl")
    lines = stream.getvalue().splitlines()
    assert lines[1].startswith("epic map: 2/3 (67%) done, 0 failed, 12.3k tokens, in flight")
    assert "; 12345 tokens (12000 prompt + 345 completion); results in out.jsonl" in lines[2]
