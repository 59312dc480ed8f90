// Drives code-server's workbench in Debian's headless Chromium through playwright-core, the way a
// person would: command palette, Explorer context menu, status bar, Problems panel.
// Every wait has a timeout; a helper that fails saves a screenshot and names it in the error.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import type { CodeServer } from './code-server';

export const SCREENSHOT_DIR = join(__dirname, 'screenshots'); // git-ignored

const CHROMIUM_ARGS = [
  '--no-sandbox', // root in a container: the setuid sandbox is unavailable
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage', // small /dev/shm in containers makes tabs crash
];

export interface StatusBarItem {
  id: string; // `${publisher}.${name}.${itemId}` for extension items
  text: string;
  ariaLabel: string;
  /** `warning-kind` / `error-kind` when the item's backgroundColor is a warning/error ThemeColor. */
  kind: 'warning' | 'error' | 'standard';
  classes: string[];
  background: string; // computed CSS background-color of the item
  color: string; // computed CSS color of the label
}

export interface ProblemEntry {
  severity: 'error' | 'warning' | 'info' | 'unknown';
  text: string; // the row's visible text (message, source, position)
  ariaLabel: string; // VS Code's full description: message, position, file
}

export interface OpenOptions {
  /** File names the Explorer must show before the workbench counts as ready. */
  expectFiles?: string[];
  /** `payload` query pairs (extensionDevelopmentPath, extensionTestsPath...). */
  payload?: Array<[string, string]>;
  /** Called by the workbench when extension tests end (window.codeAutomationExit). */
  onAutomationExit?: (code: number, logs: unknown) => void;
  /** Lines the workbench logs through window.codeAutomationLog (extension-test output). */
  onAutomationLog?: (type: string, args: unknown[]) => void;
  /** Trust the folder through the Workspace Trust editor after load (default true). */
  trust?: boolean;
  /** Milliseconds for the workbench to load (default 90 s). */
  loadTimeoutMs?: number;
  viewport?: { width: number; height: number };
}

export class Workbench {
  private constructor(
    readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
    /** Browser console errors, for failure reports. */
    readonly consoleErrors: string[],
  ) {}

