"""The timeline of a run as one self-contained HTML page (`epic run --trace-html out.html`).

The drawing itself lives in `timeline.html` beside this module, a template shared with the VS
Code extension's "Show timeline" webview (its build copies the file), so that the command line
and the editor draw the same chart from the same code. This module only fills in the template's
three placeholders; the extension's `timelineHtml.ts` does the same in TypeScript.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from functools import cache
from importlib import resources
from typing import Any

NONCE_PLACEHOLDER = "EPIC_NONCE"
TITLE_PLACEHOLDER = "EPIC_TITLE"
TRACE_PLACEHOLDER = "/*EPIC_TRACE*/null"
_PLACEHOLDERS = re.compile(
    "|".join(re.escape(p) for p in (NONCE_PLACEHOLDER, TITLE_PLACEHOLDER, TRACE_PLACEHOLDER))
)


@cache
def _template() -> str:
    return resources.files(__package__).joinpath("timeline.html").read_text(encoding="utf-8")


def trace_json_for_script(trace_dict: dict[str, Any]) -> str:
    """JSON safe to paste inside a `<script>` element: `<` is escaped so that no string in the
    trace (an LLM's answer may contain `</script>`) can end the element early."""
    return json.dumps(trace_dict, ensure_ascii=False).replace("<", "\\u003c")


def render_timeline_html(trace_dict: dict[str, Any], title: str = "run") -> str:
    """A standalone HTML page (inline CSS and JS, no network) drawing `trace_dict`, the shape of
    `Trace.to_dict()`, as a Gantt chart: a row per call coloured by kind, the critical path
    outlined, wall time against summed call time, details on hover."""
    values = {
        NONCE_PLACEHOLDER: secrets.token_hex(16),
        TITLE_PLACEHOLDER: html.escape(title),
        TRACE_PLACEHOLDER: trace_json_for_script(trace_dict),
    }
    # One pass, so that a title or a trace string that happens to contain a placeholder's text
    # is never substituted again.
    return _PLACEHOLDERS.sub(lambda m: values[m.group()], _template())
