// End-to-end check in a real VS Code (code-server, driven by headless Chromium through
// playwright-core): installs the .vsix, opens examples, and checks highlighting, diagnostics,
// the Run lenses, a run's output (with arguments too), the backend status item and its
// connection test, the timeline webview, and that `epic.python.path` from User settings is the
// interpreter used (and, when it is wrong, that the button leads to the setting), that
// `epic.llm.baseUrl` is taken from User settings and never from the workspace's, a quick fix
// and a rename across two files. Prints one JSON report; exits 1 when a check fails.
//
//   node scripts/e2e-code-server.mjs --code-server DIR/node_modules/.bin/code-server \
//        --vsix epic-lang.vsix --examples ../examples --python python3 --out /tmp/e2e [--cpu-slowdown 6]
//
// code-server is not a dependency (about 500 MB); /work/shared/tools/code-server-setup.sh or
// `npm install code-server` (with its ripgrep replaced by Debian's) installs it.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { QUIET_SETTINGS, Report, startSession } from "./code-server-session.mjs";
import { Workbench } from "./e2e-workbench.mjs";

const { values: opts } = parseArgs({
  options: {
    "code-server": { type: "string" },
    vsix: { type: "string", default: "epic-lang.vsix" },
    examples: { type: "string", default: "../examples" },
    python: { type: "string", default: "python3" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    out: { type: "string" },
    // Chromium's CPU throttling (e.g. 6 for six times slower), to rehearse a loaded machine.
    "cpu-slowdown": { type: "string", default: "1" },
  },
});
if (!opts["code-server"]) {
  console.error("usage: e2e-code-server.mjs --code-server PATH [--vsix F] [--examples DIR] [--python PY] [--out DIR]");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "epic-e2e-"));
const out = resolve(opts.out ?? work);
mkdirSync(out, { recursive: true });
const workspace = join(work, "ws");
cpSync(resolve(opts.examples), workspace, { recursive: true });
writeFileSync(join(workspace, "broken.epic"), "def main() =\n    let x = 1 +\n    undefined_name(x\n");
writeFileSync(join(workspace, "misspelt.epic"), "def twice(x) = 2 * x\n\ndef main() = twcie(3)\n");
writeFileSync(join(workspace, "shout_lib.epic"), "def shout(s) = upper(s)\n");
writeFileSync(join(workspace, "shout_app.epic"), 'import "./shout_lib.epic" as lib\n\ndef main() = lib.shout("hi")\n');
writeFileSync(join(workspace, "slow.epic"), 'import python "time" as time\n\ndef main() = time.sleep(60)\n');
// The interpreter is a script that notes each start, so that the check below sees that the
// extension ran the one named in User settings.
const pythonLog = join(work, "python-starts.log");
const python = join(work, "epic-python");
writeFileSync(python, `#!/bin/sh\necho "$@" >> '${pythonLog}'\nexec '${resolve(opts.python)}' "$@"\n`);
chmodSync(python, 0o755);
const userSettings = { ...QUIET_SETTINGS, "epic.python.path": python };
// The project's choice of the API's URL, which must never be taken (see the check).
mkdirSync(join(workspace, ".vscode"));
writeFileSync(join(workspace, ".vscode", "settings.json"), JSON.stringify({ "epic.llm.baseUrl": "http://workspace.invalid/v1" }));

