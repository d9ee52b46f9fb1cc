"""`epic run` driven as a user drives it: bad arguments and Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from qa_cli import EPIC, assert_clean_error, epic, write

PROGRAM = "def add(x, y) = x + y\nlet v = 3\ndef main() = 42\n"


@pytest.mark.parametrize(
    ("args", "where", "words"),
    [
        (["--arg", "zz=1"], "p.epic:3:1", "`main` has no parameter 'zz'"),
        (["--entry", "add", "--arg", "x=1"], "p.epic:1:1", "`add` is missing argument 'y'"),
        (
            ["--entry", "add", "--arg", "x=1", "--arg", "y=[1]"],
            "p.epic:1:17",
            "cannot apply `+` to int and list",
        ),
        (["--entry", "nope"], "p.epic", "the program has no definition `nope`"),
        (["--entry", "v", "--arg", "x=1"], "p.epic", "`v` is a value, not a function"),
    ],
)
def test_bad_entry_arguments(tmp_path: Path, args: list[str], where: str, words: str) -> None:
    write(tmp_path, "p.epic", PROGRAM)
    assert_clean_error(epic("run", "p.epic", *args, cwd=tmp_path), where, words)


def test_arg_that_is_not_json_is_a_string(tmp_path: Path) -> None:
    write(tmp_path, "p.epic", PROGRAM)
    result = epic("run", "p.epic", "--entry", "add", "--arg", "x=a", "--arg", "y=b", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "ab\n")


def test_arg_without_a_name(tmp_path: Path) -> None:
    write(tmp_path, "p.epic", PROGRAM)
    result = epic("run", "p.epic", "--arg", "x", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "epic: --arg expects NAME=JSON, got 'x'\n"


# The Python tool the interrupted programs call. Each function says "started" on stderr once
# the run is where the test wants to interrupt it, so the test waits for that line instead of
# sleeping: `ready` once the main thread is back in the evaluator's machine (the pure loop),
# `block` from a worker thread that then sleeps, `forever` from an awaited coroutine.
MARK = """\
import asyncio, sys, threading, time

def _started():
    print("started", file=sys.stderr, flush=True)

def _in_machine():
    frame = sys._current_frames().get(threading.main_thread().ident)
    while frame is not None and frame.f_code.co_name != "run_ready":
        frame = frame.f_back
    return frame is not None

def _announce_in_machine():
    while not _in_machine():
        time.sleep(0.001)
    _started()

def ready(n):
    threading.Thread(target=_announce_in_machine, daemon=True).start()
    return n

def block(i):
    if i == 0:
        _started()
    time.sleep(600)

async def forever(x):
    _started()
    await asyncio.sleep(3600)
"""


@pytest.mark.parametrize(
    "main",
    [
        "loop(mark.ready(100_000_000))",
        "map(fn(i) => mark.block(i), range(3))",
        "mark.forever(1)",
    ],
    ids=["pure-loop", "python-threads", "async-call"],
)
def test_ctrl_c_exits_130_at_once(tmp_path: Path, main: str) -> None:
    """Ctrl-C stops a pure loop inside the machine, a run waiting for Python externals in
    threads and one awaiting an async external; the process must not wait for those threads or
    calls to finish."""
    write(tmp_path, "mark.py", MARK)
    write(
        tmp_path,
        "long.epic",
        'import python "./mark.py" as mark\n'
        "def loop(n) = if n == 0 then 0 else loop(n - 1)\n"
        f"def main() = {main}\n",
    )
    process = subprocess.Popen(
        [*EPIC, "run", "long.epic"],
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    watchdog = threading.Timer(60, process.kill)  # turns a hang into a failure, never waits
    watchdog.start()
    try:
        assert process.stderr is not None
        assert process.stderr.readline() == "started\n"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        watchdog.cancel()
        process.kill()
    assert (process.returncode, out, err) == (130, "", "epic: interrupted\n")


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


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--port", "99999"], "argument --port: a port is between 0 and 65535, got 99999"),
        (["--port", "x"], "argument --port: not a port number: 'x'"),
        (["--latency-ms", "-5"], "argument --latency-ms: a delay must be 0 or more, got -5"),
    ],
)
def test_sim_server_bad_options_are_usage_errors(
    tmp_path: Path, args: list[str], words: str
) -> None:
    result = epic("sim-server", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"epic sim-server: error: {words}"


def test_sim_server_rules_with_bad_json_name_the_position(tmp_path: Path) -> None:
    write(tmp_path, "rules.json", '[\n  {"match": 1,}\n]\n')
    result = epic("sim-server", "--rules", "rules.json", "--port", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("epic sim-server: error: rules.json:2:15: invalid JSON")
