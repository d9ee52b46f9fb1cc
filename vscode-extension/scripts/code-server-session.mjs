// A real VS Code for end-to-end scripts: code-server with a profile of its own (User settings,
// the .vsix installed), a workspace folder, and headless Chromium (playwright-core) on its
// workbench; plus the few ways of driving the workbench that every script needs. Shared so that
// each script (e2e-code-server.mjs, e2e-venv.mjs) does not carry its own copy of the launching
// and of the waits that a busy machine made necessary.
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
 * Returns the page and the profile's folders; `close()` ends the browser and code-server's whole
 * process group (extension host and language server included).
 */
export async function startSession({ codeServer, vsix, workspace, work, userSettings, env = process.env, chromiumPath = "/usr/bin/chromium" }) {
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

/**
 * Quick Open, waiting for the file to be listed and then to be the active tab (on a busy
 * machine either can take seconds).
 */
export async function openFile(page, name) {
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
}

/** Runs a command from the Command Palette by its title. */
export async function runCommand(page, title) {
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+Shift+P");
  await page.locator(".quick-input-widget input").waitFor({ timeout: 20_000 });
  await page.keyboard.type(title);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press("Enter");
}

/**
 * The button `label` of a notification, or undefined when none shows within `timeout` ms. A
 * notification comes as a toast, or only in the notification centre when toasts are held back
 * (another notification was showing, or the toast timed out), so both are looked at.
 */
export async function notificationButton(page, label, timeout = 30_000) {
  const button = page.locator(".notifications-toasts .monaco-button, .notifications-center .monaco-button", { hasText: label });
  await button.first().waitFor({ timeout }).catch(() => {});
  if ((await button.count()) === 0) {
    await page.locator("#status\\.notifications").click().catch(() => {});
    await button.first().waitFor({ timeout: 5_000 }).catch(() => {});
  }
  return (await button.count()) > 0 ? button.first() : undefined;
}

/** The text of every notification in view (toasts and the notification centre). */
export function notificationTexts(page) {
  return page.$$eval(".notification-list-item-message", (els) => els.map((e) => e.textContent.trim()));
}

/** The rows of the Problems panel, which is opened when it is not in view. */
export async function problems(page) {
  if (!(await page.locator(".markers-panel").first().isVisible())) {
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+Shift+M");
    await page.locator(".markers-panel").first().waitFor({ timeout: 20_000 }).catch(() => {});
    await page.waitForTimeout(1500);
  }
  return page.$$eval(".markers-panel .monaco-list-row", (els) => els.map((e) => e.textContent));
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
