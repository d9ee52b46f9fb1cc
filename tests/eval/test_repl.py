"""`epic repl` as a user drives it: through a stdin pipe and through a real pseudo-terminal
(prompts, continuation lines, history in the state directory), with LLM calls through
`epic sim-server` over loopback."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from epic_lang.eval.repl import needs_more
from epic_lang.testing.sim_server import SimConfig, running_sim_server

ROOT = Path(__file__).resolve().parents[2]


def repl(stdin: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "epic_lang", "repl", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )


def test_definitions_and_lets_accumulate_across_inputs(tmp_path: Path) -> None:
    (tmp_path / "lib.epic").write_text("def inc(x) = x + 1\n")
    session = """\
def twice(x) = x * 2
1 + twice(
  3)
import "./lib.epic" as lib
let xs = map(twice, [1, lib.inc(1)])
def f(n) =
    let a = n + xs[1]
    a * 10

f(1)
if f(0) > 10 then
    "big"
else
    "small"

"s" + 1
let g = fn(x) => x + xs[0]
g(1)
:help
"""
    done = repl(session, cwd=tmp_path)
    assert done.returncode == 0
    out = done.stdout.splitlines()
    assert out[:6] == ["7", "xs = [2, 4]", "50", '"big"', "g = <function fn>", "3"]
    assert ":quit" in done.stdout  # the help
    assert "error: cannot apply `+` to str and int" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_let_asks_the_llm_once(tmp_path: Path) -> None:
    with running_sim_server(SimConfig()) as sim:
        done = repl(
            'let answer = llm("Say hi", max_tokens=4)\nanswer\nanswer + "!"\n',
            "--llm",
            sim.base_url,
            "--model",
            "sim",
            cwd=tmp_path,
        )
        requests = sim.stats()["requests"]
    assert done.returncode == 0, done.stderr
    first, again, louder = done.stdout.splitlines()
    assert first.startswith("answer = ")
    assert again == first.removeprefix("answer = ")
    assert louder == again[:-1] + '!"'
    assert requests == 1
    assert f"backend: OpenAI-compatible server {sim.base_url}" in done.stderr


def test_input_continues_while_it_is_open() -> None:
    assert needs_more(["[1,"])
    assert needs_more(["def f(x) ="])
    assert needs_more(["def f(x) =", "    x + 1"])
    assert not needs_more(["def f(x) =", "    x + 1", ""])
    assert not needs_more(["f(", "1)"])
    assert needs_more(['"(" + f('])
    assert not needs_more(['"(" + f()'])
    assert not needs_more([":quit"])


def test_in_a_terminal_with_prompts_and_history(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_STATE_HOME": str(tmp_path), "TERM": "dumb"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the REPL on the terminal
        os.execvpe(sys.executable, [sys.executable, "-m", "epic_lang", "repl"], env)
    seen = b""

    def until(text: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 60
        while text not in seen:
            assert time.monotonic() < deadline, seen
            if select.select([fd], [], [], 1)[0]:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break

    try:
        until(b">>> ")
        os.write(fd, b"[1,\r")
        until(b"... ")
        os.write(fd, b" 2][1] * 21\r")
        until(b"42")
        os.write(fd, b":quit\r")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.WEXITSTATUS(status) == 0
    history = (tmp_path / "epic" / "repl_history").read_text()
    assert ":quit" in history and "[1," in history
