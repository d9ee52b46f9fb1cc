// Starts, stops and restarts the language server (`<python> -m lsp_server` over stdio), after
// checking that the interpreter has the epic-lang package, and answers the server's
// `workspace/configuration` requests for the section `epic`.

import { execFile } from "node:child_process";
import * as os from "node:os";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { API_KEY_SECRET, serverConfiguration } from "./configuration";
import {
  chooseInterpreter,
  type Interpreter,
  missingPackageAdvice,
  PACKAGE_PROBE,
  type ProbeFailure,
  serverArgs,
} from "./interpreter";
import { TRACE_NOTIFICATION, type TraceNotificationParams } from "./protocol";
import { pythonExtensionInterpreter } from "./pythonExtension";

export class EpicServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly traceListeners: ((params: TraceNotificationParams) => void)[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly serverLog: vscode.OutputChannel,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("epic.python.path")) void this.restart();
        else if (e.affectsConfiguration("epic.llm")) void this.configurationChanged();
      }),
      context.secrets.onDidChange((e) => {
        if (e.key === API_KEY_SECRET) void this.configurationChanged();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.configurationChanged()),
    );
  }

  get languageClient(): LanguageClient | undefined {
    return this.client?.isRunning() ? this.client : undefined;
  }

  onTrace(listener: (params: TraceNotificationParams) => void): void {
    this.traceListeners.push(listener);
  }

  async interpreter(): Promise<Interpreter> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return chooseInterpreter({
      setting: vscode.workspace.getConfiguration("epic").get<string>("python.path"),
      pythonExtension: await pythonExtensionInterpreter(folder?.uri),
      workspaceFolder: folder?.uri.fsPath,
      home: os.homedir(),
      platform: process.platform,
    });
  }

  async start(): Promise<boolean> {
    const interpreter = await this.interpreter();
    const failure = await probe(interpreter.command);
    if (failure) {
      void this.explainMissingPackage(interpreter, failure);
      return false;
    }
    this.serverLog.appendLine(`Starting the EPIC language server: ${interpreter.command} -m lsp_server`);
    // No `transport` field: with TransportKind.stdio the client would append `--stdio` to the
    // arguments, which `python -m lsp_server` does not take; stdio is the default anyway.
    const serverOptions: ServerOptions = {
      command: interpreter.command,
      args: serverArgs(),
      options: { env: { ...process.env, PYTHONUNBUFFERED: "1" } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: "epic" }],
      outputChannel: this.serverLog,
      middleware: {
        workspace: {
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) return answers;
            return Promise.all(
              params.items.map(async (item, i) =>
                item.section === "epic" ? await this.configuration() : answers[i],
              ),
            );
          },
        },
      },
    };
    const client = new LanguageClient("epic", "EPIC Language Server", serverOptions, clientOptions);
    client.onNotification(TRACE_NOTIFICATION, (params: TraceNotificationParams) => {
      for (const listener of this.traceListeners) listener(params);
    });
    this.client = client;
    try {
      await client.start();
      return true;
    } catch (error) {
      this.serverLog.appendLine(`The EPIC language server did not start: ${String(error)}`);
      void vscode.window.showErrorMessage(
        `EPIC: the language server did not start (${String(error)}). See the "EPIC Language Server" output.`,
      );
      return false;
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop();
      } catch (error) {
        this.serverLog.appendLine(`Stopping the server: ${String(error)}`);
      }
    }
  }

  async restart(): Promise<boolean> {
    await this.stop();
    return this.start();
  }

  /** The answer to `workspace/configuration` for `epic` (PROTOCOL.md section 4). */
  async configuration() {
    const settings = vscode.workspace.getConfiguration("epic.llm");
    return serverConfiguration(
      { baseUrl: settings.get<string>("baseUrl"), model: settings.get<string>("model") },
      await this.context.secrets.get(API_KEY_SECRET),
      process.env,
      vscode.workspace.isTrusted,
    );
  }

  private async configurationChanged(): Promise<void> {
    const client = this.languageClient;
    if (client) {
      await client.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    }
  }

  private async explainMissingPackage(interpreter: Interpreter, failure: ProbeFailure): Promise<void> {
    const advice = missingPackageAdvice(interpreter, failure);
    this.serverLog.appendLine(advice.message);
    if (failure.stderr) this.serverLog.appendLine(failure.stderr);
    const install = "Install epic-lang";
    const setPath = "Set epic.python.path";
    const choice = await vscode.window.showErrorMessage(
      advice.message,
      ...(advice.installCommand ? [install] : []),
      setPath,
    );
    if (choice === install && advice.installCommand) {
      const terminal = vscode.window.createTerminal("EPIC: install");
      terminal.show();
      terminal.sendText(advice.installCommand);
      const retry = await vscode.window.showInformationMessage(
        "EPIC: when the installation has finished, restart the language server.",
        "Restart server",
      );
      if (retry) await this.restart();
    } else if (choice === setPath) {
      await vscode.commands.executeCommand("workbench.action.openSettings", "epic.python.path");
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    void this.stop();
  }
}

/** Runs the package probe; undefined when the interpreter has epic-lang. */
function probe(python: string): Promise<ProbeFailure | undefined> {
  return new Promise((resolve) => {
    execFile(python, PACKAGE_PROBE, { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (!error) resolve(undefined);
      else resolve({ code: (error as NodeJS.ErrnoException).code ?? null, stderr: String(stderr) });
    });
  });
}
