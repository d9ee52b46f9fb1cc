"""`epic check` as a user runs it: output lines, exit codes, folders, bad paths and bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from epic_lang.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_clean_file_exits_zero(tmp_path: Path, capsys) -> None:
    file = tmp_path / "ok.epic"
    file.write_text("def main() = len([1, 2])\n")
    assert run(capsys, str(file)) == (0, "", "")


def test_errors_are_printed_and_exit_one(tmp_path: Path, capsys) -> None:
    file = tmp_path / "bad.epic"
    file.write_text("def main() = lenn([1])\n")
    code, out, err = run(capsys, str(file))
    assert code == 1
    assert out == (
        f"{file}:1:14: error: unknown name `lenn`; did you mean `len`? [unknown-name]\n"
        "    fix: Change to `len`\n"
    )
    assert err == "epic check: 1 error and 0 warnings in 1 file\n"


def test_warnings_alone_exit_zero(tmp_path: Path, capsys) -> None:
    file = tmp_path / "warn.epic"
    file.write_text("def main() =\n    let x = 1\n    2\n")
    code, out, _ = run(capsys, str(file))
    assert code == 0
    assert out.startswith(f"{file}:2:9: warning: ")
    assert out.endswith("[unused-let]\n    fix: Rename to `_x`\n")


def test_folder_checks_every_epic_file_below(tmp_path: Path, capsys) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a.epic").write_text("def main() = b\n")
    (tmp_path / "sub" / "c.epic").write_text("def main() = d\n")
    (tmp_path / ".hidden" / "e.epic").write_text("def main() = f\n")
    (tmp_path / "notes.txt").write_text("def main() = g\n")
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1
    names = [line.split(":")[0] for line in out.splitlines() if not line.startswith(" ")]
    assert names == [str(tmp_path / "a.epic"), str(tmp_path / "sub" / "c.epic")]


def test_missing_path_is_a_clear_error(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, str(tmp_path / "nope.epic"))
    assert code == 1 and out == ""
    assert err == f"epic check: error: no such file or folder: {tmp_path / 'nope.epic'}\n"


def test_bad_utf8_is_a_diagnostic(tmp_path: Path, capsys) -> None:
    file = tmp_path / "bytes.epic"
    file.write_bytes(b'def main() =\n    "caf\xe9"\n')
    code, out, _ = run(capsys, str(file))
    assert code == 1
    assert out.splitlines()[0].startswith(f"{file}:2:9: error: the file is not valid UTF-8")
    assert "[encoding]" in out and "Traceback" not in out


def test_examples_check_clean(capsys) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    code, out, _ = run(capsys, str(examples))
    assert (code, out) == (0, "")


def test_console_script_runs(tmp_path: Path) -> None:
    file = tmp_path / "x.epic"
    file.write_text("def main() = 1\n\ndef main() = 2\n")
    done = subprocess.run(
        [sys.executable, "-m", "epic_lang", "check", str(file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "[duplicate-definition]" in done.stdout
    assert done.stderr == "epic check: 1 error and 0 warnings in 1 file\n"
