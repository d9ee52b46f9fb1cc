// The "Show timeline" webview: the shared timeline template (dist/timeline.html, copied from
// epic_lang/eval/timeline.html by the build) filled with the last run's trace.

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { LastTrace } from "./runController";
import { fillTimelineTemplate } from "./timelineHtml";

interface RevealMessage {
  type: "reveal";
  path: string;
  line: number;
  col: number;
}

/**
 * Beside the editor, the panel gets half the window, too narrow for the timeline's source
 * column: with the editor and the panel side by side (two groups), the panel takes
 * `TIMELINE_SHARE` of the width. Any other layout the user made is left as it is.
 */
const TIMELINE_SHARE = 0.62;

async function widenBesideEditor(): Promise<void> {
  // The panel's group is made while the panel opens; wait for it.
  for (let i = 0; i < 20 && vscode.window.tabGroups.all.length < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (vscode.window.tabGroups.all.length !== 2) return;
  const layout = await vscode.commands.executeCommand<{ orientation: number; groups: { size?: number }[] }>(
    "vscode.getEditorLayout",
  );
  if (layout?.orientation !== 0 || layout.groups.length !== 2) return;
  const total = layout.groups.reduce((sum, group) => sum + (group.size ?? 0), 0) || 1;
  await vscode.commands.executeCommand("vscode.setEditorLayout", {
    orientation: 0,
    groups: [{ size: total * (1 - TIMELINE_SHARE) }, { size: total * TIMELINE_SHARE }],
  });
}

export class TimelinePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private template: string | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Opens (or brings forward) the panel showing `last`. */
  show(last: LastTrace): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        "epic.timeline",
        "EPIC Timeline",
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, localResourceRoots: [], retainContextWhenHidden: true },
      );
      this.panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "images", "epic-file.svg");
      this.panel.onDidDispose(() => (this.panel = undefined));
      this.panel.webview.onDidReceiveMessage((message: RevealMessage) => void this.reveal(message));
      void widenBesideEditor();
    } else {
      this.panel.reveal(undefined, true);
    }
    this.update(last);
  }

  /** Redraws an open panel with a newer trace; does nothing when the panel is closed. */
  update(last: LastTrace): void {
    if (!this.panel) return;
    this.panel.title = `EPIC Timeline: ${last.title}`;
    this.panel.webview.html = fillTimelineTemplate(
      this.loadTemplate(),
      last.trace,
      last.title,
      randomBytes(16).toString("hex"),
    );
  }

  private loadTemplate(): string {
    if (this.template === undefined) {
      const file = vscode.Uri.joinPath(this.extensionUri, "dist", "timeline.html").fsPath;
      this.template = fs.readFileSync(file, "utf8");
    }
    return this.template;
  }

  private async reveal(message: RevealMessage): Promise<void> {
    if (message?.type !== "reveal" || !message.path) return;
    const position = new vscode.Position(Math.max(0, message.line - 1), Math.max(0, message.col - 1));
    // Traces from the command line carry paths relative to where `epic run` was started.
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const file = path.isAbsolute(message.path) || !folder ? message.path : path.join(folder, message.path);
    await vscode.window.showTextDocument(vscode.Uri.file(file), {
      viewColumn: vscode.ViewColumn.One,
      selection: new vscode.Range(position, position),
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
