"""`epic run`'s output on any stdout, files with CR-only line breaks, and Ctrl-C during a
Python import that blocks: each used to end in a traceback, a wrong answer or a hang."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from qa_cli import EPIC, epic, write

from epic_lang.source import LineIndex

UTF8 = {"PYTHONIOENCODING": "utf-8"}
ASCII = {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"}


def run_bytes(folder: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """`epic ARGS` with stdout as raw bytes, under the given locale settings."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONUTF8", "LANG", "LC_ALL")}
    return subprocess.run(
        [*EPIC, *args], cwd=folder, capture_output=True, timeout=120, env={**environ, **env}
    )


@pytest.mark.parametrize(
    ("env", "text", "as_json"),
    [
        (
            UTF8,
            b'a\\ud800b | ["\\udfff", "\xc3\xa9"]\n',
            b'["a\\ud800b", ["\\udfff", "\xc3\xa9"]]\n',
        ),
        (ASCII, b'a\\ud800b | ["\\udfff", "\\xe9"]\n', b'["a\\ud800b", ["\\udfff", "\\u00e9"]]\n'),
    ],
)
def test_lone_surrogates_and_unencodable_characters_are_escaped(
    tmp_path: Path, env: dict[str, str], text: bytes, as_json: bytes
) -> None:
    """What stdout cannot take is escaped as in an EPIC literal (text) or with `\\u` (JSON)."""
    write(tmp_path, "s.epic", 'def main() = "a\\ud800b | " + str(["\\udfff", "é"])\n')
    write(tmp_path, "j.epic", 'def main() = ["a\\ud800b", ["\\udfff", "é"]]\n')
    shown = run_bytes(tmp_path, "run", "s.epic", env=env)
    assert (shown.returncode, shown.stdout, shown.stderr.count(b"Traceback")) == (0, text, 0)
    dumped = run_bytes(tmp_path, "run", "--json", "j.epic", env=env)
    assert (dumped.returncode, dumped.stdout, dumped.stderr.count(b"Traceback")) == (0, as_json, 0)
    assert json.loads(dumped.stdout) == ["a\ud800b", ["\udfff", "é"]]


def test_characters_beyond_the_basic_plane_on_an_ascii_stdout(tmp_path: Path) -> None:
    write(tmp_path, "e.epic", 'def main() = ["\\U0001f600", "x"]\n')
    shown = run_bytes(tmp_path, "run", "e.epic", env=ASCII)
    assert shown.stdout == b'["\\U0001f600", "x"]\n'
    dumped = run_bytes(tmp_path, "run", "--json", "e.epic", env=ASCII)
    assert dumped.stdout == b'["\\ud83d\\ude00", "x"]\n'
    assert json.loads(dumped.stdout) == ["\U0001f600", "x"]


CR_PROGRAM = (
    "# Old Mac line breaks.\r"
    "def main() =\r"
    '    let s = """a\rb"""  # two lines\r'
    "    # the length\r"
    "    len(s) + size\r"
)


def test_a_lone_cr_is_a_line_break_for_positions() -> None:
    index = LineIndex("a\rb\r\nc\nd")
    assert [index.position(i) for i in (0, 2, 5, 7)] == [(1, 1), (2, 1), (3, 1), (4, 1)]


def test_check_run_and_fmt_read_cr_only_files(tmp_path: Path) -> None:
    path = tmp_path / "cr.epic"
    path.write_bytes(CR_PROGRAM.encode())
    checked = epic("check", "cr.epic", cwd=tmp_path)
    assert checked.returncode == 1
    assert checked.stdout.startswith("cr.epic:6:14: error: unknown name `size`"), checked.stdout
    path.write_bytes(CR_PROGRAM.replace("size", "1").encode())
    assert epic("check", "cr.epic", cwd=tmp_path).returncode == 0
    ran = epic("run", "cr.epic", cwd=tmp_path)
    assert (ran.returncode, ran.stdout) == (0, "4\n")  # the string's line break is one "\n"
    assert epic("fmt", "cr.epic", cwd=tmp_path).returncode == 0
    assert path.read_bytes() == (
        b"# Old Mac line breaks.\n"
        b"def main() =\n"
        b'    let s = """a\nb"""  # two lines\n'
        b"    # the length\n"
        b"    len(s) + 1\n"
    )
    assert epic("run", "cr.epic", cwd=tmp_path).stdout == "4\n"


def test_first_ctrl_c_stops_a_python_import_that_blocks(tmp_path: Path) -> None:
    write(
        tmp_path,
        "slow.py",
        "import sys, time\nprint('importing', file=sys.stderr, flush=True)\ntime.sleep(600)\n",
    )
    write(tmp_path, "main.epic", 'import python "./slow.py" as slow\ndef main() = 1\n')
    process = subprocess.Popen(
        [*EPIC, "run", "main.epic"],
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        assert process.stderr.readline() == "importing\n"  # the import has started
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert (process.returncode, out, err) == (130, "", "epic: interrupted\n")
