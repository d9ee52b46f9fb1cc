"""`epic run` driven as a user drives it: bad arguments and Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from qa_cli import EPIC, assert_clean_error, epic, write

PROGRAM = "def add(x, y) = x + y\nlet v = 3\ndef main() = 42\n"


@pytest.mark.parametrize(("args", "where", "words"), [
    (["--arg", "zz=1"], "p.epic:3:1", "`main` has no parameter 'zz'"),
    (["--entry", "add", "--arg", "x=1"], "p.epic:1:1", "`add` is missing argument 'y'"),
    (["--entry", "add", "--arg", "x=1", "--arg", "y=[1]"], "p.epic:1:17",
     "cannot apply `+` to int and list"),
    (["--entry", "nope"], "p.epic", "the program has no definition `nope`"),
    (["--entry", "v", "--arg", "x=1"], "p.epic", "`v` is a value, not a function"),
])
def test_bad_entry_arguments(tmp_path: Path, args: list[str], where: str, words: str) -> None:
    write(tmp_path, "p.epic", PROGRAM)
    assert_clean_error(epic("run", "p.epic", *args, cwd=tmp_path), where, words)


def test_arg_that_is_not_json_is_a_string(tmp_path: Path) -> None:
    write(tmp_path, "p.epic", PROGRAM)
    result = epic("run", "p.epic", "--entry", "add", "--arg", "x=a", "--arg", "y=b",
                  cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "ab\n")


def test_arg_without_a_name(tmp_path: Path) -> None:
    write(tmp_path, "p.epic", PROGRAM)
    result = epic("run", "p.epic", "--arg", "x", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "epic: --arg expects NAME=JSON, got 'x'\n"


@pytest.mark.parametrize("program", [
    "def loop(n) = if n == 0 then 0 else loop(n - 1)\ndef main() = loop(100_000_000)\n",
    'import python "time" as time\ndef main() = map(fn(i) => time.sleep(60), range(3))\n',
])
def test_ctrl_c_exits_130_at_once(tmp_path: Path, program: str) -> None:
    """Ctrl-C stops a pure loop and a run waiting for Python externals in threads; the
    process must not wait for those threads to finish."""
    write(tmp_path, "long.epic", program)
    process = subprocess.Popen([*EPIC, "run", "long.epic"], cwd=tmp_path, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.5)  # let it start (imports, then the loop or the calls)
    assert process.poll() is None
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert (out, err) == ("", "epic: interrupted\n")


@pytest.mark.parametrize("action", ["info", "clear"])
def test_cache_of_a_missing_path_is_an_error(tmp_path: Path, action: str) -> None:
    result = epic("cache", action, "missing/prog.epic", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "epic cache: error: no such folder: missing\n"


def test_sim_server_on_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = epic("sim-server", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize("option", ["--trace", "--trace-html"])
def test_trace_to_an_unwritable_path(tmp_path: Path, option: str) -> None:
    write(tmp_path, "p.epic", PROGRAM)
    result = epic("run", "p.epic", option, "no/such/dir/t.out", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "42\n")
    assert result.stderr == "epic: cannot write no/such/dir/t.out: No such file or directory\n"


@pytest.mark.parametrize(("args", "words"), [
    (["--port", "99999"], "argument --port: a port is between 0 and 65535, got 99999"),
    (["--port", "x"], "argument --port: not a port number: 'x'"),
    (["--latency-ms", "-5"], "argument --latency-ms: a delay must be 0 or more, got -5"),
])
def test_sim_server_bad_options_are_usage_errors(tmp_path: Path, args: list[str],
                                                  words: str) -> None:
    result = epic("sim-server", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"epic sim-server: error: {words}"


def test_sim_server_rules_with_bad_json_name_the_position(tmp_path: Path) -> None:
    write(tmp_path, "rules.json", '[\n  {"match": 1,}\n]\n')
    result = epic("sim-server", "--rules", "rules.json", "--port", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("epic sim-server: error: rules.json:2:15: invalid JSON")
