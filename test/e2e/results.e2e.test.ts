// After the run, as a user meets it in a real VS Code (code-server, the packaged .vsix): a
// 20,000-line results file opens in the Floorline Results editor; scroll to the end, filter the
// errored lines, open one's detail, jump to its request in the input, Re-run errored (checked at
// the mock API: exactly the ids that had not succeeded reach it, nothing else), and the Runs view
// lists a finished file and a live run. Screenshots in the dark and the light theme for the README.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Frame } from 'playwright-core';
import { Workbench, SCREENSHOT_DIR } from './browser';
import { descendants, startCodeServer, type CodeServer } from './code-server';
import { packageVsix } from './vsix';
import { writeResultsFixture, type ResultsFixture } from './results-fixture';
import { startMockServer, type MockServer } from '../../src/simulator/mock-server';
import { until } from '../helpers/until';

const ROOT = resolve(__dirname, '../..');
const KEY = 'e2e-results-key';
const ROWS = 20_000;
const LIVE_LINES = 2_000;


/** The extension host among code-server's processes (Node, `--type=extensionHost`). */
function extensionHostPid(server: CodeServer): number | undefined {
  return descendants(server.pid).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('extensionHost');
    } catch {
      return false;
    }
  });
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}

describe('the results editor and the Runs view in code-server', function () {
  this.timeout(600_000);
  let tmp: string;
  let workspace: string;
  let fixture: ResultsFixture;
  let mock: MockServer;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;

  /** The frame of the open results page (webviews nest two iframes deep; the dashboard may be open too). */
  async function resultsPage(): Promise<Frame> {
    return until(async () => {
      for (const frame of wb!.page.frames()) {
        if (await frame.locator('fl-results').count().catch(() => 0)) return frame;
      }
      return undefined;
    }, 'the results page');
  }

  const shownText = async (page: Frame) => (await page.locator('.shown').first().innerText()).trim();

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'floorline-results-e2e-'));
    workspace = join(tmp, 'workspace');
    mkdirSync(workspace, { recursive: true });
    fixture = writeResultsFixture(workspace, 'big', ROWS);
    // A job long enough to still be running while the Runs view is looked at: 2,000 lines, 4 in flight, ~1 s each.
    writeFileSync(
      join(workspace, 'live.jsonl'),
      Array.from({ length: LIVE_LINES }, (_, i) =>
        JSON.stringify({ custom_id: `live-${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 32, metadata: { user_id: `live-${i}` }, messages: [{ role: 'user', content: `Live ${i}` }] } }),
      ).join('\n') + '\n',
    );
    mock = await startMockServer({
      apiKey: KEY,
      limits: { requestsPerMinute: 100_000, inputTokensPerMinute: 100_000_000, outputTokensPerMinute: 10_000_000 },
      outputTokens: 20,
      latency: { baseMs: 1000, perOutputTokenMs: 0, jitter: 0.1 },
    });
    execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: ROOT, stdio: 'inherit' });
    const vsix = await packageVsix(ROOT, join(tmp, 'floorline.vsix'));
    server = await startCodeServer({
      vsix: [vsix],
      settings: { 'floorline.baseUrl': mock.url, 'floorline.confirmAboveUsd': 100, 'floorline.maxInFlight': 4 },
      // The key as a CI job gives it: from the environment (Set API Key is covered by floorline.e2e).
      env: { ANTHROPIC_API_KEY: KEY },
    });
    wb = await Workbench.open(server, workspace, { expectFiles: ['big.jsonl', 'big.results.jsonl', 'live.jsonl'] });
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    await mock?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(async function () {
    await wb?.screenshotIfFailed(this.currentTest);
  });

  it('opens a 20,000-line results file in the Results editor: totals, first rows, the end of the file by scrolling', async () => {
    const t0 = Date.now();
    await wb!.explorerRow('big.results.jsonl').dblclick();
    const page = await resultsPage();
    await page.locator('[role="row"][aria-rowindex="2"]:not([aria-busy])').first().waitFor({ timeout: 30_000 });
    console.log(`      [figure] first rows of a ${ROWS.toLocaleString('en-US')}-line results file ${Date.now() - t0} ms after the double-click (webview start included)`);
    assert.match(await page.locator('fl-results-totals h1').innerText(), /big\.results\.jsonl/);
    assert.match(await shownText(page), /20,000/);
    const chips = await page.locator('fl-results-totals .chip').allInnerTexts();
    assert.ok(chips.some((c) => new RegExp(`${fixture.errored.length}\\b`).test(c) && /errored/i.test(c)), `errored chip: ${JSON.stringify(chips)}`);

    // The table holds a window, not the file: far fewer rows in the DOM than in the file.
    assert.ok((await page.locator('[role="grid"] .body [role="row"]').count()) < 200);
    await page.locator('[role="grid"]').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const lastId = fixture.ids[ROWS - 1]!;
    await until(async () => (await page.locator('[role="row"]', { hasText: lastId }).count()) > 0, `the last row (${lastId}) after scrolling to the end`);
    await wb!.screenshot('results-editor-dark');
  });

  it('filters the errored lines, opens one\'s detail, and jumps to its request in the input file', async () => {
    const page = await resultsPage();
    await page.locator('fl-results-totals .chip', { hasText: /errored/i }).click();
    await until(async () => new RegExp(`^${fixture.errored.length} of 20,000`).test(await shownText(page)), 'the errored filter');
    // The rows arrive from the host after the count: wait for them, then every one is errored.
    const statuses = await until(async () => {
      const all = await page.locator('[role="grid"] .body [role="row"]:not([aria-busy]) .status').allInnerTexts();
      return all.length === fixture.errored.length ? all : undefined;
    }, 'the errored rows');
    assert.ok(statuses.every((s) => /errored/i.test(s)), `statuses: ${JSON.stringify(statuses)}`);

    const first = fixture.errored[0]!;
    await page.locator('[role="row"]', { hasText: first }).click();
    // (innerText of a Lit host is its light DOM only: read the parts inside its shadow root.)
    const detail = page.locator('fl-results-detail section');
    await until(async () => /overloaded_error/.test(await detail.locator('pre.error').innerText()), 'the detail with the error envelope');
    assert.match(await detail.locator('#title, h2').first().innerText(), new RegExp(first));
    await wb!.screenshot('results-editor-detail-dark');

    await detail.getByRole('button', { name: /Open the input file at line/ }).click();
    const expectedLine = fixture.ids.indexOf(first) + 1;
    await wb!.waitForStatusBarItem(new RegExp(`Ln ${expectedLine}, Col 1`), 20_000);
    const tab = wb!.page.locator('.tabs-container .tab.active');
    assert.match((await tab.innerText()).replace(/\s+/g, ''), /^big\.jsonl/);
  });

  it('Re-run errored sends exactly the lines that had not succeeded, and the editor follows the file to 0 errored', async () => {
    await wb!.page.locator('.tabs-container .tab', { hasText: 'big.results.jsonl' }).click();
    const page = await resultsPage();
    const before = mock.stats().received;
    await page.locator('fl-results-totals vscode-button', { hasText: /Re-run errored/ }).click();
    const retried = new Set([...fixture.errored, ...fixture.canceled]);
    await until(() => mock.stats().succeeded >= retried.size || undefined, 'the re-run to finish at the mock', 120_000);
    const sent = Object.keys(mock.stats().receivedByKey);
    assert.deepEqual(new Set(sent), retried, 'only the ids without a success reached the API');
    assert.equal(mock.stats().received - before, retried.size, 'each of them once');

    const lines = readFileSync(fixture.resultsPath, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, ROWS);
    assert.ok(lines.every((l) => JSON.parse(l).result.type === 'succeeded'));
    // The resume rewrote the file and appended to it: the open editor re-indexed and follows.
    const resultsTab = wb!.page.locator('.tabs-container .tab', { hasText: 'big.results.jsonl' });
    await resultsTab.click();
    const after = await resultsPage();
    await until(async () => {
      const chips = await after.locator('fl-results-totals .chip').allInnerTexts();
      return chips.some((c) => /errored/i.test(c) && /^\D*0\b/.test(c)) && chips.some((c) => /succeeded/i.test(c) && /20,000/.test(c));
    }, 'the totals at 20,000 succeeded and 0 errored', 30_000);
  });

  it('lists a finished file and a live run in the Runs view', async () => {
    await wb!.explorerContextMenuPick('live.jsonl', 'Run JSONL File');
    await until(() => mock.stats().received > fixture.errored.length + fixture.canceled.length || undefined, 'the live run to start');
    await wb!.page.locator('.activitybar .action-item a[aria-label^="Floorline"]').first().click();
    const runs = wb!.page.locator('.pane', { has: wb!.page.locator('.pane-header', { hasText: /^Runs/i }) }).locator('.monaco-list-row');
    const texts = await until(async () => {
      const all = await runs.allInnerTexts();
      return all.some((t) => /live\.jsonl/.test(t) && /\d+\s*\/\s*2,000/.test(t)) && all.some((t) => /big/.test(t) && /20,000/.test(t)) ? all : undefined;
    }, 'a live run and the finished file in the Runs view', 30_000);
    console.log(`      Runs view: ${texts.map((t) => t.replace(/\s+/g, ' ')).join(' | ')}`);
    await wb!.screenshot('runs-view-dark');

    // The same two views in the light theme (a workspace setting the workbench applies at once).
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'workbench.colorTheme': 'Default Light Modern' }));
    await until(async () => (await wb!.page.locator('.monaco-workbench.vs').count()) > 0, 'the light theme');
    await wb!.page.waitForTimeout(500);
    await wb!.screenshot('runs-view-light');
    await wb!.page.locator('.tabs-container .tab', { hasText: 'big.results.jsonl' }).click();
    await (await resultsPage()).locator('fl-results-totals .chip', { hasText: /errored/i }).click(); // the filter off again
    await (await resultsPage()).locator('[role="grid"] .body [role="row"]').first().waitFor();
    await wb!.page.waitForTimeout(500);
    await wb!.screenshot('results-editor-light');
    await wb!.runCommand('Floorline: Stop');
    // Stopped once its requests in flight are answered: the Runs view drops it from the live ones.
    await until(async () => !(await runs.allInnerTexts()).some((t) => /running|stopping/.test(t)), 'the live run to stop', 30_000);
  });

  it('after a window reload, the dashboard still shows the last run of each file, from its results file', async () => {
    await wb!.runCommand('Developer: Reload Window');
    await wb!.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await wb!.runCommand('Floorline: Show Dashboard', 60_000);
    const dashboard = await until(async () => {
      for (const frame of wb!.page.frames()) {
        if (await frame.locator('fl-dashboard').count().catch(() => 0)) return frame;
      }
      return undefined;
    }, 'the dashboard page');
    // One line per earlier run: its name, how it ended, how much of its file it answered, what it cost.
    const cards = dashboard.locator('section.past fl-run-card article');
    const text = await until(async () => {
      const heads = (await cards.locator('.run-head').allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
      const big = heads.find((h) => /big\.jsonl/.test(h));
      const live = heads.find((h) => /live\.jsonl/.test(h));
      return big && live && /finished/.test(big) && /stopped/.test(live) ? heads.join(' | ') : undefined;
    }, 'big.jsonl (finished) and live.jsonl (stopped) under Earlier runs', 60_000);
    console.log(`      Earlier runs after the reload: ${text}`);
    assert.doesNotMatch(text, /No runs yet/);
    assert.match(text, /20,000 of 20,000 results/, 'a resumed run counts the lines done before it');
    // One dashboard: the tab VS Code restored gave way to the one the command opened.
    assert.equal(await wb!.page.locator('.tabs-container .tab', { hasText: /^Floorline/ }).count(), 1);
    await wb!.screenshot('dashboard-after-reload');
  });

  it('opens a 100,000-line results file: the Runs view counts it, the editor shows it; the extension host\'s memory (figures)', async () => {
    const host = extensionHostPid(server!);
    assert.ok(host, 'the extension host process');
    await wb!.runCommand('View: Close All Editors');
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = rssMb(host);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(host));
    }, 20);
    try {
      // A new file in the workspace: the Runs view's watcher sees it and counts its totals.
      mkdirSync(join(workspace, 'huge'), { recursive: true });
      const huge = writeResultsFixture(join(workspace, 'huge'), 'huge', 100_000);
      const mb = (readFileSync(huge.resultsPath).length / 1e6).toFixed(0);
      const t0 = Date.now();
      const runs = wb!.page.locator('.pane', { has: wb!.page.locator('.pane-header', { hasText: /^Runs/i }) }).locator('.monaco-list-row');
      await until(async () => (await runs.allInnerTexts()).some((t) => /huge/.test(t) && /99,\d{3} succeeded/.test(t)), 'the Runs view to count huge.results.jsonl', 60_000);
      const countedMs = Date.now() - t0;
      const peakCounting = peak;

      // Quick Open, as a user would: Ctrl+P, the name, Enter.
      const t1 = Date.now();
      await wb!.page.keyboard.press('Control+P');
      const input = wb!.page.locator('.quick-input-widget input.input');
      await input.fill('huge.results.jsonl');
      await wb!.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'huge.results.jsonl' }).first().waitFor();
      await wb!.page.keyboard.press('Enter');
      const page = await resultsPage();
      await page.locator('[role="grid"] .body [role="row"]:not([aria-busy])').first().waitFor({ timeout: 60_000 });
      const firstRowsMs = Date.now() - t1;
      await until(async () => /100,000/.test(await shownText(page)), 'the 100,000 rows counted');
      await page.locator('[role="grid"]').evaluate((el) => {
        el.scrollTop = el.scrollHeight / 2;
      });
      await until(async () => (await page.locator('[role="row"]', { hasText: 'req-5' }).count()) > 0, 'rows from the middle of the file');
      await new Promise((r) => setTimeout(r, 500));
      console.log(
        `      [figure] 100,000-line results file (${mb} MB): the Runs view counted it in ${countedMs} ms; the editor showed first rows ${firstRowsMs} ms after Quick Open (webview start included); ` +
          `extension host RSS ${baseline.toFixed(0)} MB before, peak ${peakCounting.toFixed(0)} MB while counting, ${peak.toFixed(0)} MB with the editor open (+${(peak - baseline).toFixed(0)} MB)`,
      );
      // Memory is what the host holds, not a timing: the index is compact, rows are read back by offset.
      assert.ok(peak - baseline < 150, `the extension host grew ${(peak - baseline).toFixed(0)} MB`);
    } finally {
      clearInterval(sampler);
    }
  });

  after(() => {
    if (!process.env.FLOORLINE_E2E_UPDATE_DOCS) return;
    const docs = join(ROOT, 'docs');
    mkdirSync(docs, { recursive: true });
    for (const name of ['results-editor-dark', 'results-editor-detail-dark', 'results-editor-light', 'runs-view-dark', 'runs-view-light']) {
      copyFileSync(join(SCREENSHOT_DIR, `${name}.png`), join(docs, `${name}.png`));
    }
  });
});
