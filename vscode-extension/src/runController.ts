// Runs an entry point through the server's `epic/run` request (PROTOCOL.md section 2), or a
// selection through `epic/evaluate` (section 6): output channel (the backend first),
// status-bar progress with cancel, a notification while the local model loads, and the last
// trace for the timeline.

import * as path from "node:path";
import * as vscode from "vscode";
import { CancellationTokenSource, ResponseError, WorkDoneProgress } from "vscode-languageclient/node";
import {
  EVALUATE_METHOD,
  type EvaluateParams,
  REQUEST_CANCELLED,
  RUN_METHOD,
  type RunError,
  type RunMode,
  type RunParams,
  type RunResult,
  type TraceDict,
} from "./protocol";
import {
  describeResult,
  evaluateHeader,
  LOADING_PREFIX,
  type OutputPosition,
  outputText,
  progressText,
  runHeader,
} from "./runReport";
import type { EpicServer } from "./server";

export interface LastTrace {
  trace: TraceDict;
  title: string;
}

export interface RunRequest {
  uri: string;
  entry: string;
  mode: RunMode;
  showTimeline: boolean;
  /** JSON values for the entry's parameters; absent for a function without any. */
  args?: unknown[];
}

export interface EvaluateRequest {
  uri: string;
  range: vscode.Range;
  expression: string;
  mode: RunMode;
}

/** One request to the server that runs code: a run, or an evaluated selection. */
interface Job {
  uri: string;
  method: string;
  params: Record<string, unknown>;
  header: string;
  label: string;
  title: string;
  showTimeline: boolean;
}

export class RunController implements vscode.Disposable {
  private readonly status: vscode.StatusBarItem;
  private current: CancellationTokenSource | undefined;
  private counter = 0;
  private last: LastTrace | undefined;
  private readonly traceListeners: ((last: LastTrace) => void)[] = [];
  // Where the output of the current run stands in the output channel.
  private stream: ({ uri: string } & OutputPosition) | undefined;

  constructor(
    private readonly server: EpicServer,
    private readonly output: vscode.OutputChannel,
  ) {
    this.status = vscode.window.createStatusBarItem("epic.run", vscode.StatusBarAlignment.Left, 50);
    this.status.name = "EPIC run";
    this.status.command = "epic.cancelRun";
    this.status.tooltip = "EPIC program running: click to cancel";
    server.onOutput((params) => {
      const stream = this.stream;
      if (!stream || stream.uri !== params.uri) return;
      const out = outputText(params, stream);
      this.output.append(out.text);
      this.stream = { uri: stream.uri, ...out.at };
    });
    server.onTrace((params) => {
      this.setTrace(params.trace, `${params.entry}() in ${path.basename(vscode.Uri.parse(params.uri).fsPath)}`);
    });
  }

  get lastTrace(): LastTrace | undefined {
    return this.last;
  }

  onTrace(listener: (last: LastTrace) => void): void {
    this.traceListeners.push(listener);
  }

  async run(request: RunRequest): Promise<RunResult | undefined> {
    const fileName = path.basename(vscode.Uri.parse(request.uri).fsPath);
    const params: Omit<RunParams, "workDoneToken"> = {
      uri: request.uri,
      entry: request.entry,
      mode: request.mode,
      trace: true,
      ...(request.args ? { args: request.args } : {}),
    };
    return this.execute({
      uri: request.uri,
      method: RUN_METHOD,
      params: { ...params },
      header: runHeader(request.entry, fileName, request.mode, request.args),
      label: request.entry,
      title: `${request.entry}() in ${fileName}`,
      showTimeline: request.showTimeline,
    });
  }

  /** "EPIC: Evaluate selection": the value goes to the output and a notification. */
  async evaluate(request: EvaluateRequest): Promise<RunResult | undefined> {
    const fileName = path.basename(vscode.Uri.parse(request.uri).fsPath);
    const { start, end } = request.range;
    const params: Omit<EvaluateParams, "workDoneToken"> = {
      uri: request.uri,
      range: {
        start: { line: start.line, character: start.character },
        end: { line: end.line, character: end.character },
      },
      mode: request.mode,
      trace: true,
    };
    const result = await this.execute({
      uri: request.uri,
      method: EVALUATE_METHOD,
      params: { ...params },
      header: evaluateHeader(request.expression, fileName, request.mode),
      label: "selection",
      title: `selection in ${fileName}`,
      showTimeline: false,
    });
    if (result && !result.error) {
      const value = result.value ?? "none";
      const shown = value.length > 300 ? `${value.slice(0, 297)}...` : value;
      void vscode.window.showInformationMessage(`EPIC: ${shown}`, "Show output").then((choice) => {
        if (choice) this.output.show();
      });
    }
    return result;
  }

