"""Importing a module of the package changes nothing outside it (issue 12): the garbage
collector stays on, the recursion limit stays where it was, no signal handler, thread,
environment variable or logging handler appears, and no module fills another module's table
(the `FORK_POINTS` and `@external` registries used to be filled that way).

All modules are imported one after another in one fresh interpreter, each state compared with
the state before it, so that the first module making a change is the one named. The libraries
they import at load time are imported before the first state is taken: what a library does
when imported (Ray sets environment variables and an excepthook) is the library's. A module
whose import needs an optional dependency that is not installed is left out; a module of the
package that fails to import for any other reason is a failure."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from test_import_graph import ROOT, load_time_imports, module_files

CHILD = r"""
import gc, importlib, json, logging, os, signal, sys, threading

OWN = ("epic_lang", "lsp_server")
SIGNALS = [s for s in ("SIGINT", "SIGTERM", "SIGCHLD", "SIGHUP", "SIGPIPE") if hasattr(signal, s)]


def state():
    root = logging.getLogger()
    return {
        "gc enabled": gc.isenabled(),
        "gc frozen objects": gc.get_freeze_count(),
        "recursion limit": sys.getrecursionlimit(),
        "switch interval": sys.getswitchinterval(),
        "threads": sorted(t.name for t in threading.enumerate()),
        "signal handlers": {s: repr(signal.getsignal(getattr(signal, s))) for s in SIGNALS},
        # Names only: the values may be credentials, which a failure must not print.
        "environment": sorted(os.environ),
        "working directory": os.getcwd(),
        "root logging handlers": [repr(h) for h in root.handlers],
        "root logging level": root.level,
        "standard streams": [id(sys.stdin), id(sys.stdout), id(sys.stderr)],
        "excepthooks": [repr(sys.excepthook), repr(threading.excepthook)],
    }


def tables():
    # Every module-level dict, set or list of the package's modules imported so far.
    out = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith(OWN) or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if type(value) in (dict, set, list) and not attr.startswith("__"):
                out[f"{name}.{attr}"] = (id(value), len(value))
    return out


problems = []
skipped = []
for library in json.loads(sys.argv[2]):
    try:
        importlib.import_module(library)
    except Exception:
        pass  # an optional dependency that is missing or broken: its importers are left out
before = state()
seen = tables()
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as error:
        if (error.name or "").startswith(OWN):
            problems.append(f"importing {name}: {error!r}")
        else:
            skipped.append(f"{name} (needs {error.name})")
        continue
    except BaseException as error:
        problems.append(f"importing {name}: {error!r}")
        continue
    after = state()
    for key, value in after.items():
        if value != before[key]:
            problems.append(f"importing {name} changed the {key}: {before[key]!r} -> {value!r}")
    before = after
    now = tables()
    for key, (ident, size) in seen.items():
        if key in now and now[key] != (ident, size):
            problems.append(f"importing {name} changed the table {key} ({size} -> {now[key][1]})")
    seen = now
print(json.dumps({"problems": problems, "skipped": skipped}))
"""


def libraries(files: dict[str, Path]) -> list[str]:
    """The modules outside the package that its modules import at load time."""
    found: set[str] = set()
    for path in files.values():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in load_time_imports(tree.body):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif node.level == 0 and node.module:
                found.add(node.module)
    return sorted(n for n in found if not n.startswith(("epic_lang", "lsp_server")))


def test_importing_any_module_changes_no_process_wide_state() -> None:
    files = module_files()
    names = [n for n in sorted(files) if not n.endswith("__main__")]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(names), json.dumps(libraries(files))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["problems"] == []
    assert len(report["skipped"]) < len(names) // 4, report["skipped"]


def test_a_module_that_fills_another_modules_table_is_named(tmp_path: Path) -> None:
    """The check itself: a package whose module `b` fills `a.TABLE` and turns the collector
    off when imported."""
    package = tmp_path / "epic_lang_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("TABLE = set()\n")
    (package / "b.py").write_text(
        "import gc\nfrom epic_lang_probe.a import TABLE\nTABLE.add(1)\ngc.disable()\n"
    )
    child = CHILD.replace('OWN = ("epic_lang", "lsp_server")', 'OWN = ("epic_lang_probe",)')
    done = subprocess.run(
        [sys.executable, "-c", child, json.dumps(["epic_lang_probe.a", "epic_lang_probe.b"]), "[]"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = json.loads(done.stdout.strip().splitlines()[-1])["problems"]
    assert any("importing epic_lang_probe.b changed the gc enabled" in p for p in problems)
    assert any("table epic_lang_probe.a.TABLE (0 -> 1)" in p for p in problems)
