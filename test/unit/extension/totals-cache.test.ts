import assert from 'node:assert/strict';
import type { ResultsTotals } from '../../../src/core/results/result-rows';
import { TotalsCache } from '../../../src/extension/totals-cache';

function totals(rows: number): ResultsTotals {
  return {
    rows, succeeded: rows, errored: 0, canceled: 0, expired: 0, costUsd: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0,
    latencyP50Ms: null, latencyP95Ms: null, models: [], simulatedRows: 0, unreadable: 0, unreadableLines: [], partialTail: false, bytes: rows,
  };
}

/** Fake files: size and mtime per path; counting reads `size` rows. Records every count and how many run at once. */
function harness() {
  const files = new Map<string, { size: number; mtimeMs: number }>();
  const counted: string[] = [];
  let running = 0;
  let maxRunning = 0;
  let counts = 0;
  const cache = new TotalsCache({
    stat: async (path) => {
      const f = files.get(path);
      if (!f) throw new Error(`ENOENT ${path}`);
      return { ...f };
    },
    count: async (path) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      counted.push(path);
      return totals(files.get(path)!.size);
    },
    onDidCount: () => counts++,
  });
  const settle = () => new Promise((r) => setTimeout(r, 30));
  return { files, counted, cache, settle, maxRunning: () => maxRunning, counts: () => counts };
}

describe('TotalsCache', () => {
  it('counts lazily, one file at a time, and says counting until then', async () => {
    const h = harness();
    for (const p of ['a', 'b', 'c']) h.files.set(p, { size: 3, mtimeMs: 1 });
    assert.deepEqual(h.cache.get('a'), { state: 'counting' });
    h.cache.get('b');
    h.cache.get('c');
    h.cache.get('a'); // asked twice while queued: counted once
    await h.settle();
    assert.deepEqual(h.counted, ['a', 'b', 'c']);
    assert.equal(h.maxRunning(), 1);
    assert.equal(h.counts(), 3);
    const a = h.cache.get('a');
    assert.equal(a.state, 'ready');
    assert.equal(a.state === 'ready' && a.totals.rows, 3);
  });

  it('after a watcher event re-reads only the file whose size or mtime changed', async () => {
    const h = harness();
    for (const p of ['a', 'b']) h.files.set(p, { size: 3, mtimeMs: 1 });
    h.cache.get('a');
    h.cache.get('b');
    await h.settle();
    h.files.set('a', { size: 5, mtimeMs: 2 });
    h.cache.invalidate('a');
    h.cache.invalidate('b'); // touched, not changed
    const during = h.cache.get('a');
    assert.equal(during.state === 'ready' && during.totals.rows, 3, 'the old totals until the new ones are counted');
    h.cache.get('b');
    await h.settle();
    assert.deepEqual(h.counted, ['a', 'b', 'a']);
    const a = h.cache.get('a');
    assert.equal(a.state === 'ready' && a.totals.rows, 5);
    h.cache.get('a');
    h.cache.get('b');
    await h.settle();
    assert.deepEqual(h.counted, ['a', 'b', 'a'], 'nothing re-read without a watcher event');
  });

  it('a missing file reads as an error; a forgotten one is counted afresh', async () => {
    const h = harness();
    h.cache.get('gone');
    await h.settle();
    assert.equal(h.cache.get('gone').state, 'error');
    h.files.set('gone', { size: 1, mtimeMs: 1 });
    h.cache.forget('gone');
    assert.deepEqual(h.cache.get('gone'), { state: 'counting' });
    await h.settle();
    assert.equal(h.cache.get('gone').state, 'ready');
  });
});
