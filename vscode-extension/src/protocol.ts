// The messages between this extension and the EPIC language server beyond standard LSP.
// PROTOCOL.md is the written agreement; these types mirror it field for field.

/** One external call of a run, as in the evaluator's `Trace.to_dict()`. */
export interface TraceCall {
  id: number;
  name: string;
  kind: "llm" | "python" | "external";
  path: string | null;
  line: number;
  col: number;
  start: number;
  end: number;
  status: "ok" | "error" | "cancelled";
  args: string;
  result: string;
  after: number | null;
}

export interface TraceDict {
  wall: number;
  calls: TraceCall[];
}

export type RunMode = "opportunistic" | "sequential";

/**
 * Arguments of the server's code-lens commands `epic.run`, `epic.runSequential`, `epic.trace`.
 * A function with parameters names them (`params`) and how many have no default (`required`):
 * the client asks for its arguments before running it.
 */
export interface LensArguments {
  uri: string;
  entry: string;
  params?: string[];
  required?: number;
}

export const RUN_METHOD = "epic/run";
export const TRACE_NOTIFICATION = "epic/trace";
export const OUTPUT_NOTIFICATION = "epic/output";

/** The text of one streamed LLM answer that arrived since the last `epic/output` of kind "stream". */
export interface StreamPiece {
  call: number;
  label: string;
  text: string;
}

/**
 * A run's output as it comes (PROTOCOL.md section 5a): a line the program printed, or the text
 * of streamed answers. One notification carries both so that they reach the channel in order.
 */
export type RunOutput = { kind: "print"; text: string } | { kind: "stream"; pieces: StreamPiece[] };

export type OutputNotificationParams = { uri: string; entry: string } & RunOutput;

export interface RunParams {
  uri: string;
  entry: string;
  mode: RunMode;
  trace: boolean;
  /** JSON values, one per parameter of `entry` (PROTOCOL.md section 2). */
  args?: unknown[];
  workDoneToken?: string;
}

export const EVALUATE_METHOD = "epic/evaluate";

/** `epic/evaluate` (PROTOCOL.md section 6): the value of the expression in `range`. */
export interface EvaluateParams {
  uri: string;
  range: { start: LspPosition; end: LspPosition };
  mode: RunMode;
  trace: boolean;
  workDoneToken?: string;
}

export const BACKEND_METHOD = "epic/backend";
export const TEST_CONNECTION_METHOD = "epic/testConnection";

/** The LLM backend a run of a document would use (PROTOCOL.md section 7); never the key. */
export interface BackendInfo {
  kind: "local" | "server" | "unusable";
  /** The text of `epic run`'s `backend:` line. */
  description: string;
  baseUrl: string | null;
  model: string | null;
  configFile: string | null;
}

export interface ConnectionReport {
  ok: boolean;
  message: string;
  seconds: number;
  backend: BackendInfo;
}

export interface LspPosition {
  line: number;
  character: number;
}

export interface RunError {
  message: string;
  rendered: string;
  uri: string | null;
  range: { start: LspPosition; end: LspPosition } | null;
}

export interface RunResult {
  value: string | null;
  error: RunError | null;
  trace: TraceDict | null;
}

export interface TraceNotificationParams {
  uri: string;
  entry: string;
  mode: RunMode;
  trace: TraceDict;
}

/** The answer to `workspace/configuration` for the section `epic`. */
export interface ServerConfiguration {
  llm: { baseUrl: string | null; model: string | null; apiKey: string | null };
  trustedPython: boolean;
}

/** JSON-RPC error code of a cancelled request (LSP `RequestCancelled`). */
export const REQUEST_CANCELLED = -32800;
