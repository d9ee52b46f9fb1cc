// End-to-end check in a real VS Code (code-server, driven by headless Chromium through
// playwright-core): installs the .vsix, opens examples, and checks highlighting, diagnostics,
// the Run lenses, a run's output and the timeline webview. Prints one JSON report; exits 1 when
// a check fails.
//
//   node scripts/e2e-code-server.mjs --code-server DIR/node_modules/.bin/code-server \
//        --vsix epic-lang.vsix --examples ../examples --python python3 --out /tmp/e2e
//
// code-server is not a dependency (about 500 MB); /work/shared/tools/code-server-setup.sh or
// `npm install code-server` (with its ripgrep replaced by Debian's) installs it.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: opts } = parseArgs({
  options: {
    "code-server": { type: "string" },
    vsix: { type: "string", default: "epic-lang.vsix" },
    examples: { type: "string", default: "../examples" },
    python: { type: "string", default: "python3" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    out: { type: "string" },
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
const userData = join(work, "data");
const extensions = join(work, "ext");
cpSync(resolve(opts.examples), workspace, { recursive: true });
writeFileSync(join(workspace, "broken.epic"), "def main() =\n    let x = 1 +\n    undefined_name(x\n");
writeFileSync(join(workspace, "slow.epic"), 'import python "time" as time\n\ndef main() = time.sleep(60)\n');
mkdirSync(join(userData, "User"), { recursive: true });
writeFileSync(
  join(userData, "User", "settings.json"),
  JSON.stringify({
    "epic.python.path": opts.python,
    "workbench.startupEditor": "none",
    "telemetry.telemetryLevel": "off",
    "editor.minimap.enabled": false,
    // Trust is granted up front (the trust dialog comes at unpredictable times on a busy
    // machine); untrusted behaviour is the language server's to test.
    "security.workspace.trust.enabled": false,
  }),
);

const codeServer = resolve(opts["code-server"]);
const base = ["--user-data-dir", userData, "--extensions-dir", extensions];
const install = spawnSync(codeServer, [...base, "--install-extension", resolve(opts.vsix), "--force"], { encoding: "utf8" });
if (install.status !== 0) {
  console.error(install.stdout, install.stderr);
  process.exit(1);
}

const port = await new Promise((res) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const server = spawn(
  codeServer,
  [...base, "--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check", workspace],
  // Its own process group, so that the extension host and language server go with it.
  { stdio: "ignore", detached: true },
);

const report = { checks: {}, details: {} };
const check = (name, ok, detail) => {
  report.checks[name] = Boolean(ok);
  if (detail !== undefined) report.details[name] = detail;
};
const browser = await chromium.launch({ executablePath: opts.chromium, args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
try {
  for (let i = 0; ; i++) {
    try {
      await page.goto(`http://127.0.0.1:${port}/?folder=${workspace}`);
      break;
    } catch (error) {
      if (i > 60) throw error;
      await page.waitForTimeout(500);
    }
  }
  await page.waitForSelector(".monaco-workbench", { timeout: 90_000 });
  // Quick Open, waiting for the file to be listed and then to be the active tab (on a busy
  // machine either can take seconds).
  const open = async (name) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await page.keyboard.press("Escape");
        await page.keyboard.press("Control+P");
        await page.locator(".quick-input-widget input").waitFor({ timeout: 20_000 });
        await page.keyboard.type(name);
        await page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor({ timeout: 30_000 });
        await page.keyboard.press("Enter");
        await page.locator(".tab.active", { hasText: name }).waitFor({ timeout: 30_000 });
        return;
      } catch (error) {
        if (attempt >= 2) throw error;
      }
    }
  };
  const lenses = async () => {
    await page.waitForSelector(".codelens-decoration a", { timeout: 180_000 });
    return page.$$eval(".codelens-decoration a", (els) => els.map((e) => e.textContent.trim()));
  };
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
  await page.keyboard.press("Control+Shift+M");
  await page.waitForTimeout(1500);
  const problems = await page.$$eval(".markers-panel .monaco-list-row", (els) => els.map((e) => e.textContent));
  check("diagnostics", problems.some((p) => /syntax/.test(p)), problems);

  await open("shapes.epic");
  await lenses();
  await page.locator(".codelens-decoration a", { hasText: "▶ Run" }).first().click();
  const shapes = await waitForOutput(/main\(\) in shapes\.epic[\s\S]*(total:|✖)/);
  check("run output", /\{total: /.test(shapes), shapes.split("\n").slice(-4));

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
  check("timeline webview", bars > 0, `${bars} bars`);
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
} catch (error) {
  check("no exception", false, String(error).split("\n")[0]);
  await page.screenshot({ path: join(out, "failure.png") });
} finally {
  await browser.close();
  process.kill(-server.pid, "SIGTERM");
}
report.ok = Object.values(report.checks).every(Boolean);
report.screenshots = out;
console.log(JSON.stringify(report, null, 2));
process.exit(report.ok ? 0 : 1);
