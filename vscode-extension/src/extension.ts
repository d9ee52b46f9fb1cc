// Entry point: wires the language server, the run commands, the backend status item, the
// timeline, the read-only prelude and the API key.

import * as vscode from "vscode";
import { BackendStatus } from "./backendStatus";
import { API_KEY_SECRET } from "./configuration";
import { PRELUDE_SCHEME, PreludeDocuments } from "./prelude";
import type { LensArguments, RunMode } from "./protocol";
import { argumentsKey, argumentsPlaceholder, parseRunArguments } from "./runArguments";
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
  const backendStatus = new BackendStatus(server, context);
  runs.onTrace((last) => timeline.update(last));
  context.subscriptions.push(
    output,
    serverLog,
    server,
    runs,
    timeline,
    backendStatus,
    vscode.workspace.registerTextDocumentContentProvider(PRELUDE_SCHEME, new PreludeDocuments()),
  );

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
    const args = await askArguments(context, lens);
    if (args === undefined) return;
    await runs.run({ uri: lens.uri, entry: lens.entry, mode, showTimeline, ...(args ? { args } : {}) });
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
  register("epic.testConnection", () => backendStatus.testConnection());
  register("epic.evaluateSelection", async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== "epic") {
      void vscode.window.showWarningMessage("EPIC: open an .epic file first.");
      return;
    }
    const selection = editor.selection;
    const range = selection.isEmpty ? editor.document.lineAt(selection.active.line).range : selection;
    const expression = editor.document.getText(range);
    if (!expression.trim()) {
      void vscode.window.showWarningMessage("EPIC: select an expression to evaluate.");
      return;
    }
    await runs.evaluate({ uri: editor.document.uri.toString(), range, expression, mode: "opportunistic" });
  });
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

/**
 * The arguments of a run of a function with parameters, asked for as a JSON array (prefilled
 * with the last ones given to that function in this workspace); null for a function without
 * parameters, undefined when the user dismissed the box.
 */
async function askArguments(context: vscode.ExtensionContext, lens: LensArguments): Promise<unknown[] | null | undefined> {
  const params = lens.params ?? [];
  if (params.length === 0) return null;
  const required = lens.required ?? params.length;
  const key = argumentsKey(lens.uri, lens.entry);
  const text = await vscode.window.showInputBox({
    title: `EPIC: run ${lens.entry}(${params.join(", ")})`,
    prompt: "The arguments as a JSON array, one value per parameter",
    placeHolder: argumentsPlaceholder(params),
    value: context.workspaceState.get<string>(key) ?? "",
    ignoreFocusOut: true,
    validateInput: (value) => {
      const parsed = parseRunArguments(value, params, required);
      return "error" in parsed ? parsed.error : undefined;
    },
  });
  if (text === undefined) return undefined;
  const parsed = parseRunArguments(text, params, required);
  if ("error" in parsed) return undefined;
  await context.workspaceState.update(key, text);
  return parsed.args;
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