const report = new Report();
const check = (name, ok, detail) => report.check(name, ok, detail);
let session;
try {
  session = await startSession({
    codeServer: opts["code-server"],
    vsix: opts.vsix,
    workspace,
    work,
    userSettings,
    chromiumPath: opts.chromium,
    cpuSlowdown: Number(opts["cpu-slowdown"]),
  });
} catch (error) {
  // No workbench (the install failed, or it never loaded): the report says why.
  check("no exception", false, String(error).split("\n")[0]);
  report.finish({ screenshots: out });
}
const { page, userData } = session;
try {
  const wb = new Workbench(page);
  const open = (name) => wb.open(name);
  // One check that does not end the script when it throws: its report says what was on
  // screen, and no widget it left behind takes the next check's keys.
  const step = async (name, body) => {
    try {
      const { ok, detail } = await body();
      check(name, ok, detail);
    } catch (error) {
      check(name, false, { error: String(error).split("\n")[0], scene: await wb.scene().catch(String) });
    }
    await page.screenshot({ path: join(out, `${name.replace(/\W+/g, "-")}.png`) });
    await wb.dismiss();
  };
  const lenses = () => wb.lenses();
  // Monaco renders spaces as no-break spaces.
  const output = () =>
    page.$$eval(".output-view .view-line", (els) => els.map((e) => e.textContent.replace(/\u00a0/g, " ")).join("\n"));
  const waitForOutput = async (pattern) => {
    for (let i = 0; i < 120; i++) {
      const text = await output();
      if (pattern.test(text)) return text;
      await page.waitForTimeout(500);
    }
    return output();
  };

  await open("jokes.epic");
  const jokesLenses = await lenses();
  check("lenses", ["▶ Run", "▶ Run sequentially", "⏱ Trace"].every((t) => jokesLenses.includes(t)), jokesLenses);
  const tokenClasses = await page.$$eval(".view-line span span", (els) => new Set(els.map((e) => e.className)).size);
  check("highlighting", tokenClasses >= 6, `${tokenClasses} distinct token classes`);
  const language = await page.$$eval(".statusbar-item", (els) => els.map((e) => e.textContent.trim()));
  check("language mode", language.some((t) => t.includes("EPIC")), language.filter((t) => t.includes("EPIC")));
  await page.screenshot({ path: join(out, "editor.png") });

  await open("broken.epic");
  await page.waitForTimeout(3000);
  const problems = await wb.problems();
  check("diagnostics", problems.some((p) => /syntax/.test(p)), problems);

  const started = existsSync(pythonLog) ? readFileSync(pythonLog, "utf8") : "";
  check("python.path from User settings", /-m lsp_server/.test(started), started.trim().split("\n"));
  const backendItem = page.locator(".statusbar-item", { hasText: "EPIC: local SmolLM2" });
  await backendItem.first().waitFor({ timeout: 60_000 }).catch(() => {});
  const statusTexts = await page.$$eval(".statusbar-item", (els) => els.map((e) => e.textContent.trim()));
  check("backend status item", statusTexts.some((t) => t.includes("EPIC: local SmolLM2")), statusTexts.filter((t) => /EPIC/.test(t)));

  // Quick fix: the misspelt call is flagged, Ctrl+. offers the near name, and choosing it
  // fixes the text, then the problem, then (saved) the file.
  await step("quick fix", async () => {
    const file = join(workspace, "misspelt.epic");
    await open("misspelt.epic");
    const flagged = await wb.until(async () => (await wb.squiggles()) > 0);
    const placed = await wb.goTo(3, "def main() = twcie".length - 2);
    await page.keyboard.press("Control+.");
    const rows = page.locator(".action-widget .monaco-list-row.action");
    const wanted = "Change to `twice`";
    await wb.until(async () => (await rows.allTextContents()).some((t) => t.includes(wanted)), 60);
    const offered = await rows.allTextContents();
    // Enter applies the focused fix (a click is intercepted by the widget's own overlay).
    const focused = () => page.locator(".action-widget .monaco-list-row.action.focused").allTextContents();
    for (let i = 0; i < offered.length && !(await focused()).some((t) => t.includes(wanted)); i++) await page.keyboard.press("ArrowDown");
    const chosen = (await focused()).some((t) => t.includes(wanted));
    if (chosen) await page.keyboard.press("Enter");
    const textFixed = chosen && (await wb.until(async () => /def main\(\) = twice\(3\)/.test(await wb.editorText())));
    const problemGone = textFixed && (await wb.steady(async () => (await wb.squiggles()) === 0));
    if (textFixed) await page.keyboard.press("Control+S");
    const saved = textFixed && (await wb.until(() => /twice\(3\)/.test(readFileSync(file, "utf8")), 30));
    const ok = flagged && placed && chosen && textFixed && problemGone && saved;
    return { ok, detail: { flagged, placed, offered, chosen, textFixed, problemGone, saved, ...(ok ? {} : { scene: await wb.scene({ file }) }) } };
  });

  // Rename across files: `shout` renamed where it is defined is renamed where another file
  // imports it too: in the editors, on disk after Save All, and the importer has no problem.
  await step("rename across files", async () => {
    const app = join(workspace, "shout_app.epic");
    const lib = join(workspace, "shout_lib.epic");
    await open("shout_app.epic");
    // The lenses come from the server's analysis of the file, so its problems are known by then.
    const appLenses = (await wb.lenses()).length > 0;
    const cleanBefore = appLenses && (await wb.steady(async () => (await wb.squiggles()) === 0));
    await open("shout_lib.epic");
    await wb.lenses();
    // F2 on `shout`: the box comes once the server has said what may be renamed. Should it not
    // come, what was seen is kept and the user's second try is made.
    const box = page.locator(".rename-box input.rename-input");
    const misses = [];
    let proposed = null;
    for (let attempt = 0; attempt < 2 && proposed === null; attempt++) {
      const placed = await wb.goTo(1, 6);
      await page.keyboard.press("F2");
      // A refusal is shown as a message at the cursor, and then no box comes.
      await wb.until(async () => (await box.isVisible()) || (await wb.shown(".monaco-editor-overlaymessage")), 30);
      if (await box.isVisible()) proposed = await box.inputValue();
      else misses.push({ placed, scene: await wb.scene() });
    }
    if (proposed === null) return { ok: false, detail: { cleanBefore, misses } };
    await box.fill("yell");
    await box.press("Enter");
    const inEditor = await wb.until(async () => /def yell\(s\)/.test(await wb.editorText()));
    const boxGone = await wb.until(async () => !(await box.isVisible()), 30);
    const savedAll = await wb.command("File: Save All Files");
    const appOnDisk = await wb.until(() => /lib\.yell\("hi"\)/.test(readFileSync(app, "utf8")));
    const libOnDisk = await wb.until(() => /def yell\(s\)/.test(readFileSync(lib, "utf8")), 10);
    await open("shout_app.epic");
    const appShown = await wb.until(async () => /lib\.yell\("hi"\)/.test(await wb.editorText()));
    const cleanAfter = appShown && (await wb.steady(async () => (await wb.squiggles()) === 0));
    const ok = cleanBefore && proposed === "shout" && inEditor && boxGone && savedAll.ran && appOnDisk && libOnDisk && appShown && cleanAfter;
    const seen = { cleanBefore, misses, proposed, inEditor, boxGone, savedAll, appOnDisk, libOnDisk, appShown, cleanAfter };
    return { ok, detail: ok ? seen : { ...seen, scene: await wb.scene({ app, lib }) } };
  });

  // The ▶ Run lenses from top to bottom (the DOM does not keep the lines in order), once all
  // `count` of them are laid out.
  const runLenses = async (count) => {
    await lenses();
    const found = page.locator(".codelens-decoration a").filter({ hasText: /^▶ Run$/ });
    for (let attempt = 0; attempt < 60; attempt++) {
      const boxes = [];
      for (let i = 0; i < (await found.count()); i++) {
        const box = await found.nth(i).boundingBox();
        if (box) boxes.push({ i, top: box.y });
      }
      if (boxes.length >= count) return boxes.sort((a, b) => a.top - b.top).map(({ i }) => found.nth(i));
      await page.waitForTimeout(500);
    }
    throw new Error(`fewer than ${count} ▶ Run lenses`);
  };
  await open("shapes.epic");
  const shapeDefs = readFileSync(join(workspace, "shapes.epic"), "utf8").split("\n").filter((l) => l.startsWith("def ")).length;
  const shapeLenses = await runLenses(shapeDefs);
  await shapeLenses[shapeLenses.length - 1].click(); // main, the last def
  const shapes = await waitForOutput(/main\(\) in shapes\.epic[\s\S]*(total:|✖)/);
  check("run output", /\{total: /.test(shapes), shapes.split("\n").slice(-4));
  check("backend line in the output", /main\(\) in shapes\.epic[^\n]*\nbackend: local model SmolLM2/.test(shapes), shapes.split("\n").slice(-5));

  await (await runLenses(shapeDefs))[0].click(); // area(shape): asks for its argument
  const argumentsBox = page.locator(".quick-input-widget input");
  await argumentsBox.waitFor({ timeout: 30_000 });
  await argumentsBox.fill('[{"kind": "rect", "w": 2, "h": 3}]');
  await page.keyboard.press("Enter");
  const withArguments = await waitForOutput(/area\(\{[^\n]*\) in shapes\.epic[\s\S]*\n(6|✖[^\n]*)\n/);
  check("run with arguments", /area\(\{"kind":"rect","w":2,"h":3\}\) in shapes\.epic[\s\S]*\n6\n/.test(withArguments), withArguments.split("\n").slice(-4));

  // Evaluate Selection: the find widget leaves its match selected.
  await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+F");
  await page.keyboard.insertText("filter(fn(n) => n % 2 == 0, range(10))");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Escape");
  await wb.command("EPIC: Evaluate Selection");
  const evaluated = await waitForOutput(/evaluate filter\(fn[^\n]*\n[\s\S]*\n(\[0, 2, 4, 6, 8\]|✖[^\n]*)\n/);
  check("evaluate selection", /evaluate filter\(fn\(n\)[^\n]*in shapes\.epic[\s\S]*\n\[0, 2, 4, 6, 8\]\n/.test(evaluated), evaluated.split("\n").slice(-4));

  // Go to definition on a prelude function opens the prelude read-only: the cursor goes
  // into the `map` of `map(area, ...)` with Go to Line.
  const shapesLines = readFileSync(join(workspace, "shapes.epic"), "utf8").split("\n");
  const mapLine = shapesLines.findIndex((l) => l.includes("map(area"));
  const mapColumn = shapesLines[mapLine].indexOf("map(area") + 2;
  await wb.goTo(mapLine + 1, mapColumn);
  await wb.command("Go to Definition");
  const preludeTab = page.locator(".tab.active", { hasText: "prelude.epic" });
  await preludeTab.waitFor({ timeout: 30_000 }).catch(() => {});
  await page.screenshot({ path: join(out, "prelude.png") });
  await page.locator(".editor-group-container.active .view-line", { hasText: /def\s+map/ }).first().waitFor({ timeout: 20_000 }).catch(() => {});
  const before = await wb.editorText();
  await page.keyboard.type("zzq");
  await page.waitForTimeout(1000);
  const after = await wb.editorText();
  const dirty = await page.locator(".tab.active.dirty").count();
  // Rendering may move lines meanwhile; what matters is that the typing went nowhere.
  const typed = after.includes("zzq");
  check("prelude opens read-only", (await preludeTab.count()) > 0 && /def\s+map/.test(before) && !typed && dirty === 0, {
    tab: await page.$$eval(".tab.active", (els) => els.map((e) => e.textContent.trim())),
    shown: /def\s+map/.test(before),
    typed,
    dirty,
  });
  await page.keyboard.press("Control+W");

  await backendItem.first().click();
  const toast = page.locator(".notifications-toasts .notification-toast", { hasText: /connection (OK|failed)/ });
  await toast.first().waitFor({ timeout: 120_000 }).catch(() => {});
  const toasts = await page.$$eval(".notifications-toasts .notification-list-item-message", (els) => els.map((e) => e.textContent.trim()));
  check("test connection", toasts.some((t) => /connection OK: the local model loaded and answered/.test(t)), toasts);

  await open("python_tools.epic");
  await lenses();
  await page.locator(".codelens-decoration a", { hasText: "Trace" }).first().click();
  const tools = await waitForOutput(/main\(\) in python_tools\.epic[\s\S]*trace:/);
  check("trace output", /trace: \d+ external calls/.test(tools), tools.split("\n").slice(-4));
  await page.waitForTimeout(3000);
  let bars = 0;
  for (const frame of page.frames()) {
    try {
      bars = Math.max(bars, await frame.$$eval("rect.bar", (els) => els.length));
    } catch {
      // frames still loading
    }
  }
  const widths = await page.$$eval(".editor-group-container", (els) => els.map((e) => Math.round(e.getBoundingClientRect().width)));
  check("timeline webview", bars > 0, `${bars} bars; editor groups ${widths.join(" + ")} px wide`);
  await page.screenshot({ path: join(out, "timeline.png") });

  await open("slow.epic");
  await lenses();
  await page.locator(".codelens-decoration a", { hasText: "▶ Run" }).first().click();
  const running = page.locator(".statusbar-item", { hasText: "EPIC main" });
  await running.waitFor({ timeout: 60_000 });
  const runningText = (await running.textContent()).trim();
  await running.click();
  const slow = await waitForOutput(/main\(\) in slow\.epic[\s\S]*■ cancelled\n/);
  check("cancel from the status bar", /slow\.epic[\s\S]*■ cancelled/.test(slow), [runningText, ...slow.split("\n").slice(-3)]);

  // User settings written as a user does: the JSON editor, saved.
  const writeUserSettings = async (settings) => {
    await wb.command("Preferences: Open User Settings (JSON)");
    await page.locator(".tab.active", { hasText: "settings.json" }).waitFor({ timeout: 30_000 });
    await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(JSON.stringify(settings, null, 2));
    await page.keyboard.press("Control+S");
    const saved = () => {
      try {
        return JSON.parse(readFileSync(join(userData, "User", "settings.json"), "utf8"));
      } catch {
        return null; // being written
      }
    };
    await wb.until(() => isDeepStrictEqual(saved(), settings), 30);
  };

  // The API's URL from User settings is the one a run uses (the status item shows the backend
  // of a run), also in a remote window such as this one; the workspace's never is, though
  // trusted (it would receive the user's key).
  await step("llm.baseUrl from User settings", async () => {
    await writeUserSettings({ ...userSettings, "epic.llm.baseUrl": "http://127.0.0.1:9/v1", "epic.llm.model": "e2e-model" });
    await open("hello.epic");
    const item = page.locator(".statusbar-item", { hasText: "EPIC:" });
    const shown = await wb.until(async () => (await item.allTextContents()).some((t) => t.includes("EPIC: e2e-model @ 127.0.0.1:9")), 60);
    const texts = (await item.allTextContents()).map((t) => t.trim());
    return { ok: shown && !texts.some((t) => t.includes("workspace.invalid")), detail: texts };
  });

  // A wrong interpreter set in User settings: the server restarts with it, and the error's
  // button opens the setting itself.
  await writeUserSettings({ ...userSettings, "epic.python.path": "/nonexistent/epic-python" });
  const setPath = await wb.notificationButton("Set epic.python.path");
  if (!setPath) {
    check("python.path button opens the setting", false, { toasts: await wb.notificationTexts() });
    await page.screenshot({ path: join(out, "no-button.png") });
  } else {
    await setPath.click();
    const settingRow = page.locator(".settings-editor .setting-item-title", { hasText: "Python: Path" });
    await settingRow.first().waitFor({ timeout: 30_000 }).catch(() => {});
    const rows = await page.$$eval(".settings-editor .setting-item-title", (els) => els.map((e) => e.textContent.trim()));
    check("python.path button opens the setting", rows.some((t) => /Python: Path/.test(t)), rows.slice(0, 5));
    await page.screenshot({ path: join(out, "settings.png") });
  }
} catch (error) {
  check("no exception", false, String(error).split("\n")[0]);
  await page.screenshot({ path: join(out, "failure.png") });
} finally {
  await session.close();
}
report.finish({ screenshots: out });
