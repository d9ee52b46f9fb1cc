// The VS Code workbench driven as a keyboard user drives it, for the end-to-end scripts
// (e2e-code-server.mjs, e2e-venv.mjs); code-server-session.mjs starts and ends what it drives.
//
// On a loaded machine any step of the workbench may take seconds: a list filled after the
// typing, a widget shown after the server answers. So every step here waits for something it
// can see (the focused row of a list, the cursor's place in the status bar, a widget shown or
// gone, the editor's text) instead of sleeping, and leaves no widget behind that would take the
// next step's keys. `scene()` says what is on screen, for the report of a check that failed.
import { readFileSync } from "node:fs";

const ACTIVE = ".editor-group-container.active";
const QUICK_INPUT = ".quick-input-widget";

// Widgets that take the keyboard while shown, and that Escape closes.
const WIDGETS = {
  "quick input": QUICK_INPUT,
  "code actions": ".action-widget",
  rename: ".rename-box",
  suggest: ".suggest-widget.visible",
  "parameter hints": ".parameter-hints-widget.visible",
  find: `${ACTIVE} .find-widget.visible`,
  hover: ".monaco-hover:not(.hidden)",
  message: ".monaco-editor-overlaymessage",
};

export class Workbench {
  constructor(page) {
    this.page = page;
  }

  /** Polls `condition` every `every` ms until it answers something truthy or `seconds` have
   * passed (by the clock: a slow condition, such as one that opens a panel, eats the time too);
   * its last answer. */
  async until(condition, seconds = 60, every = 500) {
    for (const end = Date.now() + seconds * 1000; ; ) {
      const answer = await condition();
      if (answer || Date.now() > end) return answer;
      await this.page.waitForTimeout(every);
    }
  }

  /** `condition` held for `checks` polls in a row (within `seconds`): for an absence, such as
   * no problems, that is only worth reporting once the server has had its say. */
  async steady(condition, checks = 4, seconds = 30) {
    let held = 0;
    return this.until(async () => {
      held = (await condition()) ? held + 1 : 0;
      return held >= checks;
    }, seconds);
  }

  async shown(selector) {
    const found = this.page.locator(selector);
    for (let i = 0; i < (await found.count()); i++) {
      if (await found.nth(i).isVisible().catch(() => false)) return true;
    }
    return false;
  }

  async widgetsShown() {
    const names = [];
    for (const [name, selector] of Object.entries(WIDGETS)) if (await this.shown(selector)) names.push(name);
    return names;
  }

  /** Escape until no widget that takes keys is shown (a leftover one would swallow the next
   * step's keys); the widgets still shown after five tries. */
  async dismiss() {
    for (let i = 0; i < 5; i++) {
      if ((await this.widgetsShown()).length === 0) return [];
      await this.page.keyboard.press("Escape");
      await this.page.waitForTimeout(200);
    }
    return this.widgetsShown();
  }

  /** The active editor's lines as shown (Monaco renders spaces as no-break spaces). */
  editorText() {
    return this.page.$$eval(`${ACTIVE} .view-line`, (els) => els.map((e) => e.textContent.replace(/\u00a0/g, " ")).join("\n"));
  }

  /** Problems shown in the active editor: errors and warnings both count. */
  squiggles() {
    return this.page.locator(`${ACTIVE} .monaco-editor [class*='squiggly-']`).count();
  }

  /** The cursor as the status bar shows it, e.g. "Ln 1, Col 6". */
  async cursor() {
    const item = this.page.locator('[id="status.editor.selection"]');
    return (await item.count()) ? (await item.first().textContent()).trim() : "";
  }

  async activeTab() {
    return this.page.$$eval(".tab.active", (els) => els.map((e) => e.textContent.trim()).join(" | "));
  }

  /** Lenses shown in the active editor, once the server has answered for the file. */
  async lenses(seconds = 180) {
    const found = this.page.locator(`${ACTIVE} .codelens-decoration a`);
    await this.until(async () => (await found.count()) > 0, seconds);
    return (await found.allTextContents()).map((t) => t.trim());
  }

