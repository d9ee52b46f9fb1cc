"""The messages between the language server and a run's worker process (run_worker.py), as
JSON: the request the server sends, the outcome the worker answers with."""

from __future__ import annotations

import json
from typing import Any

from epic_lang.ide.document import Analysis
from epic_lang.ide.run import RunError, RunOutcome, RunRequest
from epic_lang.source import Span


def encode_request(request: RunRequest) -> bytes:
    """The request line: what `decode_request` needs to analyse and run the text again."""
    fields = {
        "text": request.analysis.text,
        "path": request.analysis.path,
        "entry": request.entry,
        "mode": request.mode,
        "llm": request.llm_settings,
        "trusted_python": request.trusted_python,
        "args": list(request.args),
    }
    return json.dumps(fields).encode("utf-8") + b"\n"


def decode_request(line: bytes) -> RunRequest:
    fields = json.loads(line)
    return RunRequest(
        Analysis(fields["text"], fields["path"]),
        fields["entry"],
        fields["mode"],
        fields["llm"],
        fields["trusted_python"],
        tuple(fields.get("args") or ()),
    )


def encode_outcome(outcome: RunOutcome) -> dict[str, Any]:
    error = outcome.error
    return {
        "value": outcome.value,
        "trace": outcome.trace,
        "error": None
        if error is None
        else {
            "message": error.message,
            "rendered": error.rendered,
            "path": error.path,
            "span": None if error.span is None else _span_fields(error.span),
        },
    }


def decode_outcome(fields: dict[str, Any]) -> RunOutcome:
    error = fields["error"]
    return RunOutcome(
        fields["value"],
        None
        if error is None
        else RunError(
            error["message"],
            error["rendered"],
            error["path"],
            None if error["span"] is None else Span(**error["span"]),
        ),
        fields["trace"],
    )


def _span_fields(span: Span) -> dict[str, int]:
    return {
        "start": span.start,
        "end": span.end,
        "line": span.line,
        "col": span.col,
        "end_line": span.end_line,
        "end_col": span.end_col,
    }
