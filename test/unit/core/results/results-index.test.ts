import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ResultsIndex } from '../../../../src/core/results';
import { DEFAULT_RESULTS_QUERY, RESULT_STATUSES, RESULTS_COLUMNS, type ResultsColumn, type ResultsQuery } from '../../../../src/core/results/result-rows';
import type { ResultLine } from '../../../../src/core/types';
import { jsonl, manyLines, resultLine } from '../../../helpers/result-lines';

const query = (q: Partial<ResultsQuery> = {}): ResultsQuery => ({ ...DEFAULT_RESULTS_QUERY, ...q });

/** The value a column sorts by, read from a parsed line the way a reader would (absent: null). */
function keyOf(l: ResultLine, column: ResultsColumn, row: number): number | string | null {
  const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
  switch (column) {
    case 'row':
      return row;
    case 'customId':
      return l.custom_id;
    case 'status':
      return RESULT_STATUSES.indexOf(l.result.type);
    case 'model':
      return l.model;
    case 'inputTokens':
      return n(l.usage?.input_tokens);
    case 'outputTokens':
      return n(l.usage?.output_tokens);
    case 'costUsd':
      return n(l.cost_usd);
    case 'latencyMs':
      return n(l.latency_ms);
    case 'attempts':
      return n(l.attempts);
  }
}

/** The reference order: stable, absent values last either way. */
function referenceOrder(lines: ResultLine[], rows: number[], column: ResultsColumn, descending: boolean): number[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = keyOf(lines[a]!, column, a);
    const y = keyOf(lines[b]!, column, b);
    if (x === y) return a - b;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -sign : sign;
  });
}

async function allRows(index: ResultsIndex, q: ResultsQuery): Promise<number[]> {
  const s = await index.select(q);
  return Array.from({ length: s.length }, (_, i) => s.rowAt(i));
}

