// A real VS Code for end-to-end scripts: code-server with a profile of its own (User settings,
// the .vsix installed), a workspace folder, and headless Chromium (playwright-core) on its
// workbench; the report every script prints; and the machine's processes. This module owns the
// processes and their teardown; driving the workbench once it is up is e2e-workbench.mjs's job.
// Both scripts (e2e-code-server.mjs, e2e-venv.mjs) use it, so neither carries its own launching.
//
// code-server is not a dependency (about 500 MB); /work/shared/tools/code-server-setup.sh or
// `npm install code-server` (with its ripgrep replaced by Debian's) installs it.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

/** A TCP port free at the time of asking (code-server binds it a moment later). */
export function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

/** Settings every session wants: no start page, telemetry or minimap, trust granted up front. */
export const QUIET_SETTINGS = {
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "editor.minimap.enabled": false,
  // Trust is granted up front (the trust dialog comes at unpredictable times on a busy
  // machine); untrusted behaviour is the language server's to test.
  "security.workspace.trust.enabled": false,
};

/**
 * Starts code-server on `workspace` with a new profile under `work` (User settings
 * `userSettings`, the extension `vsix` installed) and opens its workbench in headless Chromium.
 * `env` is code-server's environment, and so the extension host's and the language server's.
 * `cpuSlowdown` above 1 throttles Chromium's CPU from the start (e.g. 6 for six times slower),
 * to rehearse a loaded machine.
 * Returns the page and the profile's folders; `close()` ends the browser and code-server's whole
 * process group (extension host and language server included).
 */
export async function startSession({ codeServer, vsix, workspace, work, userSettings, env = process.env, chromiumPath = "/usr/bin/chromium", cpuSlowdown = 1 }) {
  const userData = join(work, "data");
  const extensions = join(work, "ext");
  mkdirSync(join(userData, "User"), { recursive: true });
  writeFileSync(join(userData, "User", "settings.json"), JSON.stringify(userSettings, null, 2));
  const binary = resolve(codeServer);
  const base = ["--user-data-dir", userData, "--extensions-dir", extensions];
  const install = spawnSync(binary, [...base, "--install-extension", resolve(vsix), "--force"], { encoding: "utf8", env });
  if (install.status !== 0) throw new Error(`installing ${vsix} failed: ${install.stdout}${install.stderr}`);

  const port = await freePort();
  const server = spawn(
    binary,
    [...base, "--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check", workspace],
    // Its own process group, so that the extension host and language server go with it.
    { stdio: "ignore", detached: true, env },
  );
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox", "--disable-gpu"] });
  const close = async () => {
    await browser.close().catch(() => {});
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    if (cpuSlowdown > 1) {
      const devtools = await page.context().newCDPSession(page);
      await devtools.send("Emulation.setCPUThrottlingRate", { rate: cpuSlowdown });
    }
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
    return { page, userData, extensions, serverPid: server.pid, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The command lines (arguments joined by spaces) of this machine's processes, from /proc. */
export function commandLines() {
  const lines = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" "));
    } catch {
      // the process ended meanwhile
    }
  }
  return lines;
}

/**
 * The one JSON report a script prints: a pass or fail per named check, with what was seen.
 * `finish()` prints it and exits 1 when a check failed, so that the caller's test can fail.
 */
export class Report {
  constructor() {
    this.checks = {};
    this.details = {};
  }

  check(name, ok, detail) {
    this.checks[name] = Boolean(ok);
    if (detail !== undefined) this.details[name] = detail;
  }

  finish(extra = {}) {
    const ok = Object.values(this.checks).every(Boolean);
    console.log(JSON.stringify({ checks: this.checks, details: this.details, ...extra, ok }, null, 2));
    process.exit(ok ? 0 : 1);
  }
}
