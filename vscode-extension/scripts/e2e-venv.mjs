// End-to-end check of the virtual-environment offer in a real VS Code (code-server and headless
// Chromium, through code-server-session.mjs and e2e-workbench.mjs): with `epic.python.path` in
// User settings naming an externally managed Python without epic-lang (PEP 668: pip refuses to
// install into it), opening an .epic file shows the error with "Create a virtual environment"
// and without a pip command; clicking it makes a venv from that interpreter in the extension's
// global storage, installs epic-lang into it, points `epic.python.path` at the venv's python,
// and the language server starts from it and reports the file's syntax error. With
// `--scope workspace` the interpreter is named in the workspace's .vscode/settings.json instead,
// and the venv's python must be written there (in User settings it would be overridden). Prints
// one JSON report; exits 1 when a check fails.
//
//   PIP_FIND_LINKS=WHEELS node scripts/e2e-venv.mjs --code-server DIR/node_modules/.bin/code-server \
//        --vsix epic-lang.vsix --python /usr/bin/python3 [--scope user|workspace] --out /tmp/e2e-venv
//
// epic-lang comes from wherever pip finds it: the caller's environment goes to code-server and
// so to the extension's `pip install` (the test puts a wheel of the checkout in PIP_FIND_LINKS).
// PYTHONPATH, PYTHONHOME and VIRTUAL_ENV are dropped from it, so that the interpreter really
// lacks the package and its pip really refuses.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { commandLines, QUIET_SETTINGS, Report, startSession } from "./code-server-session.mjs";
import { Workbench } from "./e2e-workbench.mjs";

const { values: opts } = parseArgs({
  options: {
    "code-server": { type: "string" },
    vsix: { type: "string", default: "epic-lang.vsix" },
    python: { type: "string", default: "/usr/bin/python3" },
    scope: { type: "string", default: "user" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    out: { type: "string" },
  },
});
if (!opts["code-server"] || !["user", "workspace"].includes(opts.scope)) {
  console.error("usage: e2e-venv.mjs --code-server PATH [--vsix F] [--python PY] [--scope user|workspace] [--out DIR]");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "epic-e2e-venv-"));
const out = resolve(opts.out ?? work);
mkdirSync(out, { recursive: true });
const workspace = join(work, "ws");
mkdirSync(workspace);
writeFileSync(join(workspace, "broken.epic"), "def main() =\n    let x = 1 +\n    undefined_name(x\n");
const inWorkspace = opts.scope === "workspace";
if (inWorkspace) {
  mkdirSync(join(workspace, ".vscode"));
  writeFileSync(join(workspace, ".vscode", "settings.json"), JSON.stringify({ "epic.python.path": opts.python }));
}
const env = { ...process.env };
for (const name of ["PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"]) delete env[name];

const report = new Report();
const check = (name, ok, detail) => report.check(name, ok, detail);
const started = Date.now();
const seconds = () => Math.round((Date.now() - started) / 1000);

const session = await startSession({
  codeServer: opts["code-server"],
  vsix: opts.vsix,
  workspace,
  work,
  userSettings: inWorkspace ? QUIET_SETTINGS : { ...QUIET_SETTINGS, "epic.python.path": opts.python },
  env,
  chromiumPath: opts.chromium,
});
const { page, userData } = session;
const wb = new Workbench(page);
const settingsFile = inWorkspace ? join(workspace, ".vscode", "settings.json") : join(userData, "User", "settings.json");
const pythonPath = () => JSON.parse(readFileSync(settingsFile, "utf8"))["epic.python.path"];
try {
  await wb.open("broken.epic");
  const venvButton = await wb.notificationButton("Create a virtual environment", 120_000);
  const offered = await wb.notificationTexts();
  check(
    "error offers a virtual environment",
    venvButton !== undefined && offered.some((t) => new RegExp(`not installed in "${opts.python}" \\(from the setting epic.python.path in ${inWorkspace ? "(Workspace|Folder)" : "User"} settings\\).*managed by the system`).test(t)),
    offered,
  );
  // pip would refuse, so offering its command would be the wrong button.
  const pipButtons = await wb.notificationButtons("Install epic-lang").count();
  check("no pip install button", venvButton !== undefined && pipButtons === 0, `${pipButtons} "Install epic-lang" buttons`);
  await page.screenshot({ path: join(out, "offer.png") });
  if (!venvButton) throw new Error("no \"Create a virtual environment\" button");
  await venvButton.click();
  report.details.clicked = `${seconds()} s`;

  // The venv and pip take a while; a failure shows as an error notification, which ends the wait.
  // (No wall-clock bound on the extension: the limit is only how long to watch.)
  const outcome = await wb.until(
    async () => {
      if (pythonPath() !== opts.python) return "setting changed";
      const texts = await wb.notificationTexts();
      // The extension says so after writing the setting; were it written elsewhere, this ends the wait.
      if (texts.some((t) => /^EPIC: epic\.python\.path is now/.test(t))) return `told: ${texts.join(" | ")}`;
      return texts.some((t) => /^EPIC: (creating|installing) .* failed|could not be set/.test(t)) ? `failed: ${texts.join(" | ")}` : undefined;
    },
    600,
    1000,
  );
  report.details.installed = `${seconds()} s: ${outcome ?? "nothing within 600 s"}`;
  const venvPython = pythonPath();
  const storage = join(userData, "User", "globalStorage");
  check(
    "epic.python.path names the venv's python",
    typeof venvPython === "string" && venvPython.startsWith(storage) && venvPython.endsWith(join("venv", "bin", "python")) && existsSync(venvPython),
    venvPython,
  );
  const venv = dirname(dirname(String(venvPython)));
  const cfg = existsSync(join(venv, "pyvenv.cfg")) ? readFileSync(join(venv, "pyvenv.cfg"), "utf8") : "";
  const command = /^command = (.*)$/m.exec(cfg)?.[1] ?? "";
  check("venv made from the configured interpreter", command.startsWith(`${opts.python} -m venv `), command || cfg);
  const imported = spawnSync(String(venvPython), ["-P", "-c", "import epic_lang, lsp_server; print(epic_lang.__file__)"], { encoding: "utf8", env, cwd: work });
  check("epic-lang installed in the venv", imported.status === 0 && imported.stdout.trim().startsWith(venv), (imported.stdout + imported.stderr).trim());

  const serverLine = `${venvPython} -P -m lsp_server`;
  const running = await wb.until(() => commandLines().some((line) => line === serverLine), 120, 1000);
  check("server runs from the venv", running, commandLines().filter((l) => l.includes("lsp_server")));
  report.details["server running"] = `${seconds()} s`;

  const rows = await wb.until(
    async () => {
      const found = await wb.problems();
      return found.some((p) => /syntax/.test(p)) ? found : undefined;
    },
    90,
    2000,
  );
  check("diagnostics from the venv's server", rows !== undefined, rows ?? (await wb.notificationTexts()));
  await page.screenshot({ path: join(out, "diagnostics.png") });
} catch (error) {
  check("no exception", false, String(error).split("\n")[0]);
  await page.screenshot({ path: join(out, "failure.png") }).catch(() => {});
} finally {
  await session.close();
}
// The profile and its venv (tens of MB) go, unless the screenshots were left in them.
if (opts.out) {
  try {
    rmSync(work, { recursive: true, force: true, maxRetries: 5 });
  } catch (error) {
    report.details.cleanup = String(error);
  }
}
report.finish({ seconds: seconds(), screenshots: out });
