"""The requests `epic/backend` and `epic/testConnection` (vscode-extension/PROTOCOL.md,
section 7): which LLM backend a run of a document would use, and whether it answers.

Both resolve the backend as a run of that document does (the client's settings over the
environment and the project's files, `epic_lang.llm.config`), so what the editor shows is what
the next run gets. A server is tested from here (two small HTTP requests, `llm/probe.py`); the
local model in a run worker, since loading it takes seconds and memory.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from epic_lang.ide.document import Analysis
from epic_lang.ide.run import RunRequest
from lsp_server import runs
from lsp_server.runs import RunHost

if TYPE_CHECKING:
    from epic_lang.llm.probe import ConnectionReport

# The LLM modules are imported by the first request, not with the server: they cost a fifth
# of a second that the first diagnostics would otherwise wait for.


async def backend(ls: RunHost, params: Any) -> dict[str, Any]:
    """`epic/backend`: the backend a run of `params.uri` would use (no uri: of a program in
    the server's working directory)."""
    from epic_lang.llm.summary import summarise_backend

    uri = str(runs.params_dict(params).get("uri") or "")
    settings = await ls.refresh_settings(uri or None)
    summary = summarise_backend(settings.llm, ls.path_of(uri), settings.trusted_python)
    return summary.to_json()


async def test_connection(
    ls: RunHost, params: Any, token: types.ProgressToken | None = None
) -> dict[str, Any]:
    """`epic/testConnection`: one small request to the backend a run of `params.uri` would
    use, answered as `{ok, message, seconds, backend}`."""
    from epic_lang.llm.config import resolve
    from epic_lang.llm.credentials import LLMConfigError
    from epic_lang.llm.probe import LOCAL_PROBE_PROGRAM, ConnectionReport, probe_server
    from epic_lang.llm.summary import UNUSABLE, summarise_backend

    fields = runs.params_dict(params)
    uri = str(fields.get("uri") or "")
    path = ls.path_of(uri)
    settings = await ls.refresh_settings(uri or None)
    summary = summarise_backend(settings.llm, path, settings.trusted_python)
    progress = runs.Progress(ls, fields.get("workDoneToken") or token)
    progress.begin("EPIC: testing the LLM connection")
    report = ConnectionReport(False, "not tested", 0.0)
    try:
        if summary.kind == UNUSABLE:
            report = ConnectionReport(False, summary.description, 0.0)
        else:
            config = resolve(
                settings=settings.llm, program_path=path, trusted=settings.trusted_python
            )
            if config.base_url is not None:
                report = await probe_server(config)
            else:
                request = RunRequest(
                    Analysis(LOCAL_PROBE_PROGRAM, path),
                    "main",
                    "sequential",
                    settings.llm,
                    settings.trusted_python,
                )
                report = await _test_local(ls, request, progress)
    except LLMConfigError as problem:
        report = ConnectionReport(False, f"none usable: {problem}", 0.0)
    finally:
        progress.end("reachable" if report.ok else "failed")
    return {**report.to_json(), "backend": summary.to_json()}


async def _test_local(
    ls: RunHost, request: RunRequest, progress: runs.Progress
) -> ConnectionReport:
    from epic_lang.llm.probe import ConnectionReport

    started = time.monotonic()
    outcome = await ls.workers.run(request, progress.report)
    seconds = time.monotonic() - started
    if outcome.error is not None:
        return ConnectionReport(False, f"the local model failed: {outcome.error.message}", seconds)
    return ConnectionReport(True, "the local model loaded and answered", seconds)
