"""Files that cannot be loaded: missing, a folder, not UTF-8, broken or looping imports.

Each gives `file:line:col: error: ...` from `epic run` and `EpicLoadError` /
`EpicRuntimeError` from the Python API, never a Python traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from qa_cli import assert_clean_error, epic, write

import epic_lang
from epic_lang.eval import EpicLoadError


def test_missing_file_is_a_load_error(tmp_path: Path) -> None:
    assert_clean_error(epic("run", "nope.epic", cwd=tmp_path), "nope.epic:1:1", "cannot read")
    with pytest.raises(EpicLoadError, match="No such file"):
        epic_lang.load(tmp_path / "nope.epic")


def test_folder_is_a_load_error(tmp_path: Path) -> None:
    (tmp_path / "d.epic").mkdir()
    assert_clean_error(epic("run", "d.epic", cwd=tmp_path), "d.epic:1:1", "cannot read")
    with pytest.raises(EpicLoadError):
        epic_lang.load(tmp_path / "d.epic")


def test_non_utf8_file_points_at_the_bad_byte(tmp_path: Path) -> None:
    (tmp_path / "bad.epic").write_bytes(b'def main() =\n    "caf\xe9"\n')
    result = epic("run", "bad.epic", cwd=tmp_path)
    assert_clean_error(result, "bad.epic:2:9", "not valid UTF-8 (byte 0xe9")
    with pytest.raises(EpicLoadError) as caught:
        epic_lang.load(tmp_path / "bad.epic")
    assert caught.value.diagnostics[0].code == "encoding"


def test_check_and_run_report_the_same_encoding_error(tmp_path: Path) -> None:
    (tmp_path / "bad.epic").write_bytes(b"def main() = \xff\n")
    checked = epic("check", "bad.epic", cwd=tmp_path)
    assert checked.returncode == 1
    assert "bad.epic:1:14: error: the file is not valid UTF-8" in checked.stdout


def test_import_of_a_non_utf8_file(tmp_path: Path) -> None:
    (tmp_path / "lib.epic").write_bytes(b"def f() = \xff\n")
    write(tmp_path, "main.epic", 'import "./lib.epic" as lib\ndef main() = 1\n')
    result = epic("run", "main.epic", cwd=tmp_path)
    assert_clean_error(result, f"{tmp_path / 'lib.epic'}:1:11", "not valid UTF-8")


def test_import_cycle_names_the_loop_once(tmp_path: Path) -> None:
    write(tmp_path, "a.epic", 'import "./b.epic" as b\ndef f() = 1\n')
    write(tmp_path, "b.epic", 'import "./a.epic" as a\ndef g() = 2\n')
    write(tmp_path, "main.epic", 'import "./a.epic" as a\ndef main() = a.f()\n')
    result = epic("run", "main.epic", cwd=tmp_path)
    a, b, main = (str(tmp_path / n) for n in ("a.epic", "b.epic", "main.epic"))
    assert_clean_error(result, f"{b}:1:1", f"import cycle: {main} -> {a} -> {b} -> {a}")
    with pytest.raises(epic_lang.EpicRuntimeError, match="import cycle"):
        epic_lang.load(main).run("main")


def test_self_import_is_a_cycle(tmp_path: Path) -> None:
    write(tmp_path, "me.epic", 'import "./me.epic" as me\ndef main() = 1\n')
    me = str(tmp_path / "me.epic")
    assert_clean_error(
        epic("run", "me.epic", cwd=tmp_path), "me.epic:1:1", f"import cycle: {me} -> {me}"
    )


def test_python_module_failing_at_import(tmp_path: Path) -> None:
    write(tmp_path, "tools.py", "def f(x):\n    return x\nraise RuntimeError('broken setup')\n")
    write(tmp_path, "main.epic", 'import python "./tools.py" as t\ndef main() = t.f(1)\n')
    result = epic("run", "main.epic", cwd=tmp_path)
    assert_clean_error(result, "main.epic:1:1", "RuntimeError: broken setup")
    with pytest.raises(epic_lang.EpicRuntimeError, match="broken setup"):
        epic_lang.load(tmp_path / "main.epic").run("main")


def test_python_module_exiting_at_import(tmp_path: Path) -> None:
    write(tmp_path, "tools.py", "import sys\ndef f(x):\n    return x\nsys.exit(4)\n")
    write(tmp_path, "main.epic", 'import python "./tools.py" as t\ndef main() = t.f(1)\n')
    assert_clean_error(epic("run", "main.epic", cwd=tmp_path), "main.epic:1:1", "SystemExit: 4")


def test_load_source_wants_text() -> None:
    with pytest.raises(TypeError, match="must be a str, got bytes"):
        epic_lang.load_source(b"def main() = 1")  # type: ignore[arg-type]


async def test_sync_call_inside_an_event_loop_says_what_to_use() -> None:
    program = epic_lang.load_source("def main() = 1\n")
    with pytest.raises(RuntimeError, match="use `await program.arun"):
        program.call("main")
    assert await program.acall("main") == 1
