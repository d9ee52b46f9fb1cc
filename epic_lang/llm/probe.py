"""The editor's "Test connection": whether the server a run would call answers, knows the
model and accepts the key, in one sentence and a time.

The backend is resolved exactly as a run resolves it (`config.resolve`), and the requests go
through the run's own client (`OpenAIBackend`), so the answer holds for the next run. Two
requests: `GET /models` (reachable, model listed; many servers answer it without a key) and
one chat completion of one token (key and model accepted). Neither is retried: a test that
waits a minute for a server that is down answers too late to be useful. The local model is
tested by a run of `LOCAL_PROBE_PROGRAM` in a run worker (lsp_server/backend.py), because
loading it takes seconds and memory the language server should not hold.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from epic_lang.llm.config import ResolvedConfig, server_backend
from epic_lang.llm.interface import LLMError, LLMRequest
from epic_lang.llm.retry import RetryPolicy

PROBE_REQUEST = LLMRequest("llm", prompt="Answer with one word: ok", max_tokens=1)
LOCAL_PROBE_PROGRAM = 'def main() = llm("Answer with one word: ok", max_tokens=1)\n'
NO_RETRY = RetryPolicy(max_attempts=1, budget=0.0)
AUTH_STATUSES = (401, 403)


@dataclass(frozen=True, slots=True)
class ConnectionReport:
    """`message` is the sentence shown to the user; `seconds` the time both requests took."""

    ok: bool
    message: str
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "message": self.message, "seconds": round(self.seconds, 3)}


async def probe_server(config: ResolvedConfig) -> ConnectionReport:
    """Tests the OpenAI-compatible server of `config` (whose `base_url` is set)."""
    from epic_lang.llm.openai_client import LLMHTTPError

    backend = server_backend(config, replace(config.client, retry=NO_RETRY))
    started = time.monotonic()
    notes: list[str] = []
    try:
        try:
            listed = await backend.model_ids()
        except LLMHTTPError as error:
            if error.status is None:
                return _report(False, f"cannot reach the server: {error}", started)
            if error.status in AUTH_STATUSES:
                return _report(False, _refused(config, str(error)), started)
            notes.append(f"no model list ({error})")
        else:
            notes.append(_listing(config.model, listed))
        try:
            await backend.complete(replace(PROBE_REQUEST, model=config.model))
        except LLMHTTPError as error:
            if error.status in AUTH_STATUSES:
                return _report(False, _refused(config, str(error)), started)
            return _report(False, f"reachable, but a one-token request failed: {error}", started)
        except LLMError as error:
            return _report(False, f"reachable, but a one-token request failed: {error}", started)
        notes.append(_key_note(config))
        return _report(True, "reachable; " + "; ".join(notes), started)
    finally:
        await backend.aclose()


def _report(ok: bool, message: str, started: float) -> ConnectionReport:
    return ConnectionReport(ok, message, time.monotonic() - started)


def _listing(model: str | None, listed: list[str]) -> str:
    if model is None:
        return "no model named, so the server's default answers"
    if model in listed:
        return f"model {model} found"
    shown = ", ".join(listed[:5]) + (", ..." if len(listed) > 5 else "")
    return f"model {model} not among the models listed ({shown or 'none'})"


def _key_note(config: ResolvedConfig) -> str:
    if config.api_key:
        return f"API key from {config.key_source or 'the caller'} accepted"
    if config.key_withheld:
        return f"no API key sent ({config.key_withheld}), none needed"
    return "no API key sent, none needed"


def _refused(config: ResolvedConfig, detail: str) -> str:
    if config.api_key:
        return f"reachable, but the API key from {config.key_source} was refused: {detail}"
    return f"reachable, but the server wants an API key: {detail}"
