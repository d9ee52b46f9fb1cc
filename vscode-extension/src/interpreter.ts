// Which Python runs the language server, and how it is started so that the workspace cannot
// run code through it. The interpreter is the user's setting, else the Python extension's
// selected interpreter, else `python3` (`python` on Windows, where `python3` is often a stub);
// in a workspace the user has not trusted, nothing the workspace controls may pick it (see
// chooseInterpreter). The server is started with Python's safe path (`-P`) from a directory the
// workspace does not control: the rule epic_lang/safe_python.py writes for the server's children.

import * as path from "node:path";

export type InterpreterSource = "setting" | "python-extension" | "default";

export interface Interpreter {
  command: string;
  source: InterpreterSource;
  /** Which settings gave `epic.python.path` (e.g. "User settings"), for messages. */
  settingScope?: string;
  /** Why a choice from the setting or the Python extension was passed over, for the log. */
  passedOver?: string;
}

export interface InterpreterInputs {
  /** The `epic.python.path` setting (may be empty, may use `~` or `${workspaceFolder}`). */
  setting?: string;
  /** Which settings gave it (see `settingFromScopes`). */
  settingScope?: string;
  /** The interpreter selected in the Python extension, when it is installed and has one. */
  pythonExtension?: string;
  workspaceFolder?: string;
  home?: string;
  platform?: string;
  /** `vscode.workspace.isTrusted`; absent means not trusted. */
  trusted?: boolean;
  /** Every workspace folder: in an untrusted workspace no interpreter inside one is run. */
  workspaceFolders?: string[];
}

/** What `WorkspaceConfiguration.inspect` reports for one setting, in every scope. */
export interface InspectedSetting {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * The value of `epic.python.path` and the settings it came from. The setting is
 * window-scoped: `machine-overridable` made a remote window (code-server, Remote-SSH) ignore a
 * value in User settings. User settings are overridden by the Workspace's (a Folder value is
 * read too, should a multi-root workspace carry one); in an untrusted workspace VS Code gives
 * the User value only (`restrictedConfigurations`). The most specific non-blank value wins.
 */
export function settingFromScopes(inspected: InspectedSetting | undefined): { value?: string; scope?: string } {
  const scopes: [unknown, string][] = [
    [inspected?.workspaceFolderValue, "Folder settings"],
    [inspected?.workspaceValue, "Workspace settings"],
    [inspected?.globalValue, "User settings"],
  ];
  for (const [value, scope] of scopes) {
    if (typeof value === "string" && value.trim()) return { value, scope };
  }
  return {};
}

/** The settings a new `epic.python.path` is written to (`ConfigurationTarget`, by name). */
export type SettingTarget = "global" | "workspace";

/**
 * Where to write a new `epic.python.path` (the virtual environment's interpreter) so that it
 * takes effect: into the settings that gave the value in use. Written to User settings under a
 * Workspace value, it would be overridden (settingFromScopes), the server would restart with the
 * same interpreter, and the error would come back. A Folder value (how VS Code reports a
 * single-folder workspace's .vscode/settings.json) is replaced through the Workspace too: the
 * setting is window-scoped, and VS Code refuses to write it to a folder. Without a setting (the
 * Python extension's interpreter, or the default), User settings.
 */
export function settingTarget(scope: string | undefined): SettingTarget {
  return scope === "Folder settings" || scope === "Workspace settings" ? "workspace" : "global";
}

/** Expands `~` and `${workspaceFolder}` the way users write them in settings. */
export function expandPath(path: string, workspaceFolder?: string, home?: string): string {
  let out = path.trim();
  if (home && (out === "~" || out.startsWith("~/"))) out = home + out.slice(1);
  if (workspaceFolder) out = out.split("${workspaceFolder}").join(workspaceFolder);
  return out;
}

/** True when `file` is `folder` or lies below it (after resolving `.` and `..`). */
export function isInside(file: string, folder: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(file));
  const outside = relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  return !outside;
}

/**
 * In an untrusted workspace VS Code reads `epic.python.path` from user settings only
 * (package.json, `restrictedConfigurations`), but the Python extension's selection may come
 * from the workspace (`python.defaultInterpreterPath`, a `.venv` it found there), and a user
 * setting may still point into the workspace (`${workspaceFolder}/.venv/bin/python`): running
 * either would run the workspace's code. So, untrusted, the Python extension is not asked and
 * no interpreter inside a workspace folder is run; the default `python3` is used instead.
 */
export function chooseInterpreter(inputs: InterpreterInputs): Interpreter {
  const fallback = inputs.platform === "win32" ? "python" : "python3";
  const folders = inputs.workspaceFolders ?? (inputs.workspaceFolder ? [inputs.workspaceFolder] : []);
  const inWorkspace = (command: string) =>
    path.isAbsolute(command) && folders.some((folder) => isInside(command, folder));
  const untrusted = inputs.trusted !== true;
  let passedOver: string | undefined;
  const setting = inputs.setting?.trim();
  if (setting) {
    const expanded = expandPath(setting, inputs.workspaceFolder, inputs.home);
    // A relative path is meant from the workspace folder, as before the server had its own
    // working directory; a bare name (`python3.12`) is looked up on PATH.
    const relative = !path.isAbsolute(expanded) && /[\\/]/.test(expanded) && inputs.workspaceFolder;
    const command = relative ? path.resolve(inputs.workspaceFolder as string, expanded) : expanded;
    if (!(untrusted && inWorkspace(command))) {
      return { command, source: "setting", ...(inputs.settingScope ? { settingScope: inputs.settingScope } : {}) };
    }
    passedOver = `epic.python.path (${command}) lies inside the workspace, which is not trusted`;
  }
  const fromExtension = inputs.pythonExtension?.trim();
  if (fromExtension && !untrusted) return { command: fromExtension, source: "python-extension" };
  if (fromExtension && !passedOver) {
    passedOver = `the Python extension's interpreter (${fromExtension}) is not used while the workspace is not trusted`;
  }
  return { command: fallback, source: "default", ...(passedOver ? { passedOver } : {}) };
}

