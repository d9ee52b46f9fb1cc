"""How EPIC starts a Python child process so that the folder it works on cannot replace modules.

Python puts the script's directory, or for `-m`/`-c` the current directory, first on `sys.path`.
Started inside a project folder, a child would then import the folder's `json.py` or `lsp_server/`
in place of the real ones: opening a folder would run its code. Every Python child EPIC starts
(the language server from the VS Code extension, a run's worker process) is started the same way:

- `-P` (Python 3.11+, the package's minimum) keeps that directory off `sys.path`;
- the working directory is one no project controls (where the `epic_lang` package is
  installed), so relative entries of `PYTHONPATH` cannot point into the project either.

`-I` is not used: it also drops the user's site-packages and `PYTHONPATH`, where epic-lang itself
may be installed. The environment is the user's own (editors pass their own), so it is passed
unchanged; a project folder cannot set it. `PYTHONSAFEPATH=1` is not added to it either: it would
reach the processes that the user's own trusted Python tools start, and change how their
`python script.py` finds the script's sibling modules.

The VS Code extension writes the same rule in TypeScript (vscode-extension/src/interpreter.ts,
`safeServerCommand`); tests/lsp/test_workspace_shadowing.py checks both against a hostile folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAFE_PATH_FLAG = "-P"


@dataclass(frozen=True, slots=True)
class ChildCommand:
    """Everything `subprocess.Popen` / `asyncio.create_subprocess_exec` needs besides I/O."""

    argv: list[str]
    cwd: str
    env: dict[str, str]


def safe_cwd() -> str:
    """A working directory no project folder controls: the directory holding the installed
    `epic_lang` package (its parent, so that `epic_lang` itself is not shadowed either)."""
    return str(Path(__file__).resolve().parent.parent)


def python_child(
    args: Sequence[str],
    python: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ChildCommand:
    """The command, working directory and environment to start `python <args>` safely, e.g.
    `python_child(["-m", "epic_lang.ide.worker"])`. `python` defaults to this interpreter,
    `environ` to this process's environment (copied)."""
    return ChildCommand(
        argv=[python or sys.executable, SAFE_PATH_FLAG, *args],
        cwd=safe_cwd(),
        env=dict(os.environ if environ is None else environ),
    )
