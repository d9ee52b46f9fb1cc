"""What the start-up of `epic check`, `epic fmt --check` and `epic run` of a small program loads
(issue 13, goal 4): none of the modules that used to cost them most. Each command runs in a
fresh interpreter, which reports the modules loaded when the command returned; measuring the
time itself is `bench/startup.py`'s job.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
from epic_lang.cli import main
status = main(sys.argv[1:])
print(json.dumps([status, sorted(sys.modules)]))
"""

NOT_AT_START = {
    "asyncio": "the event loop, for a program that makes no external call",
    "dataclasses": "with `inspect`: dataclasses exec their methods, records do not",
    "inspect": "loaded by `dataclasses` and `asyncio`",
    "hashlib": "loads OpenSSL; the user cache compares written-out keys",
    "concurrent.futures": "the thread pool of Python externals, with `logging`",
    "difflib": "only for suggestions and `epic fmt --diff`",
    "lark": "the parser's tables come from the user's cache",
    "epic_lang.analysis.python_imports": "only a file with `import python` checks one",
    "epic_lang.analysis.epic_imports": "only a file importing an EPIC file checks it",
    "epic_lang.analysis.import_fixes": "only for an unknown name, to suggest an import",
}

RUN_NOT_AT_START = {
    "epic_lang.analysis.check_stream": "`epic check` checks by declaration; a run holds its tree",
    "epic_lang.eval.control": "`print`, `first`, `after` and `try`, for a program that uses one",
    "epic_lang.eval.native_prelude": "the prelude's hand-written loops, once it compiles one",
}


def loaded(tmp_path: Path, *command: str) -> set[str]:
    program = tmp_path / "trivial.epic"
    program.write_text("## Says one.\ndef main() = 1\n", encoding="utf-8")
    args = [a.replace("FILE", str(program)) for a in command]
    env = {"PATH": "", "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for _ in range(2):  # the first run fills the user cache
        done = subprocess.run(
            [sys.executable, "-c", CHILD, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    status, modules = json.loads(done.stdout.splitlines()[-1])
    assert status == 0, done.stderr
    return set(modules)


@pytest.mark.parametrize(
    "command", [("check", "FILE"), ("fmt", "--check", "FILE"), ("run", "FILE")], ids=" ".join
)
def test_a_command_on_a_small_file_loads_none_of_the_costly_modules(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    modules = loaded(tmp_path, *command)
    assert {name: why for name, why in NOT_AT_START.items() if name in modules} == {}


def test_a_run_loads_neither_the_declaration_checker_nor_unused_built_ins(tmp_path: Path) -> None:
    modules = loaded(tmp_path, "run", "FILE")
    assert {name: why for name, why in RUN_NOT_AT_START.items() if name in modules} == {}


def test_what_a_program_uses_is_loaded(tmp_path: Path) -> None:
    """The checks above can fail: the same modules load once the file has what needs them."""
    (tmp_path / "uses.epic").write_text(
        'import python "math" as m\ndef main() = print(map(fn(x) => x, [m.floor(2.5)]))\n',
        encoding="utf-8",
    )
    modules = loaded(tmp_path, "run", str(tmp_path / "uses.epic"))
    assert {"epic_lang.analysis.python_imports", "epic_lang.eval.control"} <= modules
    assert "epic_lang.eval.native_prelude" in modules


def test_a_program_that_calls_python_starts_the_event_loop(tmp_path: Path) -> None:
    """The check above can fail: the same command loads asyncio once a call is made."""
    (tmp_path / "calls.epic").write_text(
        'import python "math" as m\ndef main() = m.floor(2.5)\n', encoding="utf-8"
    )
    assert "asyncio" in loaded(tmp_path, "run", str(tmp_path / "calls.epic"))
