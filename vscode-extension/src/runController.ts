// Runs an entry point through the server's `epic/run` request (PROTOCOL.md section 2): output
// channel, status-bar progress with cancel, and the last trace for the timeline.

import * as path from "node:path";
import * as vscode from "vscode";
import { CancellationTokenSource, ResponseError, WorkDoneProgress } from "vscode-languageclient/node";
import {
  REQUEST_CANCELLED,
  RUN_METHOD,
  type RunError,
  type RunMode,
  type RunParams,
  type RunResult,
  type TraceDict,
} from "./protocol";
import { describeResult, progressText, runHeader, streamText } from "./runReport";
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
}

export class RunController implements vscode.Disposable {
  private readonly status: vscode.StatusBarItem;
  private current: CancellationTokenSource | undefined;
  private counter = 0;
  private last: LastTrace | undefined;
  private readonly traceListeners: ((last: LastTrace) => void)[] = [];
  // Where the streamed text of the current run stands in the output channel.
  private stream: { uri: string; lastCall: number | undefined; atLineStart: boolean } | undefined;

  constructor(
    private readonly server: EpicServer,
    private readonly output: vscode.OutputChannel,
  ) {
    this.status = vscode.window.createStatusBarItem("epic.run", vscode.StatusBarAlignment.Left, 50);
    this.status.name = "EPIC run";
    this.status.command = "epic.cancelRun";
    this.status.tooltip = "EPIC program running: click to cancel";
    server.onTrace((params) => {
      this.setTrace(params.trace, `${params.entry}() in ${path.basename(vscode.Uri.parse(params.uri).fsPath)}`);
    });
    server.onRunOutput((params) => {
      const stream = this.stream;
      if (!stream || stream.uri !== params.uri) return;
      const out = streamText(params.pieces, stream.lastCall, stream.atLineStart);
      this.output.append(out.text);
      this.stream = { uri: stream.uri, lastCall: out.lastCall, atLineStart: out.atLineStart };
    });
  }

  get lastTrace(): LastTrace | undefined {
    return this.last;
  }

  onTrace(listener: (last: LastTrace) => void): void {
    this.traceListeners.push(listener);
  }

  async run(request: RunRequest): Promise<RunResult | undefined> {
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
    const fileName = path.basename(vscode.Uri.parse(request.uri).fsPath);
    const token = `epic-run-${process.pid}-${++this.counter}`;
    const params: RunParams = {
      uri: request.uri,
      entry: request.entry,
      mode: request.mode,
      trace: true,
      workDoneToken: token,
    };
    const source = new CancellationTokenSource();
    this.current = source;
    this.output.show(true);
    this.output.appendLine("");
    this.output.appendLine(runHeader(request.entry, fileName, request.mode));
    this.stream = { uri: request.uri, lastCall: undefined, atLineStart: true };
    this.status.text = progressText(request.entry);
    this.status.show();
    void vscode.commands.executeCommand("setContext", "epic.running", true);
    const progress = client.onProgress(WorkDoneProgress.type, token, (value) => {
      if (value.message) this.status.text = progressText(request.entry, value.message);
    });
    try {
      const result = await client.sendRequest<RunResult>(RUN_METHOD, params, source.token);
      this.endStream();
      this.report(result, request, fileName);
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

  private report(result: RunResult, request: RunRequest, fileName: string): void {
    const report = describeResult(result);
    for (const line of report.lines) this.output.appendLine(line);
    if (report.traceLine) this.output.appendLine(report.traceLine);
    if (result.trace) {
      this.setTrace(result.trace, `${request.entry}() in ${fileName}`);
      if (request.showTimeline) void vscode.commands.executeCommand("epic.showTimeline");
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
