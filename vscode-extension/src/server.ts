// Starts, stops and restarts the language server (`<python> -P -m lsp_server` over stdio, from
// the extension's own folder: see interpreter.ts), after checking that the interpreter has the
// epic-lang package, and answers the server's `workspace/configuration` requests for `epic`.

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
  type PythonLaunch,
  pythonLaunch,
  serverLaunch,
} from "./interpreter";
import {
  RUN_OUTPUT_NOTIFICATION,
  type RunOutputParams,
  TRACE_NOTIFICATION,
  type TraceNotificationParams,
} from "./protocol";
import { pythonExtensionInterpreter } from "./pythonExtension";

export class EpicServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly traceListeners: ((params: TraceNotificationParams) => void)[] = [];
  private readonly runOutputListeners: ((params: RunOutputParams) => void)[] = [];

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
      // Trust changes the interpreter the server may run (chooseInterpreter), so restart.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.restart()),
    );
  }

  get languageClient(): LanguageClient | undefined {
    return this.client?.isRunning() ? this.client : undefined;
  }

  onTrace(listener: (params: TraceNotificationParams) => void): void {
    this.traceListeners.push(listener);
  }

  onRunOutput(listener: (params: RunOutputParams) => void): void {
    this.runOutputListeners.push(listener);
  }

  async interpreter(): Promise<Interpreter> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return chooseInterpreter({
      setting: vscode.workspace.getConfiguration("epic").get<string>("python.path"),
      pythonExtension: await pythonExtensionInterpreter(folder?.uri),
      workspaceFolder: folder?.uri.fsPath,
      home: os.homedir(),
      platform: process.platform,
      trusted: vscode.workspace.isTrusted,
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    });
  }

  async start(): Promise<boolean> {
    const interpreter = await this.interpreter();
    if (interpreter.passedOver) this.serverLog.appendLine(`EPIC: ${interpreter.passedOver}; using ${interpreter.command}.`);
    const safeDirectory = this.context.extensionUri.fsPath;
    const failure = await probe(pythonLaunch(interpreter.command, PACKAGE_PROBE, safeDirectory, process.env));
    if (failure) {
      void this.explainMissingPackage(interpreter, failure);
      return false;
    }
    const launch = serverLaunch(interpreter.command, safeDirectory, process.env);
    this.serverLog.appendLine(`Starting the EPIC language server: ${launch.command} ${launch.args.join(" ")}`);
    // No `transport` field: with TransportKind.stdio the client would append `--stdio` to the
    // arguments, which `python -m lsp_server` does not take; stdio is the default anyway.
    const serverOptions: ServerOptions = launch;
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
    client.onNotification(RUN_OUTPUT_NOTIFICATION, (params: RunOutputParams) => {
      for (const listener of this.runOutputListeners) listener(params);
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
function probe(launch: PythonLaunch): Promise<ProbeFailure | undefined> {
  return new Promise((resolve) => {
    const options = { ...launch.options, timeout: 30_000 };
    execFile(launch.command, launch.args, options, (error, _stdout, stderr) => {
      if (!error) resolve(undefined);
      else resolve({ code: (error as NodeJS.ErrnoException).code ?? null, stderr: String(stderr) });
    });
  });
}
