"""Opening a folder must not run its Python files, and an untrusted folder gets no API key.

The server is started exactly as the VS Code extension starts it: the command line, working
directory and environment come from the extension's own `serverLaunch` (and the package probe
from `pythonLaunch`), compiled from vscode-extension/src/interpreter.ts and asked through node;
like vscode-languageclient, a launch without a working directory would run in the workspace
folder. The workspace holds modules named like those the server and a run import, each of which
leaves a marker file when imported. A capture server on loopback records the Authorization
header each run sends.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from capture_server import capture_server
from lsp_harness import SERVER_ENV, initialize_params, make_client
from lsprotocol import types

from epic_lang.safe_python import python_child

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "vscode-extension"
ESBUILD = EXTENSION / "node_modules" / ".bin" / "esbuild"
SHADOWED = [
    "json",
    "lark",
    "difflib",
    "decimal",
    "cattrs",
    "httpx",
    "tomllib",
    "pygls",
    "lsprotocol",
    "argparse",
    "epic_lang",
]
USER_KEY = "sk-user-1b2c3d4e-SECRET"
PROGRAM = 'def main() = llm("hello")\n'
LAUNCHES = """\
import { PACKAGE_PROBE, pythonLaunch, serverLaunch } from %s;
const [python, safeDirectory] = process.argv.slice(2);
console.log(JSON.stringify({
  server: serverLaunch(python, safeDirectory, process.env),
  probe: pythonLaunch(python, PACKAGE_PROBE, safeDirectory, process.env),
}));
"""

Runner = Callable[[dict[str, Any]], Awaitable[Any]]

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.skipif(not ESBUILD.exists(), reason="npm ci not run in vscode-extension"),
]


@pytest.fixture(scope="module")
def launches_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension's launch functions, bundled for node (as the unit tests are built)."""
    folder = tmp_path_factory.mktemp("launch")
    entry = folder / "launches.ts"
    entry.write_text(LAUNCHES % json.dumps(str(EXTENSION / "src" / "interpreter.ts")))
    out = folder / "launches.js"
    subprocess.run(
        [
            str(ESBUILD),
            str(entry),
            "--bundle",
            "--platform=node",
            f"--outfile={out}",
            "--log-level=warning",
        ],
        check=True,
        timeout=120,
        cwd=EXTENSION,
    )
    return out


def extension_launches(script: Path, env: dict[str, str]) -> dict[str, Any]:
    """What the extension would spawn, given this environment (server.ts passes its own
    `process.env` and its install folder)."""
    done = subprocess.run(
        ["node", str(script), sys.executable, str(EXTENSION)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def hostile_workspace(folder: Path, markers: Path) -> None:
    """Modules that record their import in `markers`, and an `lsp_server` that replaces the
    server outright."""
    markers.mkdir()
    for name in SHADOWED:
        (folder / f"{name}.py").write_text(
            f"open({str(markers / name)!r}, 'w').close()\nraise SystemExit('shadowed {name}')\n"
        )
    package = folder / "lsp_server"
    package.mkdir()
    for part in ("__init__", "__main__"):
        (package / f"{part}.py").write_text(
            f"open({str(markers / ('lsp_server.' + part))!r}, 'w').close()\n"
        )
    (folder / "epic.toml").write_text("max_retries = 1\n")
    (folder / "main.epic").write_text(PROGRAM)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    folder, markers = tmp_path / "workspace", tmp_path / "markers"
    folder.mkdir()
    hostile_workspace(folder, markers)
    yield folder, markers


def spawn_options(launch: dict[str, Any], folder: Path) -> dict[str, Any]:
    """vscode-languageclient's spawn: the launch's own cwd, else the workspace folder."""
    return {"cwd": launch["options"].get("cwd") or str(folder), "env": launch["options"]["env"]}


@asynccontextmanager
async def started(launch: dict[str, Any], folder: Path) -> AsyncIterator[Runner]:
    """Starts the server as `launch` says and opens main.epic; yields `run(section)`, which
    runs `main` with the client's `epic` settings set to `section` and returns the answer."""
    client = make_client()
    await client.start_io(launch["command"], *launch["args"], **spawn_options(launch, folder))
    try:
        client.set_configuration({"trustedPython": False, "llm": {}}, section="epic")
        await client.initialize_session(initialize_params(folder))
        uri = (folder / "main.epic").as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="epic", version=1, text=PROGRAM)
            )
        )

        async def run(section: dict[str, Any]) -> Any:
            client.set_configuration(section, section="epic")
            return await client.protocol.send_request_async(
                "epic/run", {"uri": uri, "entry": "main", "mode": "opportunistic"}
            )

        yield run
        await client.shutdown_session()
    finally:
        await client.stop()


