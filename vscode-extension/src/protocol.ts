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

/** Arguments of the server's code-lens commands `epic.run`, `epic.runSequential`, `epic.trace`. */
export interface LensArguments {
  uri: string;
  entry: string;
}

export const RUN_METHOD = "epic/run";
export const TRACE_NOTIFICATION = "epic/trace";
export const RUN_OUTPUT_NOTIFICATION = "epic/runOutput";

/** The text of one streamed LLM answer that arrived since the last `epic/runOutput`. */
export interface StreamPiece {
  call: number;
  label: string;
  text: string;
}

export interface RunOutputParams {
  uri: string;
  entry: string;
  pieces: StreamPiece[];
}

export interface RunParams {
  uri: string;
  entry: string;
  mode: RunMode;
  trace: boolean;
  workDoneToken?: string;
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
