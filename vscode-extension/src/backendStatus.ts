// The status-bar item naming the LLM backend a run of the active file would use, from the
// server (`epic/backend`, the resolution `epic run` prints on its `backend:` line), kept up to
// date when settings, the API key, the project's epic.toml / pyproject.toml or the active file
// change. Clicking it runs "EPIC: Test connection".

import * as vscode from "vscode";
import { API_KEY_SECRET } from "./configuration";
import { backendLabel, backendTooltip, connectionMessage } from "./backendText";
import type { EpicServer } from "./server";

export class BackendStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];
  private refreshing = 0;

  constructor(
    private readonly server: EpicServer,
    context: vscode.ExtensionContext,
  ) {
    this.item = vscode.window.createStatusBarItem("epic.backend", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "EPIC LLM backend";
    this.item.command = "epic.testConnection";
    const settingsFiles = vscode.workspace.createFileSystemWatcher("**/{epic.toml,pyproject.toml}");
    const refresh = () => void this.refresh();
    this.subscriptions.push(
      settingsFiles,
      settingsFiles.onDidChange(refresh),
      settingsFiles.onDidCreate(refresh),
      settingsFiles.onDidDelete(refresh),
      vscode.window.onDidChangeActiveTextEditor(refresh),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("epic")) refresh();
      }),
      context.secrets.onDidChange((e) => {
        if (e.key === API_KEY_SECRET) refresh();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(refresh),
    );
    server.onReady(refresh);
  }

  /** The active .epic file's URI, else that of the last one shown (the item stays). */
  private uri(): string | undefined {
    const editor = vscode.window.activeTextEditor;
    return editor?.document.languageId === "epic" ? editor.document.uri.toString() : undefined;
  }

  async refresh(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.languageId !== "epic") return; // keep what the last .epic file showed
    const ticket = ++this.refreshing;
    const info = await this.server.backend(this.uri());
    if (ticket !== this.refreshing) return; // a newer refresh is under way
    if (!info) {
      this.item.hide();
      return;
    }
    this.item.text = backendLabel(info);
    this.item.tooltip = backendTooltip(info);
    this.item.show();
  }

  /** "EPIC: Test connection": one small request, its result in a notification. */
  async testConnection(): Promise<void> {
    if (!this.server.languageClient) {
      void vscode.window.showErrorMessage("EPIC: the language server is not running.");
      return;
    }
    const uri = this.uri();
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "EPIC: testing the LLM connection", cancellable: true },
        (_progress, token) => this.server.testConnection(uri, token),
      );
      if (!report) return;
      const text = connectionMessage(report);
      if (report.ok) void vscode.window.showInformationMessage(text);
      else void vscode.window.showErrorMessage(text);
    } catch (error) {
      void vscode.window.showErrorMessage(`EPIC: the connection test failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.item.dispose();
  }
}
