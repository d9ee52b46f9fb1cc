// Which Python runs the language server: the user's setting, else the Python extension's
// selected interpreter, else `python3` (`python` on Windows, where `python3` is often a stub).

export type InterpreterSource = "setting" | "python-extension" | "default";

export interface Interpreter {
  command: string;
  source: InterpreterSource;
}

export interface InterpreterInputs {
  /** The `epic.python.path` setting (may be empty, may use `~` or `${workspaceFolder}`). */
  setting?: string;
  /** The interpreter selected in the Python extension, when it is installed and has one. */
  pythonExtension?: string;
  workspaceFolder?: string;
  home?: string;
  platform?: string;
}

/** Expands `~` and `${workspaceFolder}` the way users write them in settings. */
export function expandPath(path: string, workspaceFolder?: string, home?: string): string {
  let out = path.trim();
  if (home && (out === "~" || out.startsWith("~/"))) out = home + out.slice(1);
  if (workspaceFolder) out = out.split("${workspaceFolder}").join(workspaceFolder);
  return out;
}

export function chooseInterpreter(inputs: InterpreterInputs): Interpreter {
  const setting = inputs.setting?.trim();
  if (setting) {
    return { command: expandPath(setting, inputs.workspaceFolder, inputs.home), source: "setting" };
  }
  const fromExtension = inputs.pythonExtension?.trim();
  if (fromExtension) return { command: fromExtension, source: "python-extension" };
  return { command: inputs.platform === "win32" ? "python" : "python3", source: "default" };
}

/** The language server's command line. */
export function serverArgs(): string[] {
  return ["-m", "lsp_server"];
}

/** The snippet whose success shows that the interpreter has the `epic-lang` package. */
export const PACKAGE_PROBE = ["-c", "import epic_lang, lsp_server"];

export interface ProbeFailure {
  /** `ENOENT` when the interpreter itself is missing, else the exit code. */
  code: string | number | null;
  stderr: string;
}

export interface MissingPackageAdvice {
  message: string;
  installCommand: string | null;
}

function quoteForShell(command: string): string {
  return /^[\w./:\\-]+$/.test(command) ? command : `"${command.replace(/"/g, '\\"')}"`;
}

/** The notification shown when the server cannot start, with the fix in words and as a command. */
export function missingPackageAdvice(interpreter: Interpreter, failure: ProbeFailure): MissingPackageAdvice {
  const where = describeSource(interpreter);
  if (failure.code === "ENOENT") {
    return {
      message:
        `EPIC: the Python interpreter "${interpreter.command}" (${where}) was not found. ` +
        `Set "epic.python.path" to a Python 3.11+ that has the epic-lang package.`,
      installCommand: null,
    };
  }
  const installCommand = `${quoteForShell(interpreter.command)} -m pip install epic-lang`;
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
      return "from the setting epic.python.path";
    case "python-extension":
      return "selected in the Python extension";
    default:
      return "the default";
  }
}