describe('ResultsIndex', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-results-index-'));
    file = path.join(dir, 'jobs.results.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives windows of rows, each read back from its line', async () => {
    const lines = Array.from({ length: 250 }, (_, i) => resultLine(`id-${i}`, { text: `first line ${i}\nsecond line`, cost: i / 1000, fallbackFrom: i === 3 ? 'claude-opus-4-7' : undefined }));
    fs.writeFileSync(file, jsonl(lines));
    const index = await ResultsIndex.open(file);
    assert.equal(index.path, file);
    const all = await index.select(query());
    assert.equal(all.length, 250);
    const first = await index.rows(all, 0, 10);
    assert.deepEqual(first.map((r) => r.customId), Array.from({ length: 10 }, (_, i) => `id-${i}`));
    assert.deepEqual(first[3], {
      row: 3, line: 4, customId: 'id-3', status: 'succeeded', model: 'claude-haiku-4-5', fallbackFrom: 'claude-opus-4-7',
      inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.003, latencyMs: 100, attempts: 1,
      errorType: undefined, preview: 'first line 3', simulated: false,
    });
    const last = await index.rows(all, 240, 20);
    assert.deepEqual(last.map((r) => r.row), Array.from({ length: 10 }, (_, i) => 240 + i));
    assert.deepEqual(await index.rows(all, 300, 5), []);
    const detail = await index.detail(7);
    assert.equal(detail?.row.customId, 'id-7');
    assert.deepEqual(detail?.result, lines[7]);
    assert.equal(await index.detail(250), undefined);
    assert.throws(() => all.rowAt(250), RangeError);
  });

  it('sorts by every column, both ways, and filters, as a sort of the parsed lines does (20,000 rows)', async function () {
    this.timeout(30_000);
    const lines = manyLines(20_000);
    fs.writeFileSync(file, jsonl(lines));
    const index = await ResultsIndex.open(file);
    const every = lines.map((_, i) => i);
    for (const column of RESULTS_COLUMNS) {
      for (const descending of [false, true]) {
        assert.deepEqual(await allRows(index, query({ sort: column, descending })), referenceOrder(lines, every, column, descending), `${column} ${descending ? 'desc' : 'asc'}`);
      }
    }
    const filters: Array<Partial<ResultsQuery>> = [
      { statuses: ['errored'] },
      { statuses: ['canceled', 'expired'], sort: 'latencyMs', descending: true },
      { models: ['__proto__', 'claude-opus-4-7'], sort: 'costUsd' },
      { models: ['constructor'], statuses: ['succeeded'], sort: 'customId' },
      { models: ['no-such-model'] },
    ];
    for (const f of filters) {
      const q = query(f);
      const kept = every.filter((i) => (q.statuses.length === 0 || q.statuses.includes(lines[i]!.result.type)) && (q.models.length === 0 || q.models.includes(lines[i]!.model)));
      assert.deepEqual(await allRows(index, q), referenceOrder(lines, kept, q.sort, q.descending), JSON.stringify(f));
    }
  });

  it('searches the custom_id, the reply and the error message, case-insensitively, not the other fields', async () => {
    const lines = [
      resultLine('alpha-1', { text: 'The quick brown Fox' }),
      resultLine('beta-2', { kind: 'errored', message: 'Rate limit: "slow down" / wait' }),
      resultLine('FOXTROT', { text: 'nothing here' }),
      resultLine('gamma-4', { model: 'fox-model', text: 'plain' }),
      resultLine('delta-5', { text: 'café au lait' }),
    ];
    const escaped = JSON.stringify(resultLine('eps-6', { text: 'CAFÉ' })).replace('CAF\u00c9', 'CAF\\u00c9');
    fs.writeFileSync(file, jsonl(lines) + escaped + '\n');
    const index = await ResultsIndex.open(file);
    assert.deepEqual(await allRows(index, query({ search: 'fox' })), [0, 2]);
    assert.deepEqual(await allRows(index, query({ search: '"SLOW DOWN" / wait' })), [1]);
    assert.deepEqual(await allRows(index, query({ search: 'café' })), [4, 5]);
    assert.deepEqual(await allRows(index, query({ search: 'fox', sort: 'customId' })), [2, 0]);
    assert.deepEqual(await allRows(index, query({ search: 'fox', statuses: ['errored'] })), []);
    assert.deepEqual(await allRows(index, query({ search: 'claude-haiku' })), []);
  });

  it('searches a large file and finds what a scan of the parsed lines finds', async () => {
    const lines = manyLines(20_000, 7);
    fs.writeFileSync(file, jsonl(lines));
    const index = await ResultsIndex.open(file);
    const expected = lines.flatMap((l, i) => (l.result.type === 'succeeded' && JSON.stringify(l.result.message).toLowerCase().includes('needle') ? [i] : []));
    assert.ok(expected.length > 1000);
    assert.deepEqual(await allRows(index, query({ search: 'NEEDLE' })), expected);
  });

  it('follows a growing file: new lines on refresh, a partial tail only once it is complete', async () => {
    fs.writeFileSync(file, jsonl([resultLine('a'), resultLine('b')]));
    const index = await ResultsIndex.open(file);
    assert.equal(index.totals().rows, 2);
    fs.appendFileSync(file, jsonl([resultLine('c')]));
    assert.deepEqual(await index.refresh(), { appended: 1, reindexed: false });
    const partial = JSON.stringify(resultLine('d', { cost: 0.5 }));
    fs.appendFileSync(file, partial.slice(0, 30));
    assert.deepEqual(await index.refresh(), { appended: 0, reindexed: false });
    assert.equal(index.totals().partialTail, true);
    assert.equal(index.totals().rows, 3);
    fs.appendFileSync(file, `${partial.slice(30)}\n`);
    assert.deepEqual(await index.refresh(), { appended: 1, reindexed: false });
    const t = index.totals();
    assert.equal(t.partialTail, false);
    assert.equal(t.rows, 4);
    assert.equal(t.bytes, fs.statSync(file).size);
    assert.equal(Math.round(t.costUsd * 1000), 503);
    const s = await index.select(query());
    assert.deepEqual((await index.rows(s, 0, 10)).map((r) => [r.customId, r.line]), [['a', 1], ['b', 2], ['c', 3], ['d', 4]]);
    assert.deepEqual(await index.refresh(), { appended: 0, reindexed: false });
  });

  it('leaves a torn last line out of the rows', async () => {
    fs.writeFileSync(file, jsonl([resultLine('a')]) + '{"custom_id":"b","res');
    const index = await ResultsIndex.open(file);
    const t = index.totals();
    assert.equal(t.rows, 1);
    assert.equal(t.partialTail, true);
    assert.equal(t.unreadable, 0);
    assert.equal(t.bytes, Buffer.byteLength(jsonl([resultLine('a')])));
  });

  it('indexes afresh a file rewritten shorter, or replaced, and refuses a selection from before', async () => {
    fs.writeFileSync(file, jsonl([resultLine('a'), resultLine('b', { kind: 'errored' }), resultLine('c')]));
    const index = await ResultsIndex.open(file);
    const before = await index.select(query());
    // A resume drops the errored line: a new file renamed over the old one.
    fs.writeFileSync(`${file}.tmp`, jsonl([resultLine('a'), resultLine('c')]));
    fs.renameSync(`${file}.tmp`, file);
    assert.deepEqual(await index.refresh(), { appended: 2, reindexed: true });
    assert.equal(index.totals().errored, 0);
    await assert.rejects(index.rows(before, 0, 3), /select again/);
    // Rewritten in place, shorter.
    fs.writeFileSync(file, jsonl([resultLine('z')]));
    assert.deepEqual(await index.refresh(), { appended: 1, reindexed: true });
    // Rewritten in place, as long, with another start.
    fs.writeFileSync(file, jsonl([resultLine('y')]));
    assert.deepEqual(await index.refresh(), { appended: 1, reindexed: true });
    const s = await index.select(query());
    assert.deepEqual((await index.rows(s, 0, 5)).map((r) => r.customId), ['y']);
  });

  it('counts unreadable lines, skips blank ones, and keeps line numbers as an editor shows them', async () => {
    const text = [
      '\uFEFF' + JSON.stringify(resultLine('a')),
      '',
      'not json',
      '   ',
      '{"custom_id":"x","result":{"type":"pending"}}',
      '[1,2]',
      JSON.stringify(resultLine('b')) + '\r',
      '{"result":{"type":"succeeded"}}',
    ].join('\n') + '\n';
    fs.writeFileSync(file, text);
    const index = await ResultsIndex.open(file);
    const t = index.totals();
    assert.equal(t.rows, 2);
    assert.equal(t.unreadable, 4);
    assert.deepEqual(t.unreadableLines, [3, 5, 6, 8]);
    const s = await index.select(query());
    assert.deepEqual((await index.rows(s, 0, 5)).map((r) => [r.customId, r.line]), [['a', 1], ['b', 7]]);
  });

  it('takes model names and error types from the file as they are, "__proto__" and "constructor" included', async () => {
    fs.writeFileSync(file, jsonl([
      resultLine('a', { model: '__proto__' }),
      resultLine('b', { model: 'constructor', kind: 'errored', errorType: '__proto__' }),
      resultLine('c', { model: '__proto__', kind: 'errored', errorType: 'toString' }),
      resultLine('d', { model: 'hasOwnProperty' }),
    ]));
    const index = await ResultsIndex.open(file);
    assert.deepEqual(index.models(), ['__proto__', 'constructor', 'hasOwnProperty']);
    assert.deepEqual(index.totals().models, [{ model: '__proto__', rows: 2 }, { model: 'constructor', rows: 1 }, { model: 'hasOwnProperty', rows: 1 }]);
    assert.deepEqual(await allRows(index, query({ models: ['__proto__'] })), [0, 2]);
    assert.deepEqual(await allRows(index, query({ models: ['toString'] })), []);
    const groups = await index.errorGroups();
    assert.deepEqual(groups.map((g) => [g.type, g.count]), [['__proto__', 1], ['toString', 1]]);
  });

  it('treats NaN-like, negative, infinite and non-numeric amounts as absent', async () => {
    const raw = '{"custom_id":"a","result":{"type":"succeeded","message":{}},"model":"m","latency_ms":-5,"attempts":1e999,"cost_usd":1e999,"usage":{"input_tokens":"12","output_tokens":-1,"cache_read_input_tokens":null}}';
    fs.writeFileSync(file, `${raw}\n${JSON.stringify(resultLine('b', { cost: 0.25, latency: 40 }))}\n`);
    const index = await ResultsIndex.open(file);
    const [a] = await index.rows(await index.select(query()), 0, 1);
    assert.deepEqual([a!.costUsd, a!.latencyMs, a!.inputTokens, a!.outputTokens, a!.cacheReadTokens, a!.attempts, a!.preview], [null, null, null, null, null, 0, '']);
    const t = index.totals();
    assert.equal(t.costUsd, 0.25);
    assert.equal(t.latencyP50Ms, 40);
    assert.deepEqual(await allRows(index, query({ sort: 'costUsd' })), [1, 0]);
    assert.deepEqual(await allRows(index, query({ sort: 'costUsd', descending: true })), [1, 0]);
  });

  it('groups errors by type, most first, with their lines, ids and messages', async () => {
    const lines = [
      resultLine('a', { kind: 'errored', errorType: 'overloaded_error', message: 'Overloaded 1' }),
      resultLine('b'),
      resultLine('c', { kind: 'errored', errorType: 'invalid_request_error', message: 'bad' }),
      resultLine('d', { kind: 'errored', errorType: 'overloaded_error', message: 'Overloaded 2' }),
      resultLine('e', { kind: 'errored', errorType: 'overloaded_error', message: 'Overloaded 3' }),
    ];
    fs.writeFileSync(file, jsonl(lines));
    const index = await ResultsIndex.open(file);
    assert.deepEqual(await index.errorGroups(2), [
      { type: 'overloaded_error', count: 3, examples: [{ line: 1, customId: 'a', message: 'Overloaded 1' }, { line: 4, customId: 'd', message: 'Overloaded 2' }] },
      { type: 'invalid_request_error', count: 1, examples: [{ line: 3, customId: 'c', message: 'bad' }] },
    ]);
    const [row] = await index.rows(await index.select(query({ statuses: ['errored'] })), 0, 1);
    assert.equal(row!.preview, 'overloaded_error: Overloaded 1');
    assert.equal(row!.errorType, 'overloaded_error');
  });

  it('reads a results file through a symbolic link, without changing it', async function () {
    if (process.platform === 'win32') this.skip();
    fs.writeFileSync(file, jsonl([resultLine('a')]));
    const link = path.join(dir, 'link.results.jsonl');
    fs.symlinkSync(file, link);
    const before = fs.readFileSync(file);
    const index = await ResultsIndex.open(link);
    assert.equal(index.totals().rows, 1);
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it('rejects a named pipe at once, without waiting for a writer', async function () {
    if (process.platform === 'win32') this.skip();
    const fifo = path.join(dir, 'pipe.results.jsonl');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(ResultsIndex.open(fifo), /not a regular file/);
  });

  it('rejects a missing file', async () => {
    await assert.rejects(ResultsIndex.open(path.join(dir, 'none.results.jsonl')), /ENOENT/);
  });
});
