"""End to end through the real server: runs with arguments, "Evaluate selection", the backend
a run would use (`epic/backend`) and "Test connection" (`epic/testConnection`), against
`epic sim-server` over loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from lsp_harness import Editor
from lsprotocol import types
from test_runs import as_dict

from epic_lang.testing.sim_server import SimConfig, SimServerHandle, running_sim_server

PROGRAM = """\
def greet(name, punctuation="!") = f"hello {name}{punctuation}"

def total(xs) = sum(map(fn(x) => x["n"], xs))

def ask(q) = llm(f"Answer briefly: {q}", max_tokens=4)

def main() =
    let y = greet("a")
    y
"""


@pytest.fixture
def keyed_sim() -> Iterator[SimServerHandle]:
    with running_sim_server(SimConfig(latency_ms=10, api_key="right-key")) as handle:
        yield handle


async def request(editor: Editor, method: str, params: dict[str, Any]) -> Any:
    return as_dict(await editor.client.protocol.send_request_async(method, params))


async def run(editor: Editor, entry: str, args: Any) -> Any:
    params = {"uri": editor.uri("p.epic"), "entry": entry, "mode": "opportunistic"}
    return await request(editor, "epic/run", {**params, "args": args, "trace": False})


async def test_every_function_runs_with_json_arguments(editor: Editor) -> None:
    await editor.open("p.epic", PROGRAM)
    lenses = await editor.client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(editor.uri("p.epic")))
    )
    arguments = {
        lens.command.arguments[0]["entry"]: lens.command.arguments[0]
        for lens in lenses
        if lens.command and lens.command.command == "epic.run"
    }
    assert set(arguments) == {"greet", "total", "ask", "main"}
    assert arguments["greet"]["params"] == ["name", "punctuation"]
    assert arguments["greet"]["required"] == 1
    assert "params" not in arguments["main"]

    answer = await run(editor, "greet", ["EPIC", "?"])
    assert answer["error"] is None and answer["value"] == "hello EPIC?"
    assert (await run(editor, "greet", ["EPIC"]))["value"] == "hello EPIC!"
    answer = await run(editor, "total", [[{"n": 2}, {"n": 40}]])
    assert answer["error"] is None and answer["value"] == "42"

    # Arguments that do not fit are clear errors at the def, before anything runs.
    answer = await run(editor, "greet", [])
    error = answer["error"]
    assert (
        "`greet` takes at least 1 argument (name, punctuation), and the run gave 0"
        in (error["message"])
    )
    assert error["range"]["start"] == {"line": 0, "character": 4}
    too_many = (await run(editor, "main", [1]))["error"]["message"]
    assert "`main` takes 0 arguments, and the run gave 1" in too_many
    not_a_list = (await run(editor, "greet", {"name": "x"}))["error"]["message"]
    assert "must be a JSON array" in not_a_list


async def test_evaluate_selection_in_the_files_context(editor: Editor) -> None:
    text = PROGRAM + "\ndef bad() =\n    let z = 1\n    z + [1, 2][7]\n"
    await editor.open("p.epic", text)

    async def evaluate(needle: str) -> Any:
        start = text.index(needle)
        line = text.count("\n", 0, start)
        col = start - (text.rfind("\n", 0, start) + 1)
        lsp_range = {
            "start": {"line": line, "character": col},
            "end": {"line": line, "character": col + len(needle)},
        }
        params = {"uri": editor.uri("p.epic"), "range": lsp_range}
        return await request(editor, "epic/evaluate", params)

    answer = await evaluate('greet("a")')
    assert answer["error"] is None and answer["value"] == "hello a!"
    # A `let` line (the current line when nothing is selected) gives the value it binds.
    answer = await evaluate('let y = greet("a")')
    assert answer["error"] is None and answer["value"] == "hello a!"
    failed = (await evaluate("[1, 2][7]"))["error"]
    assert "index" in failed["message"]
    # The error points into the selection in the file, not into the appended wrapper.
    assert failed["range"]["start"]["line"] == text[: text.index("[1, 2][7]")].count("\n")
    blank = await request(editor, "epic/evaluate", {"uri": editor.uri("p.epic")})
    assert blank["error"]["message"] == "select an expression to evaluate"


async def test_the_backend_and_its_connection_test_never_show_the_key(
    editor: Editor, keyed_sim: SimServerHandle
) -> None:
    await editor.open("p.epic", PROGRAM)
    editor.configure(
        trustedPython=True,
        llm={"baseUrl": keyed_sim.base_url, "model": "sim", "apiKey": "right-key"},
    )
    found = await request(editor, "epic/backend", {"uri": editor.uri("p.epic")})
    assert found["kind"] == "server"
    assert found["baseUrl"] == keyed_sim.base_url and found["model"] == "sim"
    assert "API key from editor settings" in found["description"]
    assert "right-key" not in str(found)
    tested = await request(editor, "epic/testConnection", {"uri": editor.uri("p.epic")})
    assert tested["ok"] is True, tested
    assert "model sim found" in tested["message"]
    assert "API key from editor settings accepted" in tested["message"]
    assert tested["seconds"] >= 0

    # A refused key and an unreachable server are told apart.
    editor.configure(trustedPython=True, llm={"baseUrl": keyed_sim.base_url, "apiKey": "wrong-key"})
    tested = await request(editor, "epic/testConnection", {"uri": editor.uri("p.epic")})
    assert tested["ok"] is False
    assert "the API key from editor settings was refused" in tested["message"]
    assert "wrong-key" not in str(tested)
    editor.configure(trustedPython=True, llm={"baseUrl": "http://127.0.0.1:9/v1"})
    tested = await request(editor, "epic/testConnection", {"uri": editor.uri("p.epic")})
    assert tested["ok"] is False and "cannot reach the server" in tested["message"]

    editor.configure(trustedPython=True, llm={})
    found = await request(editor, "epic/backend", {"uri": editor.uri("p.epic")})
    assert found["kind"] == "local" and "SmolLM2" in found["description"]
