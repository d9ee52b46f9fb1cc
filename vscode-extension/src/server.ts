// Starts, stops and restarts the language server (`<python> -P -m lsp_server` over stdio, from
// the extension's own folder: see interpreter.ts), after checking that the interpreter has the
// epic-lang package, and answers the server's `workspace/configuration` requests for `epic`.

import { execFile, spawn } from "node:child_process";
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
  EXTERNALLY_MANAGED_PROBE,
  type Interpreter,
  missingPackageAdvice,
  PACKAGE_PROBE,
  PACKAGE_SPEC,
  type ProbeFailure,
  type PythonLaunch,
  pythonLaunch,
  serverLaunch,
  settingFromScopes,
  settingTarget,
  venvPython,
} from "./interpreter";
import {
  BACKEND_METHOD,
  type BackendInfo,
  type ConnectionReport,
  OUTPUT_NOTIFICATION,
  type OutputNotificationParams,
  TEST_CONNECTION_METHOD,
  TRACE_NOTIFICATION,
  type TraceNotificationParams,
} from "./protocol";
import { withReadOnlyPrelude } from "./prelude";
import { pythonExtensionInterpreter } from "./pythonExtension";

export class EpicServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly traceListeners: ((params: TraceNotificationParams) => void)[] = [];
  private readonly outputListeners: ((params: OutputNotificationParams) => void)[] = [];
  private readonly readyListeners: (() => void)[] = [];

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

  /** The output of a run in progress: lines its program prints, text of streamed answers. */
  onOutput(listener: (params: OutputNotificationParams) => void): void {
    this.outputListeners.push(listener);
  }

  /** Called each time the server has started (again). */
  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  /** The backend a run of `uri` would use (`epic/backend`), or undefined without a server. */
  async backend(uri?: string): Promise<BackendInfo | undefined> {
    const client = this.languageClient;
    if (!client) return undefined;
    try {
      return await client.sendRequest<BackendInfo>(BACKEND_METHOD, uri ? { uri } : {});
    } catch (error) {
      this.serverLog.appendLine(`epic/backend failed: ${String(error)}`);
      return undefined;
    }
  }

  /** One small request to that backend (`epic/testConnection`). */
  async testConnection(uri: string | undefined, token: vscode.CancellationToken): Promise<ConnectionReport | undefined> {
    const client = this.languageClient;
    if (!client) return undefined;
    return client.sendRequest<ConnectionReport>(TEST_CONNECTION_METHOD, uri ? { uri } : {}, token);
  }

  async interpreter(): Promise<Interpreter> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const setting = settingFromScopes(vscode.workspace.getConfiguration("epic", folder?.uri).inspect<string>("python.path"));
    return chooseInterpreter({
      setting: setting.value,
      ...(setting.scope ? { settingScope: setting.scope } : {}),
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
        provideDefinition: async (document, position, token, next) =>
          withReadOnlyPrelude(await next(document, position, token)),
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
    client.onNotification(OUTPUT_NOTIFICATION, (params: OutputNotificationParams) => {
      for (const listener of this.outputListeners) listener(params);
    });
    this.client = client;
    try {
      await client.start();
      for (const listener of this.readyListeners) listener();
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
    const safeDirectory = this.context.extensionUri.fsPath;
    const managed = /No module named/.test(failure.stderr)
      ? await probeOutput(pythonLaunch(interpreter.command, EXTERNALLY_MANAGED_PROBE, safeDirectory, process.env))
      : undefined;
    const advice = missingPackageAdvice(interpreter, failure, managed?.trim() === "True");
    this.serverLog.appendLine(advice.message);
    if (failure.stderr) this.serverLog.appendLine(failure.stderr);
    const install = "Install epic-lang";
    const venv = "Create a virtual environment";
    const setPath = "Set epic.python.path";
    const choice = await vscode.window.showErrorMessage(
      advice.message,
      ...(advice.installCommand ? [install] : []),
      ...(advice.offerVenv ? [venv] : []),
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
    } else if (choice === venv) {
      await this.createVirtualEnvironment(interpreter);
    } else if (choice === setPath) {
      await openPythonPathSetting();
    }
  }

  /**
   * `python -m venv` in the extension's global storage, `pip install epic-lang` into it, and
   * `epic.python.path` set to its interpreter, which restarts the server. The setting is written
   * where the interpreter's own setting came from (settingTarget), else in User settings. pip
   * takes its sources from its own configuration and environment (PIP_INDEX_URL,
   * PIP_FIND_LINKS, ...), which the editor's environment passes on.
   */
  private async createVirtualEnvironment(interpreter: Interpreter): Promise<void> {
    const base = interpreter.command;
    const folder = vscode.Uri.joinPath(this.context.globalStorageUri, "venv").fsPath;
    const python = venvPython(folder, process.platform);
    const safeDirectory = this.context.extensionUri.fsPath;
    const steps: [string, string, string[]][] = [
      [`creating ${folder}`, base, ["-m", "venv", folder]],
      [`installing ${PACKAGE_SPEC}`, python, ["-m", "pip", "install", "--upgrade", PACKAGE_SPEC]],
    ];
    const failed = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "EPIC: virtual environment" },
      async (progress) => {
        for (const [what, command, args] of steps) {
          progress.report({ message: what });
          this.serverLog.appendLine(`EPIC: ${command} ${args.join(" ")}`);
          const problem = await runToEnd(pythonLaunch(command, args, safeDirectory, process.env), this.serverLog);
          if (problem) return `${what} failed: ${problem}`;
        }
        return undefined;
      },
    );
    if (failed) {
      void vscode.window.showErrorMessage(`EPIC: ${failed} (see the "EPIC Language Server" output).`);
      return;
    }
    const target = {
      global: vscode.ConfigurationTarget.Global,
      workspace: vscode.ConfigurationTarget.Workspace,
    }[settingTarget(interpreter.settingScope)];
    try {
      await vscode.workspace.getConfiguration("epic").update("python.path", python, target);
    } catch (error) {
      // Not left as an unhandled rejection: the user would see nothing after the progress.
      this.serverLog.appendLine(`Setting epic.python.path: ${String(error)}`);
      void vscode.window.showErrorMessage(
        `EPIC: the virtual environment is ready, but epic.python.path could not be set to ${python} (${String(error)}).`,
      );
      return;
    }
    const where = target === vscode.ConfigurationTarget.Workspace ? "Workspace settings" : "User settings";
    void vscode.window.showInformationMessage(`EPIC: epic.python.path is now ${python} (in ${where}).`);
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    void this.stop();
  }
}

/**
 * Opens the Settings editor on `epic.python.path` alone (`@id:` finds exactly it; a plain
 * search may match nothing in a remote window such as code-server's).
 */
export async function openPythonPathSetting(): Promise<void> {
  await vscode.commands.executeCommand("workbench.action.openSettings", "@id:epic.python.path");
}

/** A snippet's stdout, or undefined when it failed. */
function probeOutput(launch: PythonLaunch): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(launch.command, launch.args, { ...launch.options, timeout: 30_000 }, (error, stdout) =>
      resolve(error ? undefined : String(stdout)),
    );
  });
}

/** Runs a command to its end with its output in the log; the reason when it failed. */
function runToEnd(launch: PythonLaunch, log: vscode.OutputChannel): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(launch.command, launch.args, { ...launch.options, stdio: ["ignore", "pipe", "pipe"] });
    let last = "";
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      log.append(text);
      last = text.trim().split("\n").pop() || last;
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (error) => resolve(error.message));
    child.on("close", (code) => resolve(code === 0 ? undefined : `exit code ${code}${last ? `: ${last}` : ""}`));
  });
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
