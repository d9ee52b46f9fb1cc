import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  chooseInterpreter,
  expandPath,
  isInside,
  missingPackageAdvice,
  PACKAGE_PROBE,
  serverArgs,
  serverLaunch,
  settingFromScopes,
  settingTarget,
  venvPython,
} from "../../src/interpreter";

describe("interpreter discovery", () => {
  it("prefers the epic.python.path setting", () => {
    const got = chooseInterpreter({ setting: "/opt/py/bin/python", pythonExtension: "/usr/bin/python3.12", trusted: true });
    assert.deepEqual(got, { command: "/opt/py/bin/python", source: "setting" });
  });

  it("falls back to the Python extension's interpreter when the setting is blank", () => {
    const got = chooseInterpreter({ setting: "   ", pythonExtension: "/venv/bin/python", trusted: true });
    assert.deepEqual(got, { command: "/venv/bin/python", source: "python-extension" });
  });

  it("runs no interpreter the workspace chose while it is not trusted", () => {
    const folder = "/home/u/cloned";
    const fromExtension = chooseInterpreter({ pythonExtension: `${folder}/.venv/bin/python`, workspaceFolder: folder });
    assert.equal(fromExtension.command, "python3");
    assert.match(fromExtension.passedOver ?? "", /Python extension's interpreter .* not trusted/);
    const elsewhere = chooseInterpreter({ pythonExtension: "/usr/bin/python3.12", trusted: false, workspaceFolder: folder });
    assert.equal(elsewhere.command, "python3");
    for (const setting of ["${workspaceFolder}/.venv/bin/python", ".venv/bin/python", `${folder}/sub/../py`]) {
      const got = chooseInterpreter({ setting, workspaceFolder: folder, trusted: false });
      assert.equal(got.command, "python3", setting);
      assert.match(got.passedOver ?? "", /inside the workspace, which is not trusted/);
    }
    const other = chooseInterpreter({ setting: "/opt/py/bin/python", workspaceFolders: ["/a", folder], trusted: false });
    assert.deepEqual(other, { command: "/opt/py/bin/python", source: "setting" });
    const second = chooseInterpreter({ setting: "/a/bin/python", workspaceFolders: ["/a", folder], trusted: false });
    assert.equal(second.command, "python3");
  });

  it("tells inside from outside by path components, not prefixes", () => {
    assert.ok(isInside("/w/proj/.venv/bin/python", "/w/proj"));
    assert.ok(isInside("/w/proj/..data/python", "/w/proj"));
    assert.ok(!isInside("/w/project2/python", "/w/proj"));
    assert.ok(!isInside("/w/proj/../other/python", "/w/proj"));
  });

  it("falls back to python3, or python on Windows", () => {
    assert.deepEqual(chooseInterpreter({}), { command: "python3", source: "default" });
    assert.deepEqual(chooseInterpreter({ platform: "win32" }), { command: "python", source: "default" });
  });

  it("expands ~ and ${workspaceFolder} in the setting", () => {
    const got = chooseInterpreter({
      setting: "${workspaceFolder}/.venv/bin/python",
      workspaceFolder: "/home/u/proj",
      home: "/home/u",
      trusted: true,
    });
    assert.equal(got.command, "/home/u/proj/.venv/bin/python");
    const relative = chooseInterpreter({ setting: ".venv/bin/python", workspaceFolder: "/home/u/proj", trusted: true });
    assert.equal(relative.command, "/home/u/proj/.venv/bin/python");
    assert.equal(expandPath("~/py/bin/python", undefined, "/home/u"), "/home/u/py/bin/python");
    assert.equal(expandPath("~user/python", undefined, "/home/u"), "~user/python");
  });

  it("starts the server as a module with the safe path, away from the workspace", () => {
    assert.deepEqual(serverArgs(), ["-P", "-m", "lsp_server"]);
    assert.deepEqual(PACKAGE_PROBE.slice(0, 2), ["-P", "-c"]);
    const launch = serverLaunch("/usr/bin/python3", "/ext/epic", { PATH: "/usr/bin" });
    assert.deepEqual(launch, {
      command: "/usr/bin/python3",
      args: ["-P", "-m", "lsp_server"],
      options: { cwd: "/ext/epic", env: { PATH: "/usr/bin", PYTHONUNBUFFERED: "1" } },
    });
  });
});

describe("missing package advice", () => {
  it("says the interpreter is missing when it cannot be executed", () => {
    const advice = missingPackageAdvice({ command: "/nope/python", source: "setting" }, { code: "ENOENT", stderr: "" });
    assert.match(advice.message, /"\/nope\/python" \(from the setting epic.python.path\) was not found/);
    assert.match(advice.message, /epic\.python\.path/);
    assert.equal(advice.installCommand, null);
  });

  it("asks for Python 3.11+ when the interpreter does not know -P", () => {
    const advice = missingPackageAdvice(
      { command: "/usr/bin/python3.10", source: "setting" },
      { code: 2, stderr: "Unknown option: -P\nusage: /usr/bin/python3.10 [option] ...\n" },
    );
    assert.match(advice.message, /older than Python 3\.11/);
    assert.equal(advice.installCommand, null);
  });

  it("gives the pip command when the package is not installed", () => {
    const advice = missingPackageAdvice(
      { command: "python3", source: "default" },
      { code: 1, stderr: "Traceback ...\nModuleNotFoundError: No module named 'epic_lang'\n" },
    );
    assert.equal(advice.installCommand, "python3 -m pip install epic-lang");
    assert.match(advice.message, /epic-lang is not installed in "python3"/);
    assert.doesNotMatch(advice.message, /Traceback/);
  });

  it("quotes interpreter paths with spaces and reports other import failures", () => {
    const advice = missingPackageAdvice(
      { command: "C:\\Program Files\\Python\\python.exe", source: "python-extension" },
      { code: 1, stderr: "Traceback\nImportError: cannot import name 'x'\n" },
    );
    assert.equal(advice.installCommand, '"C:\\Program Files\\Python\\python.exe" -m pip install epic-lang');
    assert.match(advice.message, /cannot load the epic-lang package: ImportError: cannot import name 'x'/);
  });

  it("reads epic.python.path from the most specific scope that sets it", () => {
    assert.deepEqual(settingFromScopes({ globalValue: "/u/py" }), { value: "/u/py", scope: "User settings" });
    assert.deepEqual(settingFromScopes({ globalValue: "/u/py", workspaceValue: " " }), { value: "/u/py", scope: "User settings" });
    assert.deepEqual(settingFromScopes({ globalValue: "/u/py", workspaceFolderValue: "/f/py" }), {
      value: "/f/py",
      scope: "Folder settings",
    });
    assert.deepEqual(settingFromScopes(undefined), {});
    const got = chooseInterpreter({ setting: "/u/py", settingScope: "User settings", trusted: true });
    assert.deepEqual(got, { command: "/u/py", source: "setting", settingScope: "User settings" });
    const advice = missingPackageAdvice(got, { code: "ENOENT", stderr: "" });
    assert.match(advice.message, /from the setting epic.python.path in User settings/);
  });

  it("writes the venv's interpreter where the setting in use came from", () => {
    // A User value under a Workspace one would be overridden, and the error would come back.
    const fromWorkspace = settingFromScopes({ globalValue: "/u/py", workspaceValue: "/usr/bin/python3" });
    assert.equal(settingTarget(fromWorkspace.scope), "workspace");
    // A single-folder workspace's .vscode/settings.json shows as Folder settings; VS Code
    // refuses to write the window-scoped setting to a folder, so it goes through the Workspace.
    assert.equal(settingTarget(settingFromScopes({ workspaceFolderValue: "/f/py" }).scope), "workspace");
    assert.equal(settingTarget(settingFromScopes({ globalValue: "/u/py" }).scope), "global");
    // No setting: the Python extension's interpreter or the default python3.
    assert.equal(settingTarget(chooseInterpreter({ trusted: true }).settingScope), "global");
  });

  it("offers a virtual environment when the interpreter refuses pip", () => {
    const python = { command: "/usr/bin/python3", source: "default" as const };
    const failure = { code: 1, stderr: "ModuleNotFoundError: No module named 'epic_lang'" };
    const managed = missingPackageAdvice(python, failure, true);
    assert.equal(managed.installCommand, null);
    assert.equal(managed.offerVenv, true);
    assert.match(managed.message, /managed by the system/);
    assert.equal(missingPackageAdvice(python, failure, false).offerVenv, undefined);
    assert.equal(venvPython("/s/venv", "linux"), "/s/venv/bin/python");
    assert.equal(venvPython("C:\\s\\venv", "win32").endsWith("python.exe"), true);
  });
});
