import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sinon from 'sinon';
import { readSpendJournal, SpendJournal } from '../../../../src/core/spend/spend-journal';
import { BooksError, SpendLedger, assertAmount } from '../../../../src/core/spend/spend-ledger';

describe('the spend journal', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-journal-'));
    file = path.join(dir, 'jobs.results.jsonl.journal');
  });
  afterEach(() => {
    sinon.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a missing journal carries nothing', async () => {
    assert.deepEqual(await readSpendJournal(file), { carriedUsd: 0, unsettled: 0 });
  });

  it('counts settled costs, and every unsettled reservation at its worst case (requests in flight at a crash)', async () => {
    fs.writeFileSync(file, ['{"carried":0.5}', '{"r":1,"w":0.2}', '{"r":2,"w":0.3}', '{"s":1,"c":0.05}', '{"r":3,"w":0.4}', '{"s":3,"c":0}', ''].join('\n'));
    const reading = await readSpendJournal(file);
    assert.equal(reading.unsettled, 1);
    assert.ok(Math.abs(reading.carriedUsd - (0.5 + 0.05 + 0.3 + 0)) < 1e-12, String(reading.carriedUsd));
  });

  it('ignores a torn last line (its request had not been sent), but refuses a foreign line in the middle', async () => {
    fs.writeFileSync(file, '{"r":1,"w":0.2}\n{"s":1,"c":0.1}\n{"r":2,"w');
    assert.ok(Math.abs((await readSpendJournal(file)).carriedUsd - 0.1) < 1e-12);
    fs.writeFileSync(file, '{"r":1,"w":0.2}\nhello\n{"s":1,"c":0.1}\n');
    await assert.rejects(readSpendJournal(file), /:2: not a Floorline spend journal line/);
  });

  it('refuses NaN, negative or infinite amounts: they would lift a cap', async () => {
    fs.writeFileSync(file, '{"r":1,"w":-5}\n');
    await assert.rejects(readSpendJournal(file), BooksError);
  });

  it('open compacts earlier runs into one carried line; reservations and settlements are appended and read back', async () => {
    fs.writeFileSync(file, '{"r":1,"w":0.2}\n{"r":2,"w":0.3}\n');
    const journal = SpendJournal.open(file, { durable: false, carriedUsd: 0.5 });
    assert.equal(fs.readFileSync(file, 'utf8'), '{"carried":0.5}\n');
    const a = journal.reserve(0.25);
    const b = journal.reserve(0.125);
    journal.settle(a, 0.01);
    journal.close();
    // b was in flight when the run "died": its worst case counts.
    assert.ok(Math.abs((await readSpendJournal(file)).carriedUsd - (0.5 + 0.01 + 0.125)) < 1e-12);
    assert.notEqual(a, b);
  });

  it('a durable journal fdatasyncs on flush, once for everything appended since the last one; a cheap one never does', () => {
    // The module object itself: the namespace import is a read-only view of it.
    const sync = sinon.spy(require('node:fs') as typeof fs, 'fdatasyncSync');
    const durable = SpendJournal.open(file, { durable: true, carriedUsd: 0 });
    const before = sync.callCount; // the compaction's own sync
    durable.reserve(0.1);
    durable.reserve(0.2);
    durable.flush();
    durable.flush();
    assert.equal(sync.callCount - before, 1);
    durable.close();
    const other = path.join(dir, 'other.journal');
    const cheap = SpendJournal.open(other, { durable: false, carriedUsd: 0 });
    const mark = sync.callCount;
    cheap.reserve(0.1);
    cheap.flush();
    cheap.close();
    assert.equal(sync.callCount, mark);
  });

  it('refuses to write through a symbolic link', () => {
    const target = path.join(dir, 'notes.txt');
    fs.writeFileSync(target, 'mine\n');
    fs.symlinkSync(target, file);
    assert.throws(() => SpendJournal.open(file, { durable: false, carriedUsd: 0 }), /symbolic link/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'mine\n');
  });
});

/**
 * The journal as it was read before it was streamed (the whole file as one string), kept as the
 * oracle: streaming must change the memory, not the verdict.
 */
function readWhole(path: string, text: string): { carriedUsd: number; unsettled: number } {
  let carried = 0;
  const open = new Map<number, number>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let entry: { carried?: unknown; r?: unknown; w?: unknown; s?: unknown; c?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      if (index === lines.length - 1) return;
      throw new Error(`${path}:${index + 1}: not a Floorline spend journal line. Move the file away only if you know the spend it recorded.`);
    }
    if (typeof entry.carried === 'number') carried += assertAmount('journal carried amount', entry.carried);
    else if (typeof entry.r === 'number' && typeof entry.w === 'number') open.set(entry.r, assertAmount('journal reservation', entry.w));
    else if (typeof entry.s === 'number' && typeof entry.c === 'number') {
      open.delete(entry.s);
      carried += assertAmount('journal settlement', entry.c);
    }
  });
  for (const worst of open.values()) carried += worst;
  return { carriedUsd: carried, unsettled: open.size };
}

