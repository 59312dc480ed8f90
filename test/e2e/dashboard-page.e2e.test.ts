// The dashboard page by itself, in headless Chromium, under the real CSP: the built bundle
// (media/dist/dashboard.js, from `node esbuild.mjs`) in the HTML the extension serves, a stub for
// the VS Code API, and models from the real view-model. Seconds, not minutes: no code-server. It
// checks what the full e2e run cannot see closely — every message the page posts, keyboard use,
// ARIA, escaping, theme variables reaching into shadow roots, and that nothing breaks the CSP.
//   npx mocha --timeout 600000 test/e2e/dashboard-page.e2e.test.ts
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { DispatcherSnapshot, RunSnapshot } from '../../src/core/dispatch/snapshot';
import type { DashboardModel, WebviewToHost } from '../../src/extension/protocol';
import { dashboardHtml } from '../../src/extension/view-model/dashboard-html';
import { toDashboardModel } from '../../src/extension/view-model/dashboard-model';
import { SCREENSHOT_DIR } from './browser';

const ROOT = resolve(__dirname, '../..');
const NOW = Date.parse('2026-11-24T12:00:00Z');
const NONCE = 'q0vGk3Jm7l1qfW2Zr8o5Sg==';
/** A few of VS Code's Light+ theme variables, which the webview host would set on <html>. */
const THEME: Record<string, string> = {
  '--vscode-font-family': 'system-ui, sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#717171',
  '--vscode-editor-background': '#ffffff',
  '--vscode-input-background': '#f0f0f0',
  '--vscode-widget-border': '#d0d0d0',
  '--vscode-progressBar-background': '#0066b8',
  '--vscode-charts-green': '#388a34',
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-purple': '#652d90',
  '--vscode-editorWarning-foreground': '#bf8803',
  '--vscode-errorForeground': '#a1260d',
  '--vscode-textLink-foreground': '#006ab1',
  '--vscode-sideBar-background': '#f8f8f8',
  '--vscode-badge-background': '#c4c4c4',
  '--vscode-badge-foreground': '#333333',
  '--vscode-focusBorder': '#005fb8',
};
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf' };

function run(partial: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    id: 'run-1', label: 'batch.jsonl', priority: 'normal', state: 'running', detail: undefined, holdCause: undefined,
    inFlight: 3, total: 12_000, succeeded: 7_310, errored: 37, resumed: 0, unsent: 0,
    rateLimited: 2, overloaded: 0, retries: 4, requestsPerSecond: 2.4, etaSeconds: 125,
    spend: { spentUsd: 1.5, reservedUsd: 0.2, capUsd: 10 },
    recentErrors: [
      { customId: 'q-7', line: 7, message: 'overloaded' },
      { customId: 'q-9', line: 9, message: '<img src=x onerror="window.__pwned=1">' },
    ],
    startedAt: NOW - 60_000, endedAt: undefined,
    ...partial,
  };
}

function snapshot(runs: RunSnapshot[]): DispatcherSnapshot {
  const dim = (limit: number, remaining: number, softFloor = 0, hardFloor = 0) => ({ limit, remaining, softFloor, hardFloor, resetAt: NOW + 20_000 });
  return {
    at: NOW, inFlight: 14, ceiling: 16, ceilingReason: 'auto', hold: undefined, holdDetail: undefined, holdCause: undefined,
    dimensions: { requests: dim(4000, 3712), inputTokens: dim(2_000_000, 1_240_000, 400_000, 200_000), outputTokens: dim(400_000, 96_000, 100_000, 40_000) },
    retryBudget: { available: 8, perMinute: 10, ratio: 0.2 }, cooldownUntil: undefined, runs, classes: [], tightestClass: undefined,
  };
}

/** A second run: high priority (a badge), stopping (a spinning icon, no controls), no errors. */
const other = run({ id: 'run-2', label: 'other.jsonl', priority: 'high', state: 'stopping', errored: 0, recentErrors: [] });

function model(runs: RunSnapshot[] = [run(), other]): DashboardModel {
  return toDashboardModel({
    snapshots: [{ key: 'API key …a1b2', snapshot: snapshot(runs) }],
    daily: { spentUsd: 4.2, budgetUsd: 50, tokens: 3_100_000 },
    history: [0, 1, 2, 3, 4, 5].map((i) => ({ at: NOW - 50_000 + i * 10_000, requestsPerSecond: 1 + i / 2, remainingShare: 0.6 - i / 20 })),
    batches: [{ name: 'big.jsonl', batches: 2, processing: 10, succeeded: 90, errored: 8, canceled: 0, expired: 0, expiresAt: undefined, ended: false }],
    now: NOW,
  });
}

