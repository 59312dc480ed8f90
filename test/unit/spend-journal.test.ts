import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sinon from 'sinon';
import { readSpendJournal, SpendJournal } from '../../src/core/spend/spend-journal';
import { BooksError, SpendLedger, assertAmount } from '../../src/core/spend/spend-ledger';

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

  it('a missing journal carries nothing', () => {
    assert.deepEqual(readSpendJournal(file), { carriedUsd: 0, unsettled: 0 });
  });

  it('counts settled costs, and every unsettled reservation at its worst case (requests in flight at a crash)', () => {
    fs.writeFileSync(file, ['{"carried":0.5}', '{"r":1,"w":0.2}', '{"r":2,"w":0.3}', '{"s":1,"c":0.05}', '{"r":3,"w":0.4}', '{"s":3,"c":0}', ''].join('\n'));
    const reading = readSpendJournal(file);
    assert.equal(reading.unsettled, 1);
    assert.ok(Math.abs(reading.carriedUsd - (0.5 + 0.05 + 0.3 + 0)) < 1e-12, String(reading.carriedUsd));
  });

  it('ignores a torn last line (its request had not been sent), but refuses a foreign line in the middle', () => {
    fs.writeFileSync(file, '{"r":1,"w":0.2}\n{"s":1,"c":0.1}\n{"r":2,"w');
    assert.ok(Math.abs(readSpendJournal(file).carriedUsd - 0.1) < 1e-12);
    fs.writeFileSync(file, '{"r":1,"w":0.2}\nhello\n{"s":1,"c":0.1}\n');
    assert.throws(() => readSpendJournal(file), /:2: not a Floorline spend journal line/);
  });

  it('refuses NaN, negative or infinite amounts: they would lift a cap', () => {
    fs.writeFileSync(file, '{"r":1,"w":-5}\n');
    assert.throws(() => readSpendJournal(file), BooksError);
  });

  it('open compacts earlier runs into one carried line; reservations and settlements are appended and read back', () => {
    fs.writeFileSync(file, '{"r":1,"w":0.2}\n{"r":2,"w":0.3}\n');
    const journal = SpendJournal.open(file, { durable: false, carriedUsd: 0.5 });
    assert.equal(fs.readFileSync(file, 'utf8'), '{"carried":0.5}\n');
    const a = journal.reserve(0.25);
    const b = journal.reserve(0.125);
    journal.settle(a, 0.01);
    journal.close();
    // b was in flight when the run "died": its worst case counts.
    assert.ok(Math.abs(readSpendJournal(file).carriedUsd - (0.5 + 0.01 + 0.125)) < 1e-12);
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