def field(answer: Any, name: str) -> Any:
    return answer[name] if isinstance(answer, dict) else getattr(answer, name)


async def test_the_workspace_cannot_shadow_modules_nor_receive_the_key(
    launches_script: Path, workspace: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, markers = workspace
    env = {**SERVER_ENV, "EPIC_LLM_API_KEY": USER_KEY, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    launches = extension_launches(launches_script, env)

    probe = launches["probe"]
    done = subprocess.run(
        [probe["command"], *probe["args"]],
        capture_output=True,
        text=True,
        timeout=60,
        **spawn_options(probe, folder),
    )
    assert (done.returncode, sorted(os.listdir(markers))) == (0, []), done.stderr

    with capture_server() as capture:
        untrusted = {
            "trustedPython": False,
            "llm": {"baseUrl": capture.base_url, "apiKey": USER_KEY},
        }
        async with started(launches["server"], folder) as run:
            answer = await run(untrusted)
        assert sorted(os.listdir(markers)) == []
        assert field(answer, "error") is None and field(answer, "value") == "ok"
        assert capture.authorizations == [None]


async def test_a_plain_python_m_lsp_server_in_the_folder_imports_nothing_from_it(
    workspace: tuple[Path, Path],
) -> None:
    """Editors that start `python -m lsp_server` in the project folder without `-P`: only a
    folder's own `lsp_server/` package still wins (it runs before any code of ours)."""
    folder, markers = workspace
    shutil.rmtree(folder / "lsp_server")
    launch = {
        "command": sys.executable,
        "args": ["-m", "lsp_server"],
        "options": {"cwd": str(folder), "env": SERVER_ENV},
    }
    with capture_server() as capture:
        async with started(launch, folder) as run:
            answer = await run({"trustedPython": True, "llm": {"baseUrl": capture.base_url}})
    assert sorted(os.listdir(markers)) == []
    assert field(answer, "value") == "ok"


def test_python_children_ignore_their_working_directory(workspace: tuple[Path, Path]) -> None:
    """`python_child` (how a run's worker is started) gives a safe working directory, and its
    `-P` protects the child even where a caller chooses the workspace as working directory."""
    folder, markers = workspace
    child = python_child(["-c", "import json, decimal, difflib"], environ=SERVER_ENV)
    assert child.argv[:2] == [sys.executable, "-P"] and not Path(child.cwd, "json.py").exists()
    subprocess.run(child.argv, cwd=folder, env=child.env, check=True, timeout=60)
    assert sorted(os.listdir(markers)) == []


def test_the_old_start_ran_the_workspace(
    launches_script: Path, workspace: tuple[Path, Path]
) -> None:
    """The check above can fail: started as before (no -P, in the workspace folder), the
    workspace's own lsp_server runs."""
    folder, markers = workspace
    subprocess.run(
        [sys.executable, "-m", "lsp_server"],
        cwd=folder,
        env=SERVER_ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    assert "lsp_server.__main__" in os.listdir(markers)


async def test_a_trusted_project_server_gets_the_key_only_once_approved(
    launches_script: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "main.epic").write_text(PROGRAM)
    user_file = tmp_path / "cfg" / "epic" / "config.toml"
    user_file.parent.mkdir(parents=True)
    env = {**SERVER_ENV, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    for name in ("EPIC_LLM_BASE_URL", "OPENAI_BASE_URL", "EPIC_LLM_API_KEY", "OPENAI_API_KEY"):
        env.pop(name, None)
    launch = extension_launches(launches_script, env)["server"]
    with capture_server() as capture:
        (folder / "epic.toml").write_text(f'base_url = "{capture.base_url}"\n')
        user_file.write_text(f'[servers."{capture.origin}"]\n')
        trusted = {"trustedPython": True, "llm": {"apiKey": USER_KEY}}
        untrusted = {"trustedPython": False, "llm": {"apiKey": USER_KEY}}
        async with started(launch, folder) as run:
            approved = await run(trusted)
            refused = await run(untrusted)
            user_file.write_text("")
            withheld = await run(trusted)
    assert field(approved, "error") is None
    assert "not trusted" in field(field(refused, "error"), "message")
    assert field(withheld, "error") is None
    assert capture.authorizations == [f"Bearer {USER_KEY}", None]
