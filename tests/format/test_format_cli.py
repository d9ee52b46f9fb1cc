"""`epic fmt` on real files in a temporary folder, through the real `epic` entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from epic_lang.cli import main

UGLY = "def f( x ) =  x+1\n"
PRETTY = "def f(x) = x + 1\n"
BROKEN = "def g( = 1\n"


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "ugly.epic").write_text(UGLY)
    (tmp_path / "pretty.epic").write_text(PRETTY)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "deep.epic").write_text(UGLY)
    (sub / "notes.txt").write_text(UGLY)
    return tmp_path


def test_rewrites_every_epic_file_below_a_folder(tree: Path, capsys) -> None:
    assert main(["fmt", str(tree)]) == 0
    assert (tree / "ugly.epic").read_text() == PRETTY
    assert (tree / "sub" / "deep.epic").read_text() == PRETTY
    assert (tree / "sub" / "notes.txt").read_text() == UGLY  # not an .epic file
    assert "2 files reformatted, 1 file unchanged" in capsys.readouterr().err


def test_check_changes_nothing_and_lists_the_files(tree: Path, capsys) -> None:
    assert main(["fmt", "--check", str(tree)]) == 1
    out = capsys.readouterr()
    assert f"would reformat {tree / 'ugly.epic'}" in out.out
    assert f"would reformat {tree / 'sub' / 'deep.epic'}" in out.out
    assert "pretty.epic" not in out.out
    assert "2 files would be reformatted, 1 file unchanged" in out.err
    assert (tree / "ugly.epic").read_text() == UGLY


def test_check_passes_on_formatted_files(tree: Path, capsys) -> None:
    assert main(["fmt", "--check", str(tree / "pretty.epic")]) == 0
    assert "0 files would be reformatted, 1 file unchanged" in capsys.readouterr().err


def test_diff_prints_a_unified_diff_and_changes_nothing(tree: Path, capsys) -> None:
    assert main(["fmt", "--diff", str(tree / "ugly.epic")]) == 0
    out = capsys.readouterr().out
    assert "-def f( x ) =  x+1" in out
    assert "+def f(x) = x + 1" in out
    assert out.startswith("---")
    assert (tree / "ugly.epic").read_text() == UGLY


def test_a_file_with_syntax_errors_is_reported_and_left_alone(tree: Path, capsys) -> None:
    bad = tree / "bad.epic"
    bad.write_text(BROKEN)
    assert main(["fmt", str(tree)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:1:" in err and ": error: " in err
    assert "1 file could not be formatted" in err
    assert bad.read_text() == BROKEN
    assert (tree / "ugly.epic").read_text() == PRETTY  # the others are still formatted


def test_a_missing_path_is_an_error(tmp_path: Path, capsys) -> None:
    assert main(["fmt", str(tmp_path / "nope.epic")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_crlf_line_endings_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "win.epic"
    path.write_bytes(b"def f( x ) = x\r\n")
    assert main(["fmt", str(path)]) == 0
    assert path.read_bytes() == b"def f(x) = x\r\n"