  private async execute(job: Job): Promise<RunResult | undefined> {
    const client = this.server.languageClient;
    if (!client) {
      const choice = await vscode.window.showErrorMessage(
        "EPIC: the language server is not running, so the program cannot run.",
        "Restart server",
      );
      if (choice) await vscode.commands.executeCommand("epic.restartServer");
      return undefined;
    }
    if (this.current) {
      const choice = await vscode.window.showWarningMessage(
        "EPIC: a program is already running.",
        "Cancel it and run",
      );
      if (!choice) return undefined;
      this.cancel();
    }
    const token = `epic-run-${process.pid}-${++this.counter}`;
    const source = new CancellationTokenSource();
    this.current = source;
    this.output.show(true);
    this.output.appendLine("");
    this.output.appendLine(job.header);
    this.stream = { uri: job.uri, lastCall: undefined, atLineStart: true };
    this.status.text = progressText(job.label);
    this.status.show();
    void vscode.commands.executeCommand("setContext", "epic.running", true);
    const loading = new LocalModelLoading();
    const progress = client.onProgress(WorkDoneProgress.type, token, (value) => {
      if (value.kind === "end") return loading.done();
      if (!value.message) return;
      this.status.text = progressText(job.label, value.message);
      if (value.message.startsWith(LOADING_PREFIX)) loading.show(value.message, () => this.cancel());
      else loading.done();
    });
    try {
      const backend = await this.server.backend(job.uri);
      if (backend) this.output.appendLine(`backend: ${backend.description}`);
      const result = await client.sendRequest<RunResult>(job.method, { ...job.params, workDoneToken: token }, source.token);
      this.endStream();
      this.report(result, job);
      return result;
    } catch (error) {
      this.endStream();
      if (error instanceof ResponseError && error.code === REQUEST_CANCELLED) {
        this.output.appendLine("■ cancelled");
      } else {
        const message = error instanceof Error ? error.message : String(error);
        this.output.appendLine(`✖ the run failed inside the language server: ${message}`);
        void vscode.window.showErrorMessage(`EPIC: the run failed: ${message}`);
      }
      return undefined;
    } finally {
      loading.done();
      progress.dispose();
      source.dispose();
      if (this.current === source) {
        this.current = undefined;
        this.status.hide();
        void vscode.commands.executeCommand("setContext", "epic.running", false);
      }
    }
  }

  /** Ends the run's streamed text on a line of its own, before what follows it. */
  private endStream(): void {
    if (this.stream && !this.stream.atLineStart) this.output.appendLine("");
    this.stream = undefined;
  }

  cancel(): void {
    if (this.current) {
      this.current.cancel();
      this.output.appendLine("■ cancelling…");
    }
  }

  private report(result: RunResult, job: Job): void {
    const report = describeResult(result);
    for (const line of report.lines) this.output.appendLine(line);
    if (report.traceLine) this.output.appendLine(report.traceLine);
    if (result.trace) {
      this.setTrace(result.trace, job.title);
      if (job.showTimeline) void vscode.commands.executeCommand("epic.showTimeline");
    }
    if (result.error && !report.cancelled) void this.offerErrorLocation(result.error);
  }

  private async offerErrorLocation(error: RunError): Promise<void> {
    const actions = error.uri && error.range ? ["Go to error", "Show output"] : ["Show output"];
    const choice = await vscode.window.showErrorMessage(`EPIC: ${error.message}`, ...actions);
    if (choice === "Go to error" && error.uri && error.range) {
      const { start, end } = error.range;
      await vscode.window.showTextDocument(vscode.Uri.parse(error.uri), {
        selection: new vscode.Range(start.line, start.character, end.line, end.character),
      });
    } else if (choice === "Show output") {
      this.output.show();
    }
  }

  private setTrace(trace: TraceDict, title: string): void {
    this.last = { trace, title };
    for (const listener of this.traceListeners) listener(this.last);
  }

  dispose(): void {
    this.cancel();
    this.status.dispose();
  }
}

/**
 * A notification while the first call waits for the local model to load (7-30 s), so that the
 * wait does not look like a hang; its Cancel cancels the run.
 */
class LocalModelLoading {
  private shown = false;
  private finish: (() => void) | undefined;
  private finished = false;

  show(message: string, cancel: () => void): void {
    if (this.shown) return;
    this.shown = true;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `EPIC: ${message}`, cancellable: true },
      (_progress, token) =>
        new Promise<void>((resolve) => {
          if (this.finished) return resolve();
          this.finish = resolve;
          token.onCancellationRequested(() => {
            cancel();
            resolve();
          });
        }),
    );
  }

  done(): void {
    if (this.shown) this.finished = true;
    this.finish?.();
    this.finish = undefined;
  }
}