/** Serves the page and media/ only, as the webview's resource root would. */
function serve(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const origin = `http://${req.headers.host}`;
    const path = new URL(req.url ?? '/', origin).pathname;
    if (path === '/favicon.ico') return void res.writeHead(204).end(); // a webview asks for none
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(dashboardHtml({ cspSource: origin, nonce: NONCE, scriptUri: `${origin}/media/dist/dashboard.js`, styleUri: `${origin}/media/dashboard/dashboard.css`, codiconUri: `${origin}/media/codicon.css` }));
      return;
    }
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(join(ROOT, 'media'))) return void res.writeHead(404).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

/**
 * Stands in for the webview's API and records what the page does with it, before the page runs.
 * Plain JavaScript in a string: tsx would add helpers to a function passed in, which the page lacks.
 */
const STUB_VSCODE_API = `(initialState) => {
  const posted = [];
  const violations = [];
  let state = initialState;
  window.__posted = posted;
  window.__violations = violations;
  window.__state = () => state;
  window.acquireVsCodeApi = () => ({ postMessage: (m) => posted.push(m), getState: () => state, setState: (s) => (state = s) });
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ': ' + e.blockedURI + ' ' + e.sample));
}`;

describe('e2e: the dashboard page under its CSP (Chromium, no VS Code)', function () {
  this.timeout(120_000);
  let server: Server;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const posted = () => page.evaluate(() => (window as unknown as { __posted: WebviewToHost[] }).__posted.slice());
  const uiState = () => page.evaluate(() => (window as unknown as { __state: () => unknown }).__state());
  let sent = 0;
  const send = async (model: DashboardModel) => {
    // A stamp of its own, so the wait below cannot mistake the previous model for this one.
    const m = { ...model, generatedAt: model.generatedAt + ++sent };
    await page.evaluate((model) => window.postMessage({ type: 'model', model }, '*'), m);
    await page.waitForFunction((at) => (document.querySelector('fl-dashboard') as { model?: { generatedAt: number } } | null)?.model?.generatedAt === at, m.generatedAt);
    // Each Lit element updates in its own microtask, parents first: wait until none is pending.
    // (No named functions in here: tsx would wrap them in a helper the page does not have.)
    await page.evaluate(async () => {
      type Lit = Element & { isUpdatePending?: boolean; updateComplete?: Promise<unknown> };
      for (let pass = 0; pass < 50; pass++) {
        const pending: Array<Promise<unknown>> = [];
        const roots: Array<Document | ShadowRoot> = [document];
        for (let root = roots.pop(); root; root = roots.pop()) {
          for (const el of root.querySelectorAll<Lit>('*')) {
            if (el.isUpdatePending && el.updateComplete) pending.push(el.updateComplete);
            if (el.shadowRoot) roots.push(el.shadowRoot);
          }
        }
        if (pending.length === 0) return;
        await Promise.all(pending);
      }
    });
  };
  /** The element that has the keyboard focus, through shadow roots. */
  const focused = () => page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el ? `${el.tagName.toLowerCase()} ${el.getAttribute('aria-label') ?? el.className}` : '';
  });

  async function open(initialState: unknown = undefined): Promise<void> {
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(5_000);
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.addInitScript({ content: `(${STUB_VSCODE_API})(${JSON.stringify(initialState) ?? 'undefined'});` });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0).catch((err: unknown) => {
      throw new Error(`the page never said ready: ${String(err)}\n${errors.join('\n')}`);
    });
    // Through CSSOM, as the CSP wants (an inline style attribute would be refused).
    await page.evaluate((theme) => {
      for (const [name, value] of Object.entries(theme)) document.documentElement.style.setProperty(name, value);
    }, THEME);
  }

  before(async () => {
    ({ server, origin } = await serve());
    browser = await chromium.launch({ executablePath: process.env.FLOORLINE_E2E_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  after(async () => {
    await browser?.close();
    await new Promise((ok) => server?.close(ok));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await page?.screenshot({ path: join(SCREENSHOT_DIR, `failure-dashboard-page-${Date.now()}.png`) }).catch(() => undefined);
    await page?.close();
  });

  it('says ready, draws the model, and breaks no CSP rule doing it', async () => {
    await open();
    assert.deepEqual(await posted(), [{ type: 'ready' }]);
    await send(model());
    const meter = (label: string) => page.locator('.meter').filter({ hasText: label }).first();
    assert.equal(await meter('In flight').locator('.meter-value').innerText(), '14 / 16');
    assert.equal(await meter('Output tokens').locator('.meter-value').innerText(), '96k / 400k');
    assert.equal(await page.locator('.run-brief').first().innerText(), '7,347 / 12,000 · $1.50 / $10.00');
    assert.equal(await page.locator('fl-dashboard .summary').innerText(), '1 running · 1 stopping');
    assert.equal(await page.locator('vscode-badge').filter({ hasText: 'high priority' }).isVisible(), true);
    assert.equal(await page.locator('vscode-icon[name="loading"][spin]').count(), 1);
    assert.equal(await page.getByRole('button', { name: /other\.jsonl$/ }).count(), 1, 'only its fold toggle: stopping has no controls');
    // innerText stops at a shadow root: read the elements inside.
    assert.equal(await page.locator('fl-batches .batch-name').innerText(), 'big.jsonl — 98 of 108');
    assert.equal(await page.locator('fl-stats .stat').filter({ hasText: '429s' }).first().locator('dd').innerText(), '2');
    // Gauge widths go through CSSOM: allowed by the CSP, unlike style="" attributes.
    const track = meter('Output tokens').locator('[role="meter"]');
    assert.equal(await track.getAttribute('aria-valuenow'), '96000');
    assert.match((await track.getAttribute('aria-valuetext')) ?? '', /96k \/ 400k output tokens remaining, soft floor 100k/);
    assert.equal(await track.locator('.meter-fill').evaluate((el) => (el as HTMLElement).style.width), '24%');
    assert.equal(await track.locator('.tick').count(), 2);
    assert.match((await page.locator('fl-chart path.chart-rps').getAttribute('d')) ?? '', /^M\d/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-page.png'), fullPage: true });
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), []);
    assert.deepEqual(errors, []);
  });

  it('two model classes: a row of gauges each, named, with its own in flight and pause', async () => {
    await open();
    const dim = (limit: number, remaining: number, softFloor = 0, hardFloor = 0) => ({ limit, remaining, softFloor, hardFloor, resetAt: NOW + 20_000 });
    // Shared through Redis: who else draws on Haiku. Names come from other machines: text, never markup.
    const participants = [{ name: 'ci@runner-7', share: undefined, used: 0.62 }, { name: 'nightly <b>eval</b>', share: 0.25, used: 0.249 }];
    const haiku = { modelClass: 'haiku', inFlight: 10, ceiling: 12, ceilingReason: 'auto', cooldownUntil: undefined, dimensions: { outputTokens: dim(400_000, 300_000, 40_000, 8_000) }, participants };
    const sonnet = { modelClass: 'sonnet', inFlight: 4, ceiling: 4, ceilingReason: 'auto', cooldownUntil: NOW + 3_000, dimensions: { outputTokens: dim(200_000, 21_000, 20_000, 4_000) } };
    const two = { ...snapshot([run()]), classes: [haiku, sonnet], tightestClass: 'sonnet' };
    await send(toDashboardModel({ snapshots: [{ key: 'API key …a1b2', snapshot: two }], daily: { spentUsd: 0, tokens: 0 }, history: [], now: NOW }));
    const rows = page.locator('.class-row');
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await rows.locator('.class-name').allInnerTexts(), ['haiku', 'sonnet · new requests resume in 3s']);
    const meterIn = (row: number, label: string) => rows.nth(row).locator('.meter').filter({ hasText: label }).first().locator('.meter-value');
    assert.equal(await meterIn(0, 'In flight').innerText(), '10 / 12');
    assert.equal(await meterIn(1, 'Output tokens').innerText(), '21k / 200k');
    assert.deepEqual(await page.locator('.participants li').allInnerTexts(), [
      'haiku ci@runner-7 · 62% of the limit',
      'haiku nightly <b>eval</b> · 25% of the limit · share 25%',
    ]);
    assert.equal(await page.locator('.participants b').count(), 0, 'a participant name is shown as text');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-page-two-classes.png'), fullPage: true });
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), []);
  });

  it('shows what files and the API say as text, never as markup', async () => {
    await open();
    await send(model());
    const link = page.locator('.error-link').filter({ hasText: 'line 9' });
    assert.equal(await link.locator('.error-message').innerText(), 'q-9: <img src=x onerror="window.__pwned=1">');
    assert.equal(await page.locator('fl-error-list img').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it('posts controls and error locations, by mouse and by keyboard', async () => {
    await open();
    await send(model());
    await page.locator('.error-link').filter({ hasText: 'line 7' }).click();
    await page.getByRole('button', { name: 'Pause batch.jsonl' }).click();
    assert.deepEqual((await posted()).slice(1), [
      { type: 'openLocation', runId: 'run-1', line: 7 },
      { type: 'control', action: 'pause', runId: 'run-1' },
    ]);
    assert.equal(await page.getByRole('button', { name: 'Resume batch.jsonl' }).count(), 0, 'only the controls that apply');

    // Keyboard: Stop with Space; the paused model then swaps Pause for Resume under the focus.
    await page.getByRole('button', { name: 'Stop batch.jsonl' }).focus();
    await page.keyboard.press(' ');
    await page.getByRole('button', { name: 'Pause batch.jsonl' }).focus();
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted()).slice(3), [
      { type: 'control', action: 'stop', runId: 'run-1' },
      { type: 'control', action: 'pause', runId: 'run-1' },
    ]);
    await send(model([run({ state: 'paused' }), other]));
    assert.equal(await focused(), 'vscode-button Resume batch.jsonl');
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted()).at(-1), { type: 'control', action: 'resume', runId: 'run-1' });
  });

  it('folds a run card from the keyboard and keeps it folded across a reload of the page', async () => {
    await open();
    await send(model());
    // Found afresh each time: the page is reopened below.
    const card = () => page.locator('fl-run-card').filter({ hasText: 'batch.jsonl' });
    const toggle = () => card().locator('.run-toggle');
    assert.equal(await toggle().getAttribute('aria-expanded'), 'true');
    await toggle().focus();
    await page.keyboard.press('Enter');
    assert.equal(await toggle().getAttribute('aria-expanded'), 'false');
    assert.equal(await toggle().getAttribute('title'), 'Expand batch.jsonl');
    assert.equal(await card().locator('.run-body').isVisible(), false);
    assert.ok(await card().locator('.run-brief').isVisible(), 'the header still tells progress and spend');
    assert.deepEqual(await uiState(), { collapsed: ['run-1'] });

    const saved = await uiState();
    await page.close();
    await open(saved);
    await send(model());
    assert.equal(await toggle().getAttribute('aria-expanded'), 'false');
    await toggle().focus();
    await page.keyboard.press(' ');
    assert.equal(await card().locator('.run-body').isVisible(), true);
    assert.deepEqual(await uiState(), { collapsed: [] });
  });

  it('forgets folded runs that are gone, and says so when there is nothing to show', async () => {
    await open({ collapsed: ['run-1', 'run-old'] });
    await send(model());
    assert.deepEqual(await uiState(), { collapsed: ['run-1'] });
    await send(toDashboardModel({ snapshots: [], daily: { spentUsd: 0, tokens: 0 }, history: [], now: NOW + 1 }));
    assert.deepEqual(await uiState(), { collapsed: [] });
    assert.ok(await page.getByText('No runs yet. Run a .jsonl file').isVisible());
    assert.equal(await page.locator('fl-batches').isVisible(), false);
  });

  it("follows the editor's theme through the components' shadow roots", async () => {
    await open();
    await page.evaluate(() => {
      document.documentElement.style.setProperty('--vscode-errorForeground', 'rgb(255, 0, 0)');
      document.documentElement.style.setProperty('--vscode-charts-blue', 'rgb(0, 0, 255)');
    });
    await send(model());
    assert.equal(await page.locator('.error-message').first().evaluate((el) => getComputedStyle(el).color), 'rgb(255, 0, 0)');
    assert.equal(await page.locator('path.chart-rps').evaluate((el) => getComputedStyle(el).stroke), 'rgb(0, 0, 255)');
  });
});