describe('the spend journal, read as a stream', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-journal-stream-'));
    file = path.join(dir, 'jobs.results.jsonl.journal');
  });
  afterEach(() => {
    sinon.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Both readings of `text`: the same sums (to the last bit: same order of additions), or the same error. */
  async function sameAsWhole(text: string, what: string): Promise<void> {
    fs.writeFileSync(file, text);
    let expected: { carriedUsd: number; unsettled: number } | Error;
    try {
      expected = readWhole(file, text);
    } catch (err) {
      expected = err as Error;
    }
    if (expected instanceof Error) await assert.rejects(readSpendJournal(file), (err: Error) => err.message === (expected as Error).message, what);
    else assert.deepEqual(await readSpendJournal(file), expected, what);
  }

  /** A run's journal: `requests` reservations, settled but for `unsettledEvery`-th, after a carried line. */
  function journalOf(requests: number, unsettledEvery = 0): string {
    const lines = ['{"carried":1.25}'];
    for (let i = 1; i <= requests; i++) {
      lines.push(`{"r":${i},"w":${(i % 97) / 1000}}`);
      if (!unsettledEvery || i % unsettledEvery !== 0) lines.push(`{"s":${i},"c":${(i % 13) / 10000}}`);
    }
    return `${lines.join('\n')}\n`;
  }

  it('sums a journal of many chunks as reading it whole did, without reading it whole', async () => {
    const read = sinon.spy(require('node:fs') as typeof fs, 'readFileSync');
    // ~3 MB: dozens of the reader's 64 KiB chunks, records cut across their edges.
    const text = journalOf(70_000, 1_000);
    await sameAsWhole(text, 'many records');
    assert.equal(read.getCalls().filter((c) => String(c.args[0]) === file).length, 0, 'the journal was read whole');
    const reading = await readSpendJournal(file);
    assert.equal(reading.unsettled, 70);
  });

  it('treats a torn last line as before, wherever it falls: ignored without a line break after it, foreign with one', async () => {
    const whole = journalOf(5_000, 7);
    for (const cut of [1, 5, 17, 64 * 1024 - 3, 64 * 1024, 64 * 1024 + 1, whole.length - 40, whole.length - 2]) {
      const torn = whole.slice(0, cut).replace(/\n$/, '') + '{"r":99999,"w';
      await sameAsWhole(torn, `torn after byte ${cut}`);
      await sameAsWhole(`${torn}\n`, `torn after byte ${cut}, then a line break`);
      await sameAsWhole(`${torn}\n\n`, `torn after byte ${cut}, then a blank line`);
    }
    await sameAsWhole(`${whole}\0\0\0\0`, 'zeroed blocks after a crash');
  });

  it('reads blank lines, CRLF line ends and JSON of other shapes as before', async () => {
    await sameAsWhole('\n\n{"carried":0.5}\r\n\r\n{"r":1,"w":0.2}\r\n  \n{"s":1,"c":0.1}\r\n', 'CRLF and blanks');
    await sameAsWhole('{"carried":0.5}\n5\n"x"\n[1]\n{"r":"1","w":2}\n{"s":1}\n{}\n', 'other shapes are not entries');
    await sameAsWhole('', 'empty');
    await sameAsWhole('\n', 'one line break');
    await sameAsWhole('{"carried":0.5}', 'one line, no line break');
    await sameAsWhole('garbage', 'one torn line and nothing else');
  });

  it('agrees with reading it whole on random journals', async () => {
    let seed = 12345;
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pieces = ['{"carried":0.5}', '{"r":1,"w":0.25}', '{"r":2,"w":0.125}', '{"s":1,"c":0.01}', '{"s":2,"c":0}', '{"s":3,"c":0.5}', '', '  ', 'hello', '{"r":3,"w', '{"carried":-1}', '\r'];
    for (let n = 0; n < 300; n++) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 8) }, () => pieces[Math.floor(random() * pieces.length)]!);
      const text = lines.join('\n') + (random() < 0.5 ? '\n' : '');
      await sameAsWhole(text, JSON.stringify(text));
    }
  });

  it('says which journal it could not read', async () => {
    fs.mkdirSync(file);
    await assert.rejects(readSpendJournal(file), (err: Error) => err.message.startsWith(`${file}: cannot read the spend journal (`));
  });
});

describe('the spend ledger keeps honest books', () => {
  for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
    it(`stops loudly on ${bad}, as a reservation, a settlement or a starting amount`, () => {
      const ledger = new SpendLedger(1);
      assert.throws(() => ledger.tryReserve(bad), BooksError);
      const r = ledger.tryReserve(0.1)!;
      assert.throws(() => ledger.settle(r, bad), BooksError);
      assert.equal(r.settled, false, 'a refused settlement leaves the reservation held');
      assert.throws(() => new SpendLedger(1, bad), BooksError);
      assert.throws(() => assertAmount('x', bad), /x/);
    });
  }

  it('tells its recorder of every reservation and settlement (the journal), with the amounts', () => {
    const events: string[] = [];
    let next = 7;
    const ledger = new SpendLedger(1, 0, { reserve: (w) => (events.push(`r${next}:${w}`), next++), settle: (id, c) => events.push(`s${id}:${c}`) });
    const a = ledger.tryReserve(0.5)!;
    const b = ledger.tryReserve(0.25)!;
    assert.equal(ledger.tryReserve(0.5), undefined, 'over the cap: not reserved, not recorded');
    ledger.settle(a, 0.1);
    ledger.keepWorstCase(b);
    assert.deepEqual(events, ['r7:0.5', 'r8:0.25', 's7:0.1', 's8:0.25']);
  });
});
