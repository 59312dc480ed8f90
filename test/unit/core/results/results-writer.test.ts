import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { prepareResume, ResultsWriter } from '../../../../src/core/results';
import type { ResultLine } from '../../../../src/core/types';

// The real module object (not an import-interop copy), so stubs reach the writer too.
const realFs = require('node:fs') as typeof fs;

function ok(id: string, extra: Partial<ResultLine> = {}): ResultLine {
  return {
    custom_id: id,
    result: { type: 'succeeded', message: { content: [{ type: 'text', text: `hi\n"${id}"` }] } },
    model: 'claude-haiku-4-5',
    latency_ms: 12,
    attempts: 1,
    cost_usd: 0.001,
    usage: { input_tokens: 3, output_tokens: 5 },
    ...extra,
  };
}

const readLines = (file: string): string[] => {
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'file ends with a newline');
  return text === '' ? [] : text.slice(0, -1).split('\n');
};

describe('results: ResultsWriter', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-writer-'));
  });
  afterEach(() => {
    sinon.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the file and its directory, and writes one whole JSON line per result', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'jobs.results.jsonl');
    const writer = await ResultsWriter.open(file);
    const lines = [ok('a'), ok('b', { cost_usd: null, usage: null }), ok('c')];
    for (const line of lines) writer.append(line);
    assert.equal(writer.linesWritten, 3);
    writer.close();

    const written = readLines(file);
    assert.equal(written.length, 3);
    assert.deepEqual(written.map((l) => JSON.parse(l) as unknown), lines);
  });

  it('is readable line by line before close (each append reaches the OS at once)', async () => {
    const file = path.join(dir, 'r.jsonl');
    const writer = await ResultsWriter.open(file, { fdatasync: () => undefined });
    writer.append(ok('a'));
    assert.equal(readLines(file).length, 1);
    writer.append(ok('b'));
    assert.equal(readLines(file).length, 2);
    writer.close();
  });

  it('continues the file after a reopen', async () => {
    const file = path.join(dir, 'r.jsonl');
    const first = await ResultsWriter.open(file);
    first.append(ok('a'));
    first.close();
    const second = await ResultsWriter.open(file);
    second.append(ok('b'));
    assert.equal(second.linesWritten, 1);
    second.close();
    assert.deepEqual(readLines(file).map((l) => (JSON.parse(l) as ResultLine).custom_id), ['a', 'b']);
  });

  it('close is idempotent and append after close throws', async () => {
    const writer = await ResultsWriter.open(path.join(dir, 'r.jsonl'));
    writer.append(ok('a'));
    writer.close();
    writer.close();
    assert.equal(writer.closed, true);
    assert.throws(() => writer.append(ok('b')), /closed/);
  });

  it('writes nothing for a line that cannot be serialised', async () => {
    const file = path.join(dir, 'r.jsonl');
    const writer = await ResultsWriter.open(file);
    assert.throws(() => writer.append(ok('a', { usage: { input_tokens: 1, output_tokens: 1, big: 1n } })));
    writer.append(ok('b'));
    writer.close();
    assert.equal(readLines(file).length, 1);
  });

  it('refuses a torn tail until prepareResume repairs it; the next line then starts fresh', async () => {
    const file = path.join(dir, 'r.jsonl');
    fs.writeFileSync(file, `${JSON.stringify(ok('a'))}\n{"custom_id":"b","res`);
    await assert.rejects(ResultsWriter.open(file), /incomplete.*prepareResume/s);

    const state = await prepareResume(file);
    assert.equal(state.tornTailRepaired, true);
    const writer = await ResultsWriter.open(file);
    writer.append(ok('b'));
    writer.close();
    assert.deepEqual(readLines(file).map((l) => (JSON.parse(l) as ResultLine).custom_id), ['a', 'b']);
  });

  it('fdatasyncs at most once per interval, then on close (injected clock, no sleeps)', async () => {
    let now = 10_000;
    const syncs: number[] = [];
    const writer = await ResultsWriter.open(path.join(dir, 'r.jsonl'), {
      now: () => now,
      fdatasync: () => syncs.push(now),
    });
    writer.append(ok('1')); // the first line after a quiet spell is made durable at once
    assert.deepEqual(syncs, [10_000]);
    for (let i = 0; i < 50; i++) writer.append(ok(`burst-${i}`));
    now += 999;
    writer.append(ok('2'));
    assert.deepEqual(syncs, [10_000], 'nothing more within the second');
    now += 1;
    writer.append(ok('3'));
    assert.deepEqual(syncs, [10_000, 11_000]);
    now += 200;
    writer.append(ok('4'));
    writer.sync(); // explicit: e.g. the dispatcher going idle
    assert.deepEqual(syncs, [10_000, 11_000, 11_200]);
    writer.sync(); // nothing new to sync
    assert.equal(syncs.length, 3);
    now += 100;
    writer.append(ok('5'));
    writer.close();
    writer.close();
    assert.deepEqual(syncs, [10_000, 11_000, 11_200, 11_300], 'close syncs what is pending, once');
  });

  it('does not sync on close when nothing is pending', async () => {
    let calls = 0;
    const writer = await ResultsWriter.open(path.join(dir, 'r.jsonl'), { now: () => 0, fdatasync: () => calls++ });
    writer.append(ok('a'));
    assert.equal(calls, 1);
    writer.close();
    assert.equal(calls, 1);
  });

  it('uses the real fs.fdatasyncSync by default', async () => {
    const spy = sinon.spy(realFs, 'fdatasyncSync');
    const writer = await ResultsWriter.open(path.join(dir, 'r.jsonl'));
    for (let i = 0; i < 100; i++) writer.append(ok(`x${i}`));
    writer.close();
    assert.ok(spy.callCount >= 2 && spy.callCount <= 3, `fdatasync calls: ${spy.callCount}`);
  });

  it('stops accepting lines after a failed write, so a torn fragment stays last', async () => {
    const file = path.join(dir, 'r.jsonl');
    const writer = await ResultsWriter.open(file);
    writer.append(ok('a'));
    const stub = sinon.stub(realFs, 'writeSync').throws(Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }));
    assert.throws(() => writer.append(ok('b')), /ENOSPC/);
    stub.restore();
    assert.throws(() => writer.append(ok('c')), /earlier write failed/);
    writer.close();
    assert.equal(readLines(file).length, 1);
  });

  it('appends 100k small lines quickly', async function () {
    this.timeout(30_000);
    const file = path.join(dir, 'big.jsonl');
    const writer = await ResultsWriter.open(file);
    const n = 100_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) writer.append(ok(`line-${i}`));
    writer.close();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const bytes = fs.statSync(file).size;
    console.log(`      100k appends: ${ms.toFixed(0)} ms (${Math.round(n / (ms / 1000))} lines/s, ${(bytes / 1e6).toFixed(1)} MB)`);
    assert.equal(writer.linesWritten, n);
    assert.ok(ms < 5_000, `took ${ms} ms`);
  });
});
