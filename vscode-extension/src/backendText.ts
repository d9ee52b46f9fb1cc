// Words for the backend status-bar item, from the server's `epic/backend` answer.

import type { BackendInfo } from "./protocol";

/** The host (and port) of a URL, for a short label; the URL itself when it does not parse. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The status-bar text: which model answers, and where. */
export function backendLabel(info: BackendInfo): string {
  switch (info.kind) {
    case "local":
      return "$(chip) EPIC: local SmolLM2";
    case "server":
      return `$(cloud) EPIC: ${info.model ?? "default model"} @ ${info.baseUrl ? hostOf(info.baseUrl) : "server"}`;
    default:
      return "$(warning) EPIC: no usable LLM backend";
  }
}

/** The hover text: `epic run`'s backend line, where the settings came from, what a click does. */
export function backendTooltip(info: BackendInfo): string {
  const lines = [`LLM backend of a run of this file: ${info.description}`];
  if (info.configFile) lines.push(`Project settings: ${info.configFile}`);
  lines.push("Click to test the connection.");
  return lines.join("\n\n");
}

/** The sentence shown after "Test connection". */
export function connectionMessage(report: { ok: boolean; message: string; seconds: number }): string {
  const time = report.seconds < 1 ? `${Math.round(report.seconds * 1000)} ms` : `${report.seconds.toFixed(1)} s`;
  return `EPIC: ${report.ok ? "connection OK" : "connection failed"}: ${report.message} (${time})`;
}
