// Proves the e2e infrastructure with a real extension in a real VS Code (code-server): package a
// .vsix, install it, start the server, drive the workbench in Chromium. Needs `bash test/e2e/setup.sh`.
//   npx mocha --timeout 600000 test/e2e/smoke.e2e.test.ts
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workbench } from './browser';
import { descendants, isAlive, startCodeServer, type CodeServer } from './code-server';
import { SMOKE_COMMAND_TITLE, writeSmokeExtension } from './smoke-extension';
import { packageVsix } from './vsix';

describe('e2e smoke: code-server + Chromium + a packaged extension', function () {
  this.timeout(600_000);
  let tmp: string;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  let serverTree: number[] = [];
  const fixture = (): string => join(tmp, 'workspace');

  before(async function () {
    const t0 = Date.now();
    tmp = mkdtempSync(join(tmpdir(), 'floorline-smoke-'));
    mkdirSync(fixture());
    writeFileSync(join(fixture(), 'sample.jsonl'), '{"model":"claude","messages":[]}\n');
    writeFileSync(join(fixture(), 'notes.txt'), 'not a jsonl file\n');

    const vsix = await packageVsix(writeSmokeExtension(join(tmp, 'ext')), join(tmp, 'smoke.vsix'));
    const t1 = Date.now();
    server = await startCodeServer({ vsix: [vsix], settings: { 'smoke.greeting': 'from-user-settings' } });
    const t2 = Date.now();
    wb = await Workbench.open(server, fixture(), { expectFiles: ['sample.jsonl', 'notes.txt'] });
    const t3 = Date.now();
    serverTree = descendants(server.pid);
    console.log(
      `      [timing] vsce package ${t1 - t0} ms, install + start code-server ${t2 - t1} ms, ` +
        `workbench ready + trusted ${t3 - t2} ms`,
    );
  });

  after(async function () {
    await wb?.close();
    const pid = server?.pid;
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (pid) {
      const left = [pid, ...serverTree].filter(isAlive);
      assert.deepEqual(left, [], `code-server processes left running: ${left.join(' ')}`);
    }
  });

  it('runs "Smoke: Hello" from the command palette and shows its status bar item', async function () {
    await wb!.runCommand(SMOKE_COMMAND_TITLE);
    const item = await wb!.waitForStatusBarItem('smoke-ok');
    assert.match(item.text, /smoke-ok from-user-settings trusted=true/); // user settings.json + trust
    assert.equal(item.kind, 'warning', JSON.stringify(item));
    assert.notEqual(item.background, 'rgba(0, 0, 0, 0)', 'warning items have a background');
    await wb!.screenshot('smoke-status-bar');
  });

  it('offers the command on .jsonl files in the Explorer context menu, not on others', async function () {
    const jsonl = await wb!.explorerContextMenu('sample.jsonl');
    assert.ok(jsonl.includes(SMOKE_COMMAND_TITLE), `menu: ${JSON.stringify(jsonl)}`);
    await wb!.screenshot('smoke-context-menu');
    const txt = await wb!.explorerContextMenu('notes.txt');
    assert.ok(!txt.includes(SMOKE_COMMAND_TITLE), `menu: ${JSON.stringify(txt)}`);
    await wb!.page.keyboard.press('Escape');

    await wb!.explorerContextMenuPick('sample.jsonl', SMOKE_COMMAND_TITLE);
    await wb!.waitForStatusBarItem('file=sample.jsonl'); // the handler received the file's URI
  });

  it('lists the extension diagnostic in the Problems panel', async function () {
    const problems = await wb!.problems();
    const hit = problems.find((p) => p.text.includes('smoke diagnostic'));
    assert.ok(hit, `problems: ${JSON.stringify(problems)}`);
    assert.equal(hit.severity, 'warning');
    await wb!.screenshot('smoke-problems');
  });
});
