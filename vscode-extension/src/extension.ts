// Entry point: wires the language server, the run commands, the timeline and the API key.

import * as vscode from "vscode";
import { API_KEY_SECRET } from "./configuration";
import type { RunMode } from "./protocol";
import { RunController } from "./runController";
import { parseLensArguments } from "./runReport";
import { EpicServer } from "./server";
import { TimelinePanel } from "./timelinePanel";

let server: EpicServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("EPIC");
  const serverLog = vscode.window.createOutputChannel("EPIC Language Server");
  server = new EpicServer(context, serverLog);
  const runs = new RunController(server, output);
  const timeline = new TimelinePanel(context.extensionUri);
  runs.onTrace((last) => timeline.update(last));
  context.subscriptions.push(output, serverLog, server, runs, timeline);

  const activeEpicUri = (): string | undefined => {
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.languageId === "epic") return editor.document.uri.toString();
    void vscode.window.showWarningMessage("EPIC: open an .epic file first.");
    return undefined;
  };
  const runFile = (mode: RunMode, showTimeline: boolean) => async () => {
    const uri = activeEpicUri();
    if (uri) await runs.run({ uri, entry: "main", mode, showTimeline });
  };
  const runLens = (mode: RunMode, showTimeline: boolean) => async (arg: unknown) => {
    const lens = parseLensArguments(arg);
    if (!lens) {
      void vscode.window.showErrorMessage("EPIC: this run command needs {uri, entry} arguments.");
      return;
    }
    await runs.run({ ...lens, mode, showTimeline });
  };
  const epicServer = server;
  const register = (id: string, handler: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));

  register("epic.run", runLens("opportunistic", false));
  register("epic.runSequential", runLens("sequential", false));
  register("epic.trace", runLens("opportunistic", true));
  register("epic.runFile", runFile("opportunistic", false));
  register("epic.runFileSequential", runFile("sequential", false));
  register("epic.traceFile", runFile("opportunistic", true));
  register("epic.cancelRun", () => runs.cancel());
  register("epic.showTimeline", () => {
    const last = runs.lastTrace;
    if (last) timeline.show(last);
    else void vscode.window.showInformationMessage("EPIC: no trace yet. Run a program first (▶ Run above main).");
  });
  register("epic.formatDocument", async () => {
    if (activeEpicUri()) await vscode.commands.executeCommand("editor.action.formatDocument");
  });
  register("epic.restartServer", async () => {
    if (await epicServer.restart()) void vscode.window.setStatusBarMessage("EPIC: language server restarted", 3000);
  });
  register("epic.setApiKey", async () => {
    const key = await vscode.window.showInputBox({
      title: "EPIC: API key for the LLM backend",
      prompt: "Stored in VS Code's secret storage, never in settings. Leave empty to remove it.",
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return;
    if (key.trim()) await context.secrets.store(API_KEY_SECRET, key.trim());
    else await context.secrets.delete(API_KEY_SECRET);
    void vscode.window.showInformationMessage(key.trim() ? "EPIC: API key stored." : "EPIC: API key removed.");
  });
  register("epic.clearApiKey", async () => {
    await context.secrets.delete(API_KEY_SECRET);
    void vscode.window.showInformationMessage("EPIC: API key removed.");
  });

  await server.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
