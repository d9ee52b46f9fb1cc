"""Runtime errors that used to escape as Python exceptions or hang the evaluator."""

from __future__ import annotations

from pathlib import Path

import pytest
from qa_cli import assert_clean_error, epic, write

import epic_lang
from epic_lang.eval import EpicLoadError
from epic_lang.eval.builtins import BUILTIN_FUNCTIONS
from epic_lang.eval.values import Builtin


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("10 ** 10 ** 10", "would have more than"),
        ("2.0 ** 10000", "the result of `**` is too large for a float"),
        ("10 ** 400 / 1", "the result of `/` is too large for a float"),
        ("(-8) ** 0.5", "no real result"),
        ('"ab" * 10_000_000_000', "would be longer than"),
        ("json_parse(str(10 ** 5000))", "more than 4300 digits"),
    ],
)
def test_arithmetic_limits_are_epic_errors(expr: str, words: str) -> None:
    with pytest.raises(epic_lang.EpicRuntimeError) as caught:
        epic_lang.run_source(f"def main() = {expr}\n")
    assert caught.value.span is not None and caught.value.span.col == 14
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("(-1) ** 1_000_000_000_001", -1),
        ("1 ** 100_000_000_000", 1),
        ("len(str(10 ** 5000))", 5001),
        ("int(str(10 ** 5000)) == 10 ** 5000", True),
    ],
)
def test_big_but_cheap_numbers_still_work(expr: str, value: object) -> None:
    assert epic_lang.run_source(f"def main() = {expr}\n").value == value


def test_huge_int_prints_from_the_command_line(tmp_path: Path) -> None:
    write(tmp_path, "big.epic", "def main() = 10 ** 5000\n")
    result = epic("run", "big.epic", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1" + "0" * 5000 + "\n"


def test_unexpected_python_error_gets_a_position(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python error that no built-in anticipated (injected here: `strip` made to raise
    `LookupError`) still stops the run with a position and a sentence, not a traceback."""

    def broken(s: object) -> object:
        raise LookupError("injected")

    monkeypatch.setitem(BUILTIN_FUNCTIONS, "strip", Builtin("strip", broken, ("s",), {}, False))
    with pytest.raises(epic_lang.EpicRuntimeError) as caught:
        epic_lang.run_source('def main() =\n    strip(" a ")\n')
    assert caught.value.span is not None and caught.value.span.line == 2
    assert "internal error (LookupError: injected)" in caught.value.message


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("raise SystemExit(3)", "failed: SystemExit: 3"),
        ("raise KeyboardInterrupt", "failed: KeyboardInterrupt"),
    ],
)
def test_external_raising_base_exceptions_fails_the_call(
    tmp_path: Path, body: str, words: str
) -> None:
    write(tmp_path, "tools.py", f"def boom():\n    {body}\n")
    write(tmp_path, "main.epic", 'import python "./tools.py" as t\ndef main() = t.boom()\n')
    result = epic("run", "main.epic", cwd=tmp_path)
    assert_clean_error(result, "main.epic:2:14", words)
    assert "Task exception was never retrieved" not in result.stderr
    assert "KeyboardInterrupt: KeyboardInterrupt" not in result.stderr


def test_long_generated_sum_runs() -> None:
    """400 terms used to exceed Python's recursion limit while compiling."""
    source = "def main() = " + " + ".join(["1"] * 400) + "\n"
    assert epic_lang.run_source(source).value == 400


def test_too_deep_program_is_a_load_error_on_its_declaration() -> None:
    source = "def ok() = 1\n\ndef main() = " + " + ".join(["1"] * 50_000) + "\n"
    with pytest.raises(EpicLoadError) as caught:
        epic_lang.load_source(source, "deep.epic")
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.col) == ("too-deep", 3, 1)
    assert diagnostic.message == "this declaration is nested too deeply to run"
