import assert from 'node:assert/strict';
import sinon from 'sinon';
import { DEFAULT_RESULTS_QUERY, type ResultsQuery } from '../../../src/core/results/result-rows';
import { MAX_ROWS_PER_REQUEST, type ResultsQueryModel } from '../../../src/extension/protocol';
import { afterRefresh, clampRows, Generations, isFileOrder, RefreshThrottle, toResultsQuery } from '../../../src/extension/results-follow';

const q = (over: Partial<ResultsQuery> = {}): ResultsQuery => ({ ...DEFAULT_RESULTS_QUERY, ...over });

describe('results editor bookkeeping', () => {
  it('takes the page\'s query as a copy, search trimmed', () => {
    const model: ResultsQueryModel = { sort: 'costUsd', descending: true, statuses: ['errored'], models: ['m'], search: '  timeout ' };
    const query = toResultsQuery(model);
    assert.deepEqual(query, { sort: 'costUsd', descending: true, statuses: ['errored'], models: ['m'], search: 'timeout' });
    model.statuses.push('expired');
    assert.deepEqual(query.statuses, ['errored'], 'not the page\'s array');
  });

  it('knows the file order: by row, ascending, nothing filtered or searched', () => {
    assert.equal(isFileOrder(q()), true);
    assert.equal(isFileOrder(q({ descending: true })), false);
    assert.equal(isFileOrder(q({ sort: 'costUsd' })), false);
    assert.equal(isFileOrder(q({ statuses: ['errored'] })), false);
    assert.equal(isFileOrder(q({ models: ['m'] })), false);
    assert.equal(isFileOrder(q({ search: 'x' })), false);
  });

  it('keeps the generation only for rows appended to the file order', () => {
    assert.equal(afterRefresh(q(), { appended: 0, reindexed: false }), 'unchanged');
    assert.equal(afterRefresh(q(), { appended: 3, reindexed: false }), 'extend');
    assert.equal(afterRefresh(q({ statuses: ['errored'] }), { appended: 3, reindexed: false }), 'reselect');
    assert.equal(afterRefresh(q({ sort: 'latencyMs' }), { appended: 1, reindexed: false }), 'reselect');
    assert.equal(afterRefresh(q(), { appended: 0, reindexed: true }), 'reselect', 'a resume rewrote the file');
    assert.equal(afterRefresh(q(), { appended: 5, reindexed: true }), 'reselect');
  });

  it('clamps a rows request to the selection and the per-request cap', () => {
    assert.deepEqual(clampRows(0, 100, 1_000), { start: 0, count: 100 });
    assert.deepEqual(clampRows(990, 100, 1_000), { start: 990, count: 10 });
    assert.deepEqual(clampRows(0, MAX_ROWS_PER_REQUEST * 4, 1e6), { start: 0, count: MAX_ROWS_PER_REQUEST });
    assert.equal(clampRows(1_000, 10, 1_000), undefined);
    assert.equal(clampRows(0, 10, 0), undefined);
  });

  it('names selections: a newer one wins, a kept one keeps its number', () => {
    const g = new Generations();
    assert.equal(g.current, 0);
    const first = g.begin();
    assert.equal(g.settle(first, false), 1);
    assert.equal(g.current, 1);
    // Rows appended: the same generation.
    assert.equal(g.settle(g.begin(), true), 1);
    // Two queries in flight: the older one is dropped, whichever finishes first.
    const a = g.begin();
    const b = g.begin();
    assert.equal(g.settle(a, false), undefined);
    assert.equal(g.current, 1);
    assert.equal(g.settle(b, false), 2);
    // Keep before anything was shown still gives a first generation.
    const fresh = new Generations();
    assert.equal(fresh.settle(fresh.begin(), true), 1);
  });

  describe('refresh throttle', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers();
    });
    afterEach(() => clock.restore());

    it('reads once per burst, after the interval', async () => {
      let runs = 0;
      const t = new RefreshThrottle(async () => void runs++, 250);
      for (let i = 0; i < 10; i++) t.poke();
      await clock.tickAsync(249);
      assert.equal(runs, 0);
      await clock.tickAsync(1);
      assert.equal(runs, 1);
      await clock.tickAsync(1_000);
      assert.equal(runs, 1);
    });

    it('reads at most four times a second under a steady stream of changes', async () => {
      let runs = 0;
      const t = new RefreshThrottle(async () => void runs++, 250);
      for (let ms = 0; ms < 2_000; ms += 10) {
        t.poke();
        await clock.tickAsync(10);
      }
      assert.ok(runs >= 7 && runs <= 8, `${runs} reads in 2 s`);
    });

    it('never reads twice at once: a change during a read reads again after it', async () => {
      let running = 0;
      let most = 0;
      let runs = 0;
      const t = new RefreshThrottle(async () => {
        running++;
        most = Math.max(most, running);
        runs++;
        await new Promise((r) => setTimeout(r, 1_000));
        running--;
      }, 250);
      t.poke();
      await clock.tickAsync(300);
      assert.equal(runs, 1);
      t.poke();
      t.poke();
      await clock.tickAsync(1_000);
      assert.equal(runs, 1, 'still reading');
      await clock.tickAsync(300);
      assert.equal(runs, 2);
      assert.equal(most, 1);
    });

    it('survives a failed read and stops when disposed', async () => {
      let runs = 0;
      const t = new RefreshThrottle(async () => {
        runs++;
        throw new Error('gone');
      }, 250);
      t.poke();
      await clock.tickAsync(250);
      t.poke();
      await clock.tickAsync(250);
      assert.equal(runs, 2);
      t.poke();
      t.dispose();
      await clock.tickAsync(1_000);
      t.poke();
      await clock.tickAsync(1_000);
      assert.equal(runs, 2);
    });
  });
});
