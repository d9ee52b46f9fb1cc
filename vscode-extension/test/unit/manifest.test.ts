// The manifest and the code agree: every command the code registers is contributed (and the
// other way round), the contributed files exist, and no setting can hold the API key.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

const root = join(__dirname, "..", "..");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const extensionSource = readFileSync(join(root, "src", "extension.ts"), "utf8");

describe("package.json", () => {
  it("contributes exactly the commands the extension registers", () => {
    const registered = [...extensionSource.matchAll(/register\("([\w.]+)"/g)].map((m) => m[1]).sort();
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(registered, contributed);
    for (const lens of ["epic.run", "epic.runSequential", "epic.trace"]) assert.ok(registered.includes(lens));
  });

  it("points at files that exist", () => {
    const language = manifest.contributes.languages[0];
    assert.deepEqual(language.extensions, [".epic"]);
    for (const file of [
      manifest.icon,
      language.configuration,
      language.icon.light,
      language.icon.dark,
      manifest.contributes.grammars[0].path,
    ]) {
      assert.ok(existsSync(join(root, file)), `${file} exists`);
    }
    JSON.parse(readFileSync(join(root, language.configuration), "utf8"));
  });

  it("has the server trace setting and no API key setting", () => {
    const settings = Object.keys(manifest.contributes.configuration.properties);
    assert.ok(settings.includes("epic.trace.server"));
    assert.ok(settings.includes("epic.python.path"));
    assert.ok(!settings.some((s) => /key|secret|token/i.test(s)), settings.join(", "));
  });

  it("is limited in untrusted workspaces, where the interpreter comes from user settings only", () => {
    const untrusted = manifest.capabilities.untrustedWorkspaces;
    assert.equal(untrusted.supported, "limited");
    assert.deepEqual(untrusted.restrictedConfigurations, ["epic.python.path"]);
  });

  it("lets only the user choose the server that gets the API key", () => {
    // "window", not "machine-overridable": a remote window (code-server) ignores User values of
    // machine scopes; restrictedConfigurations keeps untrusted workspaces from setting it.
    assert.equal(manifest.contributes.configuration.properties["epic.python.path"].scope, "window");
    // "application": User settings only, so a workspace's .vscode/settings.json cannot set it;
    // "machine" could not be set there either, but a remote window ignored its User value.
    assert.equal(manifest.contributes.configuration.properties["epic.llm.baseUrl"].scope, "application");
  });
});

describe("language configuration", () => {
  const config = JSON.parse(readFileSync(join(root, "language-configuration.json"), "utf8"));
  const increase = new RegExp(config.indentationRules.increaseIndentPattern);
  const onEnter = new RegExp(config.onEnterRules[0].beforeText);

  it("indents after `=`, `=>` and `with` at the end of a line, comments allowed", () => {
    for (const line of ["def main() =", "    let x =", "    map(fn(t) =>", "    match xs with", "def f(x) =  # body below", "        case [] =>"]) {
      assert.ok(increase.test(line), line);
      assert.ok(onEnter.test(line), line);
    }
  });

  it("does not indent after comparisons or finished lines", () => {
    for (const line of ["    if a ==", "    x <=", "    y !=", "def main() = 1", "    with_tools(x)"]) {
      assert.ok(!increase.test(line), line);
    }
  });

  it("folds by indentation and comments with #", () => {
    assert.equal(config.folding.offSide, true);
    assert.equal(config.comments.lineComment, "#");
  });
});