  static async open(server: CodeServer, folder: string, opts: OpenOptions = {}): Promise<Workbench> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const browser = await chromium.launch({
      executablePath: process.env.FLOORLINE_E2E_CHROMIUM ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
    try {
      const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      // Must exist before the workbench script runs: it looks them up on window when tests end.
      if (opts.onAutomationExit) await page.exposeFunction('codeAutomationExit', opts.onAutomationExit);
      if (opts.onAutomationLog) await page.exposeFunction('codeAutomationLog', opts.onAutomationLog);
      const wb = new Workbench(browser, context, page, errors);
      await wb.step('load workbench', async () => {
        await page.goto(server.folderUrl(folder, opts.payload), { timeout: 60_000 });
        const timeout = opts.loadTimeoutMs ?? 90_000;
        await page.locator('.monaco-workbench').waitFor({ timeout });
        for (const name of opts.expectFiles ?? []) await wb.explorerRow(name).waitFor({ timeout });
      });
      if (opts.trust ?? true) await wb.trustWorkspace();
      return wb;
    } catch (err) {
      await browser.close();
      throw err;
    }
  }

  /** Runs `fn`; on failure saves `failure-<name>-<time>.png` and adds its path to the error. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      const result = await fn();
      if (process.env.FLOORLINE_E2E_DEBUG) console.log(`      [e2e] ${name}: ${Date.now() - t0} ms`);
      return result;
    } catch (err) {
      const file = await this.screenshot(`failure-${name}-${Date.now()}`).catch(() => '(no screenshot)');
      const e = err instanceof Error ? err : new Error(String(err));
      e.message = `${name}: ${e.message}\nscreenshot: ${file}`;
      throw e;
    }
  }

  /** For an `afterEach`: a failed test leaves a picture of what the user would have seen, and names it. */
  async screenshotIfFailed(test: { state?: string; title: string } | undefined): Promise<void> {
    if (test?.state !== 'failed') return;
    const file = await this.screenshot(`failure-${test.title.slice(0, 40)}-${Date.now()}`).catch(() => undefined);
    if (file) console.log(`      screenshot of the failure: ${file}`);
  }

  async screenshot(name: string): Promise<string> {
    const file = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await this.page.screenshot({ path: file, timeout: 10_000 });
    return file;
  }

  /**
   * Trusts the opened folder the way a user does: Workspace Trust editor, "Trust" button. Trust is
   * kept in the browser's storage (IndexedDB), so a fresh browser context starts untrusted.
   * No-op when trust is already granted or disabled (the "Restricted Mode" item is absent).
   */
  async trustWorkspace(): Promise<void> {
    await this.step('trust workspace', async () => {
      const restricted = this.page.locator('#status\\.workspaceTrust, .statusbar-item[id*="workspaceTrust"]');
      // The Restricted Mode item appears shortly after load when the folder is untrusted.
      await restricted.first().waitFor({ timeout: 5000 }).catch(() => undefined);
      if ((await restricted.count()) === 0) return;
      await this.runCommand('Workspaces: Manage Workspace Trust');
      const editor = this.page.locator('.workspace-trust-editor');
      await editor.waitFor();
      await editor.getByRole('button', { name: 'Trust', exact: true }).first().click();
      await restricted.first().waitFor({ state: 'detached' });
      await this.runCommand('View: Close Editor').catch(() => undefined); // back to a clean layout
    });
  }

  /**
   * Runs a command by its palette title (e.g. "Smoke: Hello"), like F1 + typing + Enter.
   * Retries until `timeoutMs`: right after load the extension host may not have registered the
   * extensions' commands yet, and the palette then shows "No matching commands".
   */
  async runCommand(title: string, timeoutMs = 30_000, opts: { opensInput?: boolean } = {}): Promise<void> {
    await this.step(`command ${title}`, async () => {
      const widget = this.page.locator('.quick-input-widget');
      const input = widget.locator('input.input');
      // The label of a command row is "Category: Title"; pick the exact one, not a fuzzy match.
      const row = widget
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) })
        .first();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await this.page.keyboard.press('Escape'); // close a menu or an earlier palette first
        await this.page.keyboard.press('F1');
        // Ctrl+Shift+P only if F1 did not open it: pressed while it opens, it would toggle it shut.
        if (!(await input.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false))) {
          await this.page.keyboard.press('Control+Shift+P');
          await input.waitFor({ state: 'visible' });
        }
        await input.fill(`>${title}`);
        if (await row.waitFor({ timeout: 2000 }).then(() => true, () => false)) break;
        if (Date.now() > deadline) throw new Error(`no command titled "${title}" in the palette`);
        await this.page.waitForTimeout(500);
      }
      await row.click();
      // A command that asks for input reuses the same widget: wait for its prompt instead.
      if (opts.opensInput) await input.and(this.page.locator(':not([value^=">"])')).waitFor({ state: 'visible' });
      else await widget.waitFor({ state: 'hidden' });
    });
  }

  /** The Explorer row of a file or folder by its name (visible in the tree). */
  explorerRow(name: string): Locator {
    return this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name.replace(/"/g, '\\"')}"]`);
  }

  /** Right-clicks `name` in the Explorer and returns the context menu's item labels. */
  async explorerContextMenu(name: string): Promise<string[]> {
    return this.step(`context menu of ${name}`, async () => {
      await this.page.keyboard.press('Escape');
      await this.explorerRow(name).click({ button: 'right' });
      const items = this.contextMenu().locator('.action-item:not(.disabled) .action-label');
      await items.first().waitFor();
      return (await items.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    });
  }

  /** Right-clicks `name` in the Explorer and picks the context menu item `label`. */
  async explorerContextMenuPick(name: string, label: string): Promise<void> {
    await this.explorerContextMenu(name);
    await this.step(`pick "${label}" on ${name}`, async () => {
      // A mouse click is not enough: the menu ignores the first mouse-up after it opens (the one
      // ending a press-drag-release selection). Hover focuses the item; Enter runs it.
      const item = this.contextMenu().locator('.action-item .action-label', { hasText: label }).first();
      await item.hover();
      await this.page.keyboard.press('Enter');
      await this.contextMenu().waitFor({ state: 'hidden' });
    });
  }

  private contextMenu(): Locator {
    // Menus are rendered in a shadow root; Playwright's CSS locators pierce open shadow roots.
    return this.page.locator('.context-view .monaco-menu');
  }

  /** Every status bar item with its text and background (the item's kind class and CSS). */
  async statusBarItems(): Promise<StatusBarItem[]> {
    return this.step('read status bar', async () => {
      await this.page.locator('#workbench\\.parts\\.statusbar').waitFor();
      return this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item').evaluateAll((els) =>
        els.map((el) => {
          const label = el.querySelector('.statusbar-item-label') ?? el;
          const classes = [...el.classList];
          return {
            id: el.id,
            text: (label.textContent ?? '').trim(),
            ariaLabel: label.getAttribute('aria-label') ?? el.getAttribute('aria-label') ?? '',
            kind: classes.includes('error-kind') ? 'error' : classes.includes('warning-kind') ? 'warning' : 'standard',
            classes,
            background: getComputedStyle(el).backgroundColor,
            color: getComputedStyle(label).color,
          } as const;
        }),
      );
    });
  }

  /** Waits until a status bar item's text matches, and returns that item. */
  async waitForStatusBarItem(match: string | RegExp, timeoutMs = 15_000): Promise<StatusBarItem> {
    return this.step(`status bar item ${String(match)}`, async () => {
      const deadline = Date.now() + timeoutMs;
      let last: StatusBarItem[] = [];
      for (;;) {
        last = await this.statusBarItems();
        const hit = last.find((i) => (typeof match === 'string' ? i.text.includes(match) : match.test(i.text)));
        if (hit) return hit;
        if (Date.now() > deadline) {
          throw new Error(`no item matching ${String(match)}; items: ${JSON.stringify(last.map((i) => i.text))}`);
        }
        await this.page.waitForTimeout(250);
      }
    });
  }

  /** Opens the Problems panel and returns its entries (markers, not the file rows). */
  async problems(): Promise<ProblemEntry[]> {
    return this.step('read problems', async () => {
      await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      const panel = this.page.locator('.markers-panel');
      await panel.waitFor();
      // Either the list or the "No problems" message; give markers a moment to arrive.
      await panel
        .locator('.monaco-list-row, .message-box-container')
        .filter({ visible: true }) // the hidden one of the two comes first in the DOM
        .first()
        .waitFor({ timeout: 5000 })
        .catch(() => undefined);
      return panel.locator('.monaco-list-row').evaluateAll((rows) =>
        rows
          .filter((r) => r.querySelector('.marker-icon, .codicon-error, .codicon-warning, .codicon-info'))
          .map((r) => {
            const icon = r.querySelector('.marker-icon, .codicon-error, .codicon-warning, .codicon-info');
            const cls = icon?.className ?? '';
            const severity = /error/.test(cls) ? 'error' : /warning/.test(cls) ? 'warning' : /info/.test(cls) ? 'info' : 'unknown';
            return { severity, text: (r.textContent ?? '').trim(), ariaLabel: r.getAttribute('aria-label') ?? '' } as const;
          }),
      );
    });
  }

  /** Answers an input box (e.g. a password prompt) that a command opened: types `text`, then Enter. */
  async answerInputBox(text: string): Promise<void> {
    await this.step('answer input box', async () => {
      const widget = this.page.locator('.quick-input-widget');
      const input = widget.locator('input.input');
      await input.waitFor({ state: 'visible' });
      await input.fill(text);
      await this.page.keyboard.press('Enter');
      await widget.waitFor({ state: 'hidden' });
    });
  }

  /** The content of the webview panel whose tab is active (webviews nest two iframes deep). */
  activeWebview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame');
  }

  /** Texts of the notification toasts currently shown. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-toast .notification-list-item-message').allInnerTexts();
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