  /** Quick Open, waiting for the file to be listed and then to be the active tab. */
  async open(name) {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.dismiss();
        // A file already open is shown by its tab, as a user would: Quick Open on an open
        // file has been seen not to come up after a rename across files on a loaded machine.
        const exactly = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
        const tab = this.page.locator(".tab", { has: this.page.locator(".label-name", { hasText: exactly }) });
        if ((await tab.count()) === 1) {
          await tab.click();
          await this.page.locator(".tab.active", { hasText: name }).waitFor({ timeout: 30_000 });
          return;
        }
        await this.page.keyboard.press("Control+P");
        await this.page.locator(`${QUICK_INPUT} input`).waitFor({ timeout: 20_000 });
        await this.page.keyboard.type(name);
        await this.page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor({ timeout: 30_000 });
        await this.page.keyboard.press("Enter");
        await this.page.locator(".tab.active", { hasText: name }).waitFor({ timeout: 30_000 });
        return;
      } catch (error) {
        if (attempt >= 2) throw error;
      }
    }
  }

  /** Puts the cursor at LINE:COLUMN with Go to Line; true once the status bar shows it there. */
  async goTo(line, column) {
    await this.dismiss();
    // The keys go to the editor once it has focus. The middle of its text area is clicked,
    // not its first line: in a scrolled editor that line is under the sticky-scroll header,
    // which takes the click.
    await this.page.locator(`${ACTIVE} .monaco-editor .view-lines`).first().click();
    await this.page.keyboard.press("Control+G");
    await this.page.locator(`${QUICK_INPUT} input`).waitFor({ timeout: 20_000 });
    await this.page.keyboard.type(`${line}:${column}`);
    await this.page.keyboard.press("Enter");
    return this.until(async () => (await this.cursor()) === `Ln ${line}, Col ${column}`, 30);
  }

  /** Runs a command from the palette. Enter takes the focused row, and the list is filled
   * after the typing is read: so it waits until the focused row is the command (moving down
   * to it if another row came first). `ran` is false when it never was, with the rows seen. */
  async command(title) {
    await this.dismiss();
    await this.page.keyboard.press("Control+Shift+P");
    await this.page.locator(`${QUICK_INPUT} input`).waitFor({ timeout: 20_000 });
    await this.page.keyboard.type(title);
    const rows = () =>
      this.page.$$eval(".quick-input-list .monaco-list-row", (els) =>
        els.map((e) => ({ label: e.querySelector(".label-name")?.textContent.trim(), focused: e.classList.contains("focused") })),
      );
    const focused = async () => (await rows()).find((row) => row.focused)?.label;
    const listed = await this.until(async () => (await rows()).some((row) => row.label === title), 30);
    for (let i = 0; listed && i < 10 && (await focused()) !== title; i++) await this.page.keyboard.press("ArrowDown");
    if ((await focused()) !== title) return { ran: false, rows: (await rows()).slice(0, 8) };
    await this.page.keyboard.press("Enter");
    const closed = await this.until(async () => !(await this.shown(QUICK_INPUT)), 30);
    return closed ? { ran: true } : { ran: true, closed, widgets: await this.widgetsShown() };
  }

  /** The buttons `label` of the notifications, toasts and notification centre both. */
  notificationButtons(label) {
    return this.page.locator(".notifications-toasts .monaco-button, .notifications-center .monaco-button", { hasText: label });
  }

  /**
   * The button `label` of a notification, or undefined when none shows within `timeout` ms. A
   * notification comes as a toast, or only in the notification centre when toasts are held back
   * (another notification was showing, or the toast timed out), so the centre is opened and
   * given its own while too.
   */
  async notificationButton(label, timeout = 30_000) {
    const button = this.notificationButtons(label);
    await button.first().waitFor({ timeout }).catch(() => {});
    if ((await button.count()) === 0) {
      await this.page.locator("#status\\.notifications").click().catch(() => {});
      await button.first().waitFor({ timeout: 30_000 }).catch(() => {});
    }
    return (await button.count()) > 0 ? button.first() : undefined;
  }

  /** The text of every notification in view (toasts and the notification centre). */
  notificationTexts() {
    return this.page.$$eval(".notification-list-item-message", (els) => els.map((e) => e.textContent.trim()));
  }

  /** The rows of the Problems panel, which is opened when it is not in view (its key toggles,
   * so it is not pressed when the panel shows already). */
  async problems() {
    if (!(await this.page.locator(".markers-panel").first().isVisible())) {
      await this.dismiss();
      await this.page.keyboard.press("Control+Shift+M");
      await this.page.locator(".markers-panel").first().waitFor({ timeout: 20_000 }).catch(() => {});
      await this.page.waitForTimeout(1500);
    }
    return this.page.$$eval(".markers-panel .monaco-list-row", (els) => els.map((e) => e.textContent));
  }

  /** What is on screen, for a failed check's report. */
  async scene(files = {}) {
    const messages = await this.page.$$eval(".monaco-editor-overlaymessage, .notification-list-item-message", (els) => els.map((e) => e.textContent.trim()));
    const onDisk = {};
    for (const [name, path] of Object.entries(files)) onDisk[name] = readFileSync(path, "utf8").split("\n");
    return {
      tab: await this.activeTab(),
      cursor: await this.cursor(),
      widgets: await this.widgetsShown(),
      focus: await this.page.evaluate(() => {
        const e = globalThis.document.activeElement;
        return e ? `${e.tagName.toLowerCase()}.${[...e.classList].join(".")}` : null;
      }),
      text: (await this.editorText()).split("\n"),
      squiggles: await this.squiggles(),
      messages,
      ...(Object.keys(onDisk).length ? { onDisk } : {}),
    };
  }
}
