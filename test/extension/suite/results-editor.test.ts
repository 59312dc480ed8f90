// The Floorline Results editor inside a real VS Code: a generated results file opened with the
// custom editor, indexed, queried, and followed while it grows. The page's messages are handed to
// the session directly (`receive`), so this does not depend on the page's script.
import * as assert from 'node:assert/strict';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { FloorlineApi } from '../../../src/extension/extension';
import type { ResultsSession } from '../../../src/extension/results-session';
import { until } from '../../helpers/until';

const folder = () => vscode.workspace.workspaceFolders![0]!.uri;
const file = (name: string) => vscode.Uri.joinPath(folder(), name);


const ROWS = 30;
const ERRORED = new Set([3, 11, 20, 27]);

function resultLine(i: number): string {
  const custom_id = `view-${String(i).padStart(2, '0')}`;
  const base = { custom_id, model: 'claude-haiku-4-5', latency_ms: 200 + i, attempts: 1 };
  if (ERRORED.has(i)) {
    return JSON.stringify({ ...base, result: { type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: `req_${i}` } }, attempts: 5, cost_usd: null, usage: null });
  }
  const message = { id: `msg_${i}`, type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'text', text: `Answer ${i}` }], stop_reason: 'end_turn', usage: { input_tokens: 10, output_tokens: 5 } };
  return JSON.stringify({ ...base, result: { type: 'succeeded', message }, cost_usd: 0.00004, usage: { input_tokens: 10, output_tokens: 5 } });
}

function inputLine(i: number): string {
  return JSON.stringify({ custom_id: `view-${String(i).padStart(2, '0')}`, params: { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: `Question ${i}` }] } });
}

describe('Floorline Results editor', () => {
  let api: FloorlineApi;
  const input = () => file('viewer.jsonl');
  const results = () => file('viewer.results.jsonl');

  before(async () => {
    api = (await vscode.extensions.getExtension('floorline.floorline')!.activate()) as FloorlineApi;
    writeFileSync(input().fsPath, Array.from({ length: ROWS + 3 }, (_, i) => `${inputLine(i)}\n`).join(''));
    writeFileSync(results().fsPath, Array.from({ length: ROWS }, (_, i) => `${resultLine(i)}\n`).join(''));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(input().fsPath, { force: true });
    rmSync(results().fsPath, { force: true });
  });

  const session = (): ResultsSession | undefined => [...api.resultsEditors.sessions].find((s) => s.state().uri === results().toString());

  it('opens a results file in the custom editor, indexes its rows and selects the errored ones', async () => {
    await vscode.commands.executeCommand('vscode.openWith', results(), 'floorline.results');
    await until(() => session() !== undefined, 'the results editor session');
    const s = session()!;
    await s.receive({ type: 'ready' });
    await until(() => s.state().length === ROWS, `${ROWS} rows selected`);
    // Let the page's own start-up messages (its ready, a restored query) pass before querying.
    await new Promise((r) => setTimeout(r, 1_000));
    const totals = s.state().totals!;
    assert.equal(totals.counts.succeeded, ROWS - ERRORED.size);
    assert.equal(totals.counts.errored, ERRORED.size);
    assert.equal(totals.hasInput, true);
    const before = s.state().generation;
    await s.receive({ type: 'results/query', query: { sort: 'row', descending: false, statuses: ['errored'], models: [], search: '' } });
    assert.equal(s.state().length, ERRORED.size);
    assert.ok(s.state().generation > before, 'a new query is a new generation');
    // Messages that are not the page's are ignored.
    await s.receive({ type: 'results/rows', generation: 1, start: 0, count: 10_000 });
    await s.receive({ type: 'nonsense' });
    assert.equal(s.state().length, ERRORED.size);
  });

  it('follows the file as a run appends to it, keeping the generation in the file\'s order', async () => {
    const s = session()!;
    await s.receive({ type: 'results/query', query: { sort: 'row', descending: false, statuses: [], models: [], search: '' } });
    assert.equal(s.state().length, ROWS);
    const generation = s.state().generation;
    appendFileSync(results().fsPath, [ROWS, ROWS + 1, ROWS + 2].map((i) => `${resultLine(i)}\n`).join(''));
    await until(() => s.state().length === ROWS + 3, 'the appended rows');
    assert.equal(s.state().generation, generation, 'rows appended to the file order keep the generation');
    assert.equal(s.state().totals?.rowsText, `${ROWS + 3} results`);
  });

  it('offers Open Results for an input file: its results open in the same editor', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await until(() => session() === undefined, 'the editor to close');
    await vscode.commands.executeCommand('floorline.openResults', input());
    await until(() => session() !== undefined, 'the results editor, from the input file');
  });
});
