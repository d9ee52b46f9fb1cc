// Words for the "EPIC" output channel and the status bar: what a run did, from its result.

import type { LensArguments, RunError, RunMode, RunOutput, RunResult, TraceDict } from "./protocol";

/** Checks the arguments a code lens (or a caller of the command) passed to `epic.run`. */
export function parseLensArguments(arg: unknown): LensArguments | undefined {
  if (typeof arg !== "object" || arg === null) return undefined;
  const { uri, entry, params, required } = arg as Record<string, unknown>;
  if (typeof uri !== "string" || uri === "") return undefined;
  const parsed: LensArguments = { uri, entry: typeof entry === "string" && entry !== "" ? entry : "main" };
  if (Array.isArray(params) && params.length > 0 && params.every((p) => typeof p === "string")) {
    parsed.params = params;
    const count = typeof required === "number" && Number.isInteger(required) ? required : params.length;
    parsed.required = Math.min(Math.max(count, 0), params.length);
  }
  return parsed;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  return `${seconds.toFixed(2)} s`;
}

/** One line: how many calls, wall time against summed call time, and their ratio. */
export function traceSummary(trace: TraceDict): string {
  const calls = trace.calls ?? [];
  const byKind = new Map<string, number>();
  for (const call of calls) byKind.set(call.kind, (byKind.get(call.kind) ?? 0) + 1);
  const kinds = [...byKind.entries()].map(([kind, n]) => `${n} ${kind}`).join(", ");
  const summed = calls.reduce((sum, c) => sum + Math.max(0, c.end - c.start), 0);
  const wall = Math.max(trace.wall ?? 0, ...calls.map((c) => c.end));
  const parallelism = wall > 0 ? summed / wall : 0;
  const count = `${calls.length} external call${calls.length === 1 ? "" : "s"}`;
  return (
    `${count}${kinds ? ` (${kinds})` : ""}; wall ${formatSeconds(wall)}, ` +
    `summed call time ${formatSeconds(summed)}, parallelism ${parallelism.toFixed(2)}x`
  );
}

export function runHeader(entry: string, fileName: string, mode: RunMode, args?: unknown[]): string {
  const shown = args ? args.map((a) => JSON.stringify(a)).join(", ") : "";
  return `▶ ${entry}(${shown}) in ${fileName} (${mode})`;
}

/** The header of an evaluated selection: the expression, on one line, shortened. */
export function evaluateHeader(expression: string, fileName: string, mode: RunMode): string {
  const oneLine = expression.replace(/\s+/g, " ").trim();
  const shown = oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
  return `▶ evaluate ${shown} in ${fileName} (${mode})`;
}

export interface RunReport {
  ok: boolean;
  cancelled: boolean;
  /** The value, or the error with its EPIC call stack. */
  lines: string[];
  /** The trace summary, when the run recorded a trace. */
  traceLine: string | null;
}

export function describeError(error: RunError): string[] {
  const text = error.rendered?.trim() || error.message;
  return text.split("\n").map((line, i) => (i === 0 ? `✖ ${line}` : `  ${line}`));
}

/** What is printed after a run: its value (or error, or "cancelled"), then the trace summary. */
export function describeResult(result: RunResult): RunReport {
  const cancelled = result.error?.message === "cancelled";
  let lines: string[];
  if (cancelled) lines = ["■ cancelled"];
  else if (result.error) lines = describeError(result.error);
  else lines = [result.value ?? "none"];
  return {
    ok: !result.error,
    cancelled,
    lines,
    traceLine: result.trace ? `trace: ${traceSummary(result.trace)}` : null,
  };
}

/** How the server's progress message begins while the local model loads (epic_lang/ide/run.py). */
export const LOADING_PREFIX = "loading the local model";

/** Where a run's output stands in the channel: the streamed call written last, if its text is the last thing written. */
export interface OutputPosition {
  lastCall: number | undefined;
  atLineStart: boolean;
}

/**
 * The text to append to the output channel for a run's output, and where it leaves the channel.
 * A printed line stands on a line of its own; a streamed call's text follows its own header line,
 * written again whenever the text switches to another call or a printed line came between.
 */
export function outputText(output: RunOutput, at: OutputPosition): { text: string; at: OutputPosition } {
  if (output.kind === "print") {
    return { text: `${at.atLineStart ? "" : "\n"}${output.text}\n`, at: { lastCall: undefined, atLineStart: true } };
  }
  let { lastCall, atLineStart } = at;
  let text = "";
  for (const piece of output.pieces) {
    if (piece.call !== lastCall) {
      if (!atLineStart) text += "\n";
      text += `▸ ${piece.label}:\n`;
      lastCall = piece.call;
      atLineStart = true;
    }
    text += piece.text;
    if (piece.text) atLineStart = piece.text.endsWith("\n");
  }
  return { text, at: { lastCall, atLineStart } };
}

/** The status-bar text while a run is going. */
export function progressText(entry: string, message?: string): string {
  return `$(sync~spin) EPIC ${entry}${message ? `: ${message}` : ""}`;
}
