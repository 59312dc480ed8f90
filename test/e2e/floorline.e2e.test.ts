// Floorline as a user meets it: the packaged .vsix installed in a real VS Code (code-server), driven
// in headless Chromium — Set API Key, right-click → Run JSONL File, the dashboard and the status
// bar moving, Pause and Resume from the palette (checked at the mock API's own counters), the
// results file, and a broken file that becomes a Problems entry and sends nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Workbench, SCREENSHOT_DIR } from './browser';
import { startCodeServer, type CodeServer } from './code-server';
import { packageVsix } from './vsix';
import { startMockServer, type MockServer } from '../../src/simulator/mock-server';
import { until } from '../helpers/until';

const ROOT = resolve(__dirname, '../..');
const KEY = 'e2e-key-typed-into-set-api-key';
const LINES = 400;
const STATUS_TEXT = /^\d+ · [\d.]+k? · \$/; // "8 · 41k · $0.02" (the $(pulse) icon renders as an icon)

function writeFixture(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const job = Array.from({ length: LINES }, (_, i) =>
    JSON.stringify({ custom_id: `job-${String(i).padStart(3, '0')}`, params: { model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user', content: `Question ${i}: answer briefly.` }] } }),
  );
  writeFileSync(join(dir, 'jobs.jsonl'), job.join('\n') + '\n');
  writeFileSync(
    join(dir, 'broken.jsonl'),
    [job[0], '{"custom_id": "oops", "params": {"model": "claude-haiku-4-5", "max_tokens": 10, "messages": [}', job[1]].join('\n') + '\n',
  );
}

const resultLines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);


describe('Floorline end to end in code-server', function () {
  this.timeout(600_000);
  let tmp: string;
  let workspace: string;
  let mock: MockServer;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'floorline-e2e-'));
    workspace = join(tmp, 'workspace');
    writeFixture(workspace);
    // OTPM-bound, starting just above the soft floor (10%): the dispatcher works along the floor,
    // which is where the status bar turns to warning.
    mock = await startMockServer({
      apiKey: KEY,
      // The job (400 × 120 output tokens) is larger than the full bucket, so however long code-server
      // took to start (the bucket refills meanwhile), the run ends on the floor: there is time to pause.
      limits: { requestsPerMinute: 100_000, inputTokensPerMinute: 100_000_000, outputTokensPerMinute: 30_000 },
      initial: 0.03,
      outputTokens: 120,
      latency: { baseMs: 900, perOutputTokenMs: 0, jitter: 0.2 },
    });
    execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: ROOT, stdio: 'inherit' });
    const vsix = await packageVsix(ROOT, join(tmp, 'floorline.vsix'));
    server = await startCodeServer({
      vsix: [vsix],
      // User settings, as a user would write them; the key goes in through the real command below.
      // A fixed, generous ceiling drives the run onto the soft floor at once, where the status bar warns.
      settings: { 'floorline.baseUrl': mock.url, 'floorline.confirmAboveUsd': 100, 'floorline.maxInFlight': 32 },
      env: { ANTHROPIC_API_KEY: undefined },
    });
    wb = await Workbench.open(server, workspace, { expectFiles: ['jobs.jsonl', 'broken.jsonl'] });
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

  it('takes the API key through Set API Key', async () => {
    await wb!.runCommand('Floorline: Set API Key', 30_000, { opensInput: true });
    await wb!.page.waitForTimeout(300);
    await wb!.answerInputBox(KEY);
    await until(async () => (await wb!.notifications()).some((n) => /API key stored/.test(n)) || undefined, 'the confirmation');
  });

  it('runs a file from the Explorer; dashboard and status bar move; pause and resume hold at the API; results complete', async () => {
    await wb!.explorerContextMenuPick('jobs.jsonl', 'Run JSONL File');

    // The dashboard opens and fills with live figures.
    const dashboard = wb!.activeWebview();
    const meter = (label: string) => dashboard.locator('.meter').filter({ hasText: label }).first().locator('.meter-value');
    await until(async () => {
      const text = await meter('In flight').innerText().catch(() => '');
      return Number(/^(\d+)/.exec(text)?.[1] ?? 0) > 0 || undefined;
    }, 'non-zero in flight on the dashboard');
    const readings: string[] = [];
    for (let i = 0; i < 6; i++) {
      const remaining = await meter('Output tokens').innerText();
      const brief = await dashboard.locator('.run-brief').first().innerText();
      readings.push(`${remaining} | ${brief}`);
      await new Promise((r) => setTimeout(r, 700));
    }
    assert.ok(new Set(readings.map((r) => r.split(' | ')[1])).size > 1, `progress and spend change: ${readings.join(' / ')}`);
    assert.ok(readings.every((r) => /\d/.test(r.split(' | ')[0]!)), `remaining tokens shown: ${readings.join(' / ')}`);
    assert.ok(readings.some((r) => /\$0\.\d{2}/.test(r)), `spend shown: ${readings.join(' / ')}`);
    await wb!.screenshot('floorline-dashboard');

    // The status bar shows the run, and turns to warning along the soft floor.
    const item = await until(async () => {
      const items = await wb!.statusBarItems();
      return items.find((i) => STATUS_TEXT.test(i.text) && i.kind === 'warning');
    }, 'the status bar item in warning', 60_000);
    assert.notEqual(item.background, 'rgba(0, 0, 0, 0)');
    await wb!.page.locator(`[id="${item.id}"]`).hover();
    await wb!.page.waitForTimeout(800);
    await wb!.screenshot('floorline-status-bar');

    // Pause from the palette: once in-flight requests finish, nothing more reaches the API.
    await wb!.runCommand('Floorline: Pause');
    await until(() => mock.stats().inFlight === 0 || undefined, 'in-flight requests to finish', 30_000);
    const whilePaused = mock.stats().received;
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(mock.stats().received, whilePaused, 'no request reached the mock while paused');
    const resultsPath = join(workspace, 'jobs.results.jsonl');
    assert.ok(resultLines(resultsPath).length < LINES, 'paused mid-run');

    await wb!.runCommand('Floorline: Resume');
    await until(() => mock.stats().received > whilePaused || undefined, 'requests again after Resume', 30_000);

    // The results file beside the input is complete: every id exactly once.
    await until(() => resultLines(resultsPath).length >= LINES || undefined, 'every result', 180_000);
    const ids = resultLines(resultsPath).map((l) => JSON.parse(l).custom_id as string);
    assert.equal(new Set(ids).size, LINES);
    assert.equal(ids.length, LINES);
    assert.ok(mock.stats().rateLimited / mock.stats().received <= 0.01, `${mock.stats().rateLimited} answered 429`);
  });

  it('a broken file becomes a Problems entry and nothing is sent', async () => {
    const before = mock.stats().received;
    await wb!.explorerContextMenuPick('broken.jsonl', 'Run JSONL File');
    const problems = await until(async () => {
      const list = await wb!.problems();
      return list.find((p) => /broken\.jsonl|JSON|expected/i.test(p.ariaLabel + p.text) && p.severity === 'error') ? list : undefined;
    }, 'a Problems entry for broken.jsonl');
    assert.ok(problems.some((p) => /\b2\b/.test(p.ariaLabel) || /\[Ln 2/.test(p.text)), `on line 2: ${JSON.stringify(problems)}`);
    await wb!.screenshot('floorline-problems');
    assert.equal(mock.stats().received, before, 'nothing was sent');
    assert.equal(existsSync(join(workspace, 'broken.results.jsonl')), false);
  });

  after(() => {
    // FLOORLINE_E2E_UPDATE_DOCS=1 refreshes the README's screenshots from this run.
    if (!process.env.FLOORLINE_E2E_UPDATE_DOCS) return;
    const docs = join(ROOT, 'docs');
    mkdirSync(docs, { recursive: true });
    copyFileSync(join(SCREENSHOT_DIR, 'floorline-status-bar.png'), join(docs, 'dashboard-and-status-bar.png'));
    copyFileSync(join(SCREENSHOT_DIR, 'floorline-problems.png'), join(docs, 'problems.png'));
  });
});
