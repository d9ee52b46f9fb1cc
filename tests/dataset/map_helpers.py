"""Helpers for the dataset tests: data files, `epic map` as a subprocess, results files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

EPIC = [sys.executable, "-m", "epic_lang.cli"]

LABEL_PROGRAM = """\
def label(text, n=1) =
    let answer = llm(f"Label: {text}", max_tokens=4)
    {"text": text, "n": n, "label": answer}

def double(x) = x * 2
"""


def write_jsonl(path: Path, records: list[Any]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(record if isinstance(record, str) else json.dumps(record))
            f.write("\n")
    return path


def epic_map(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EPIC, "map", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(),
    )


def start_epic_map(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*EPIC, "map", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )


def clean_env() -> dict[str, str]:
    """The environment without LLM settings of the machine running the tests."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("EPIC_LLM_", "OPENAI_"))}


def results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0
