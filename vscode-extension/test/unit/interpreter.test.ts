import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseInterpreter, expandPath, missingPackageAdvice, serverArgs } from "../../src/interpreter";

describe("interpreter discovery", () => {
  it("prefers the epic.python.path setting", () => {
    const got = chooseInterpreter({ setting: "/opt/py/bin/python", pythonExtension: "/usr/bin/python3.12" });
    assert.deepEqual(got, { command: "/opt/py/bin/python", source: "setting" });
  });

  it("falls back to the Python extension's interpreter when the setting is blank", () => {
    const got = chooseInterpreter({ setting: "   ", pythonExtension: "/venv/bin/python" });
    assert.deepEqual(got, { command: "/venv/bin/python", source: "python-extension" });
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
    });
    assert.equal(got.command, "/home/u/proj/.venv/bin/python");
    assert.equal(expandPath("~/py/bin/python", undefined, "/home/u"), "/home/u/py/bin/python");
    assert.equal(expandPath("~user/python", undefined, "/home/u"), "~user/python");
  });

  it("starts the server as a module", () => {
    assert.deepEqual(serverArgs(), ["-m", "lsp_server"]);
  });
});

describe("missing package advice", () => {
  it("says the interpreter is missing when it cannot be executed", () => {
    const advice = missingPackageAdvice({ command: "/nope/python", source: "setting" }, { code: "ENOENT", stderr: "" });
    assert.match(advice.message, /"\/nope\/python" \(from the setting epic.python.path\) was not found/);
    assert.match(advice.message, /epic\.python\.path/);
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
});
