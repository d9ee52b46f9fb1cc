// Fills the shared timeline template (epic_lang/eval/timeline.html, copied into dist/ by the
// build) exactly as the Python side does (epic_lang/eval/timeline_html.py): one pass over the
// same three placeholders, with the trace JSON made safe to sit inside a <script> element.

import type { TraceDict } from "./protocol";

export const NONCE_PLACEHOLDER = "EPIC_NONCE";
export const TITLE_PLACEHOLDER = "EPIC_TITLE";
export const TRACE_PLACEHOLDER = "/*EPIC_TRACE*/null";

const PLACEHOLDERS = /EPIC_NONCE|EPIC_TITLE|\/\*EPIC_TRACE\*\/null/g;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#x27;");
}

export function traceJsonForScript(trace: TraceDict): string {
  return JSON.stringify(trace).replace(/</g, "\\u003c");
}

export function fillTimelineTemplate(template: string, trace: TraceDict, title: string, nonce: string): string {
  const values: Record<string, string> = {
    [NONCE_PLACEHOLDER]: nonce,
    [TITLE_PLACEHOLDER]: escapeHtml(title),
    [TRACE_PLACEHOLDER]: traceJsonForScript(trace),
  };
  return template.replace(PLACEHOLDERS, (match) => values[match]);
}
