// Floorline inside a real VS Code extension host, against the project's mock API.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import sinon from 'sinon';
import { startMockServer, type MockServer } from '../../../src/simulator/mock-server';
import type { FloorlineApi } from '../../../src/extension/extension';
import type { ManagedRun } from '../../../src/extension/run-manager';
import { until } from '../../helpers/until';

const KEY = 'test-key-from-secret-storage';
const MANY = 1_000_000_000;

const folder = () => vscode.workspace.workspaceFolders![0]!.uri;
const file = (name: string) => vscode.Uri.joinPath(folder(), name);
const resultsOf = (name: string) => file(name.replace(/\.jsonl$/, '.results.jsonl')).fsPath;
const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);


describe('Floorline in VS Code', () => {
  let api: FloorlineApi;
  let server: MockServer;
  const sandbox = sinon.createSandbox();

  before(async () => {
    for (const name of ['good.jsonl', 'slow.jsonl', 'long.jsonl', 'bad.jsonl', 'batch.jsonl']) rmSync(resultsOf(name), { force: true });
    rmSync(file('batch.batches.json').fsPath, { force: true });
    server = await startMockServer({
      apiKey: KEY,
      limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY },
      latency: { baseMs: 150, perOutputTokenMs: 0, jitter: 0 },
      outputTokens: 20,
    });
    const config = vscode.workspace.getConfiguration('floorline');
    // User settings, as a user would set them; the fixture's .vscode/settings.json tries to override them.
    await config.update('baseUrl', server.url, vscode.ConfigurationTarget.Global);
    await config.update('confirmAboveUsd', 1_000, vscode.ConfigurationTarget.Global);
    await config.update('maxInFlight', 2, vscode.ConfigurationTarget.Global);
    api = (await vscode.extensions.getExtension('floorline.floorline')!.activate()) as FloorlineApi;
    // Set API Key, through the real command: only its password box is answered by the test.
    sandbox.stub(vscode.window, 'showInputBox').resolves(KEY);
    await vscode.commands.executeCommand('floorline.setApiKey');
    sandbox.restore();
  });

  after(async () => {
    sandbox.restore();
    await server?.close();
  });

  it('registers every command', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['run', 'simulate', 'submitBatch', 'pause', 'resume', 'stop', 'cancel', 'showDashboard', 'setApiKey', 'clearApiKey', 'openResults', 'resumeRun', 'rerunErrored']) {
      assert.ok(all.includes(`floorline.${id}`), id);
    }
  });

  it('runs a fixture file against the mock server, with the key from secret storage, and writes results', async () => {
    assert.equal(process.env.ANTHROPIC_API_KEY, undefined, 'the key can only have come from secret storage');
    const managed = (await vscode.commands.executeCommand('floorline.run', file('good.jsonl'))) as ManagedRun;
    assert.ok(managed, 'the run started');
    await managed.finished;
    const results = lines(resultsOf('good.jsonl')).map((l) => JSON.parse(l));
    assert.equal(results.length, 20);
    assert.ok(results.every((r) => r.result.type === 'succeeded'));
    // The mock accepts only KEY: every request carried the stored key, to the user's base URL.
    assert.equal(server.stats().succeeded, 20);
  });

  it('lists the run\'s results file in the Runs view, with its input', async () => {
    let item: Awaited<ReturnType<FloorlineApi['runsView']['items']>>[number] | undefined;
    const deadline = Date.now() + 10_000;
    while (!item && Date.now() < deadline) {
      item = (await api.runsView.items()).find((i) => i.label === 'good.results.jsonl');
      if (!item) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(item, 'good.results.jsonl in the Runs view');
    assert.match(item.contextValue, /\bpastRun\b/);
    assert.match(item.contextValue, /\bhasInput\b/);
  });

  it('submits a file as a Message Batch, shows it in the status bar, writes its results and says when it ended', async () => {
    const notes: string[] = [];
    const info = sandbox.stub(vscode.window, 'showInformationMessage').callsFake(async (message: string) => {
      notes.push(message);
      return undefined;
    });
    try {
      await vscode.commands.executeCommand('floorline.submitBatch', file('batch.jsonl'));
      assert.equal(server.stats().batchesCreated, 1);
      assert.match(notes[0] ?? '', /submitted as 1 Message Batch \(10 requests\)/);
      await until(() => api.batchStatusBar.current?.text !== undefined && api.batchStatusBar.current.text !== '', 'the batch status bar item');
      assert.match(api.batchStatusBar.current!.text, /\/10 batched/);
      await until(() => lines(resultsOf('batch.jsonl')).length === 10, 'the batch results', 60_000);
      const results = lines(resultsOf('batch.jsonl')).map((l) => JSON.parse(l));
      assert.ok(results.every((r) => r.result.type === 'succeeded' && r.usage.service_tier === 'batch'));
      await until(() => notes.some((n) => /Message Batch for batch\.jsonl ended — 10 succeeded/.test(n)), 'the notification');
      assert.equal(api.batchStatusBar.current!.text, '', 'hidden once nothing is processing');
    } finally {
      info.restore();
    }
  });

  it('Submit errored as batch, from the results editor, sends only the lines without a success; the editor follows', async () => {
    const input = file('rebatch.jsonl');
    const results = file('rebatch.results.jsonl');
    const ids = Array.from({ length: 6 }, (_, i) => `rebatch-${i}`);
    const errored = new Set(['rebatch-1', 'rebatch-4']);
    writeFileSync(input.fsPath, ids.map((id) => JSON.stringify({ custom_id: id, params: { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: id }] } })).join('\n') + '\n');
    const usage = { input_tokens: 5, output_tokens: 5 };
    const line = (id: string) =>
      errored.has(id)
        ? { custom_id: id, result: { type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }, model: 'claude-haiku-4-5', latency_ms: 100, attempts: 5, cost_usd: 0, usage: null }
        : { custom_id: id, result: { type: 'succeeded', message: { id: `msg_${id}`, type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage } }, model: 'claude-haiku-4-5', latency_ms: 100, attempts: 1, cost_usd: 0.00003, usage };
    writeFileSync(results.fsPath, ids.map((id) => `${JSON.stringify(line(id))}\n`).join(''));
    const info = sandbox.stub(vscode.window, 'showInformationMessage').resolves(undefined);
    try {
      await vscode.commands.executeCommand('vscode.openWith', results, 'floorline.results');
      const session = await until(() => [...api.resultsEditors.sessions].find((s) => s.state().uri === results.toString()), 'the results editor');
      await session.receive({ type: 'ready' });
      await until(() => session.state().totals?.counts.errored === 2, 'the totals');
      const before = server.stats().batchRequests;
      await session.receive({ type: 'results/action', action: 'submitErroredBatch' });
      assert.equal(server.stats().batchRequests - before, errored.size, 'the batch holds only the errored lines');
      const succeeded = () => lines(results.fsPath).filter((l) => JSON.parse(l).result.type === 'succeeded').length;
      await until(() => succeeded() === ids.length, 'the batch\'s results in the file', 60_000);
      await until(() => session.state().totals?.counts.succeeded === ids.length && session.state().totals?.counts.errored === 0, 'the editor to follow the file');
    } finally {
      info.restore();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      for (const name of ['rebatch.jsonl', 'rebatch.results.jsonl', 'rebatch.batches.json', 'rebatch.results.jsonl.journal']) rmSync(file(name).fsPath, { force: true });
    }
  });

  it('ignores a workspace that tries to redirect the key to another base URL', () => {
    const inspected = vscode.workspace.getConfiguration('floorline').inspect<string>('baseUrl');
    assert.equal(inspected?.globalValue, server.url);
    // The fixture's .vscode/settings.json names another URL; the requests above still reached the mock.
    assert.notEqual(vscode.workspace.getConfiguration('floorline').get('baseUrl'), 'http://127.0.0.1:9/a-workspace-must-not-redirect-the-key');
    assert.ok(server.stats().received >= 20);
  });

  it('pause stops new dispatches reaching the API; resume continues', async () => {
    server.configure({ latency: { baseMs: 400, perOutputTokenMs: 0, jitter: 0 } });
    const managed = (await vscode.commands.executeCommand('floorline.run', file('slow.jsonl'))) as ManagedRun;
    await until(() => managed.run.succeeded >= 4, 'a few results');
    await vscode.commands.executeCommand('floorline.pause');
    await until(() => managed.run.inFlight === 0, 'in-flight requests to finish');
    const received = server.stats().received;
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(server.stats().received, received, 'nothing reached the API while paused');
    assert.equal(managed.run.state, 'paused');
    await vscode.commands.executeCommand('floorline.resume');
    await managed.finished;
    assert.equal(lines(resultsOf('slow.jsonl')).length, 40);
    server.configure({ latency: { baseMs: 150, perOutputTokenMs: 0, jitter: 0 } });
  });

  it('turns the status bar to warning, then error, as remaining tokens fall to the floors', async () => {
    // 6,000 OTPM (soft floor 600, warning under 720, hard floor 120) and another tenant taking
    // 1,000 tokens/s — more than the bucket refills — so remaining falls through both thresholds.
    server.configure({ limits: { outputTokensPerMinute: 6_000 }, latency: { baseMs: 300, perOutputTokenMs: 0, jitter: 0 }, tenantLoad: { outputPerSec: 1_000 } });
    const managed = (await vscode.commands.executeCommand('floorline.run', file('long.jsonl'))) as ManagedRun;
    const seen: string[] = [];
    const texts: string[] = [];
    const watcher = setInterval(() => {
      const current = api.statusBar.current;
      if (!current) return;
      if (seen.at(-1) !== current.severity) seen.push(current.severity);
      texts.push(current.text);
    }, 25);
    try {
      await until(() => seen.includes('error'), 'the error background', 60_000);
      assert.ok(texts.some((t) => /^\$\(pulse\) \d+ · [\d.]+k? · \$/.test(t)), `running text (saw ${texts.at(-1)})`);
      assert.ok(seen.indexOf('warning') !== -1 && seen.indexOf('warning') < seen.indexOf('error'), `warning came before error (${seen.join(' → ')})`);
      // The other tenant stops: the bucket refills past the soft floor and the run goes on.
      server.configure({ tenantLoad: { outputPerSec: 0 } });
      await until(() => api.statusBar.current?.severity !== 'error', 'recovery from the hard floor', 60_000);
    } finally {
      clearInterval(watcher);
      server.configure({ tenantLoad: { outputPerSec: 0 }, limits: { outputTokensPerMinute: MANY } });
      await vscode.commands.executeCommand('floorline.stop');
      await managed.finished;
    }
  });

  it('a bad file becomes Problems entries on its lines, and nothing is sent', async () => {
    const received = server.stats().received;
    sandbox.stub(vscode.window, 'showErrorMessage').resolves(undefined);
    const managed = await vscode.commands.executeCommand('floorline.run', file('bad.jsonl'));
    sandbox.restore();
    assert.equal(managed, undefined);
    const diagnostics = vscode.languages.getDiagnostics(file('bad.jsonl'));
    assert.deepEqual(diagnostics.map((d) => d.range.start.line).sort(), [1, 2]);
    assert.ok(diagnostics.some((d) => /temperature/.test(d.message)));
    assert.equal(server.stats().received, received);
    assert.equal(existsSync(resultsOf('bad.jsonl')), false);
  });
});