/** The arguments that make Python keep the script's or current directory off `sys.path`. */
export const SAFE_PATH_ARGS = ["-P"];

/** The language server's command line after the interpreter. */
export function serverArgs(): string[] {
  return [...SAFE_PATH_ARGS, "-m", "lsp_server"];
}

/** The snippet whose success shows that the interpreter has the `epic-lang` package. */
export const PACKAGE_PROBE = [...SAFE_PATH_ARGS, "-c", "import epic_lang, lsp_server"];

export interface PythonLaunch {
  command: string;
  args: string[];
  options: { cwd: string; env: Record<string, string | undefined> };
}

/**
 * How the extension starts Python (the server, and the package probe): with `-P` in `args`,
 * and a working directory the workspace does not control (the extension's own folder;
 * vscode-languageclient would otherwise use the workspace folder). The user's environment is
 * kept as it is: the workspace cannot set it, and `-I` would drop the user site-packages and
 * `PYTHONPATH` where epic-lang may be installed.
 */
export function pythonLaunch(
  command: string,
  args: string[],
  safeDirectory: string,
  env: Record<string, string | undefined>,
): PythonLaunch {
  return {
    command,
    args,
    options: { cwd: safeDirectory, env: { ...env, PYTHONUNBUFFERED: "1" } },
  };
}

/** The language server's ServerOptions: exactly what vscode-languageclient spawns. */
export function serverLaunch(
  command: string,
  safeDirectory: string,
  env: Record<string, string | undefined>,
): PythonLaunch {
  return pythonLaunch(command, serverArgs(), safeDirectory, env);
}

export interface ProbeFailure {
  /** `ENOENT` when the interpreter itself is missing, else the exit code. */
  code: string | number | null;
  stderr: string;
}

export interface MissingPackageAdvice {
  message: string;
  installCommand: string | null;
  /** The interpreter refuses pip (PEP 668): offer a virtual environment instead. */
  offerVenv?: boolean;
}

/** Prints `True` when pip would refuse to install into this interpreter (PEP 668's marker, outside a venv). */
export const EXTERNALLY_MANAGED_PROBE = [
  ...SAFE_PATH_ARGS,
  "-c",
  "import os, sys, sysconfig; print(sys.prefix == sys.base_prefix and " +
    "os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))",
];

/** What the offered virtual environment installs (the package on PyPI). */
export const PACKAGE_SPEC = "epic-lang";

/** The interpreter of a virtual environment made in `folder`. */
export function venvPython(folder: string, platform?: string): string {
  return platform === "win32" ? path.join(folder, "Scripts", "python.exe") : path.join(folder, "bin", "python");
}

function quoteForShell(command: string): string {
  return /^[\w./:\\-]+$/.test(command) ? command : `"${command.replace(/"/g, '\\"')}"`;
}

/** The notification shown when the server cannot start, with the fix in words and as a command. */
export function missingPackageAdvice(
  interpreter: Interpreter,
  failure: ProbeFailure,
  externallyManaged = false,
): MissingPackageAdvice {
  const where = describeSource(interpreter);
  if (failure.code === "ENOENT") {
    return {
      message:
        `EPIC: the Python interpreter "${interpreter.command}" (${where}) was not found. ` +
        `Set "epic.python.path" to a Python 3.11+ that has the epic-lang package.`,
      installCommand: null,
    };
  }
  if (/Unknown option:? -P/i.test(failure.stderr)) {
    return {
      message:
        `EPIC: "${interpreter.command}" (${where}) is older than Python 3.11, which EPIC needs. ` +
        `Set "epic.python.path" to a Python 3.11+ that has the epic-lang package.`,
      installCommand: null,
    };
  }
  const installCommand = `${quoteForShell(interpreter.command)} -m pip install ${PACKAGE_SPEC}`;
  if (/No module named/.test(failure.stderr) && externallyManaged) {
    return {
      message:
        `EPIC: the package epic-lang is not installed in "${interpreter.command}" (${where}), and that ` +
        `Python is managed by the system, so pip cannot install into it. Create a virtual environment ` +
        `for EPIC, or set "epic.python.path" to an interpreter that has the package.`,
      installCommand: null,
      offerVenv: true,
    };
  }
  if (/No module named/.test(failure.stderr)) {
    return {
      message:
        `EPIC: the package epic-lang is not installed in "${interpreter.command}" (${where}). ` +
        `Install it with "${installCommand}", or set "epic.python.path" to an interpreter that has it.`,
      installCommand,
    };
  }
  const detail = failure.stderr.trim().split("\n").pop() ?? "";
  return {
    message:
      `EPIC: "${interpreter.command}" (${where}) cannot load the epic-lang package` +
      (detail ? `: ${detail}` : ".") +
      ` Reinstall it with "${installCommand}", or set "epic.python.path".`,
    installCommand,
  };
}

function describeSource(interpreter: Interpreter): string {
  switch (interpreter.source) {
    case "setting":
      return `from the setting epic.python.path${interpreter.settingScope ? ` in ${interpreter.settingScope}` : ""}`;
    case "python-extension":
      return "selected in the Python extension";
    default:
      return "the default";
  }
}
