"""`epic run`: output on stdout, everything else on stderr, exit codes, trace files."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from epic_lang.cli import main


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "prog.epic"
    path.write_text(text)
    return str(path)


def test_prints_strings_raw_and_values_as_literals(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, 'def main() = "hello"\ndef pair(x) = (x, [none, true])\n')
    assert main(["run", path]) == 0
    out, err = capsys.readouterr()
    assert out == "hello\n"
    assert "epic: no calls" in err and "backend:" not in err
    assert main(["run", path, "--entry", "pair", "--arg", 'x="a"']) == 0
    assert capsys.readouterr().out == '("a", [none, true])\n'
    assert main(["run", path, "--entry", "pair", "--arg", "x=1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [1, [None, True]]


def test_runtime_error_exit_code_and_message(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "def main() = [1][3]\n")
    assert main(["run", path]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{path}:1:14: error: index 3 out of range for list of length 1" in err
    assert "Traceback" not in err


def test_syntax_error_printed_like_check(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "def main( = 1\n")
    assert main(["run", path]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:1:") and "error" in err


def test_trace_and_timeline(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    from epic_lang.testing import fake

    try:
        import epic_lang.llm.config as config
    except ImportError:  # the LLM engineer's module may not be there yet
        config = types.ModuleType("epic_lang.llm.config")
        monkeypatch.setitem(sys.modules, "epic_lang.llm.config", config)
    monkeypatch.setattr(
        config, "backend_from_options", lambda **kw: fake.FakeBackend(latency=0.01), raising=False
    )
    path = write(tmp_path, 'def main() = [llm("a"), llm("b")]\n')
    trace = tmp_path / "t.json"
    assert main(["run", path, "--trace", str(trace), "--timeline", "--mode", "sequential"]) == 0
    out, err = capsys.readouterr()
    assert "backend: fake" in err and "epic: 2 calls" in err and "|" in err
    events = json.loads(trace.read_text())["traceEvents"]
    assert [e["name"] for e in events if e["ph"] == "X"] == ["llm", "llm"]
