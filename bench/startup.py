"""Start-up of the command-line tool (issue 13, goal 4): `epic check`, `epic fmt --check` and
`epic run` of a trivial file, each against `python -c pass` in the same run.

Every command is started as a new process, the commands taken in turn (A, B, A, B, ...) so that
all of them sample the same machine load; each row shows the best wall time of several runs,
its ratio to the best `python -c pass`, and the goal (0.08 s on a quiet machine, which is about
4x `python -c pass` there). `-X importtime` of a command shows where its time goes.

The commands run as an installed package does, from bytecode: pip compiles it at install, but a
checkout run with PYTHONDONTWRITEBYTECODE (or from a read-only tree) would compile every module
at every start and time the compiler instead. So the children get a private
`PYTHONPYCACHEPREFIX`, filled by one untimed round, and PYTHONDONTWRITEBYTECODE is dropped.

Run: `python bench/startup.py [--runs N]` (PYTHONPATH must name the checkout to measure).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 0.08


def commands(folder: Path) -> dict[str, list[str]]:
    program = folder / "trivial.epic"
    program.write_text("def main() = 1\n", encoding="utf-8")
    epic = [sys.executable, "-m", "epic_lang"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "epic check": [*epic, "check", str(program)],
        "epic fmt --check": [*epic, "fmt", "--check", str(program)],
        "epic run": [*epic, "run", str(program)],
    }


def wall(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """One run's wall time, started outside any checkout: `python -m` puts the current
    directory first on sys.path, which would measure the package there, not PYTHONPATH's."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False, timeout=60, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(Path(tmp))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        for command in cmds.values():
            wall(command, env, Path(tmp))
        best = dict.fromkeys(cmds, float("inf"))
        for _ in range(options.runs):
            for name, command in cmds.items():
                best[name] = min(best[name], wall(command, env, Path(tmp)))
    floor = best["python -c pass"]
    print(f"package: {os.environ.get('PYTHONPATH', '(installed)')}")
    print(f"{'command':<18} {'best wall s':>11} {'x python':>9}  goal")
    for name, seconds in best.items():
        goal = "" if name == "python -c pass" else f"<= {GOAL_SECONDS} s"
        print(f"{name:<18} {seconds:11.3f} {seconds / floor:8.1f}x  {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
