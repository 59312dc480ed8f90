// The results page's logic that is not DOM (media/results/page.ts, query.ts): the window of rows a
// viewport needs, the pages asked for and forgotten, what a new view does to the rows held and to
// the scroll (following a live file's end), the keyboard, and the queries the controls build.
import assert from 'node:assert/strict';
import {
  endScrollTop, isAtEnd, MAX_PAGES, moveSelection, PAGE_SIZE, pageRange, pagesFor, revealScrollTop, ROW_HEIGHT, RowCache,
  rowsPerPage, scrollAfterView, visibleRange,
} from '../../../media/results/page';
import {
  ariaSort, clearFilters, DEFAULT_QUERY, erroredActions, sameQuery, toggleSort, toggleStatus, withModels, withSearch, withStatuses,
} from '../../../media/results/query';
import { isWebviewToHost, MAX_ROWS_PER_REQUEST, type ResultRowModel } from '../../../src/extension/protocol';

function rows(start: number, count: number): ResultRowModel[] {
  return Array.from({ length: count }, (_, i) => ({
    row: start + i, customId: `id-${start + i}`, status: 'succeeded', model: 'claude', inputTokens: '1', outputTokens: '2',
    cost: '$0.01', latency: '1.0 s', attempts: '1', preview: 'hi',
  }));
}

/** Answers every request the cache makes, as a host would. */
function answer(cache: RowCache, range: { start: number; end: number }, now = 0): number {
  const requests = cache.requests(range, now);
  for (const { start, count } of requests) cache.addRows(cache.generation, start, rows(start, count));
  return requests.length;
}

describe('the results page: the window of rows', () => {
  it('asks for pages no bigger than the protocol allows, in messages the guard accepts', () => {
    assert.ok(PAGE_SIZE <= MAX_ROWS_PER_REQUEST);
    const cache = new RowCache();
    cache.setView(3, 100_000);
    const requests = cache.requests(visibleRange(50_000 * ROW_HEIGHT, 600, 100_000), 0);
    assert.ok(requests.length >= 1);
    for (const { start, count } of requests) {
      assert.equal(start % PAGE_SIZE, 0, 'aligned');
      assert.ok(isWebviewToHost({ type: 'results/rows', generation: 3, start, count }));
    }
  });

  it('works out the rows in sight, with overscan, clamped to the selection', () => {
    assert.deepEqual(visibleRange(0, 240, 1000, 24, 5), { start: 0, end: 15 });
    assert.deepEqual(visibleRange(2400, 240, 1000, 24, 5), { start: 95, end: 115 });
    assert.deepEqual(visibleRange(23_900, 240, 1000, 24, 5), { start: 990, end: 1000 });
    assert.deepEqual(visibleRange(0, 240, 0), { start: 0, end: 0 });
    assert.deepEqual(visibleRange(-50, 240, 3, 24, 5), { start: 0, end: 3 });
  });

  it('finds the pages a viewport needs: one, or two across a boundary, none when empty', () => {
    assert.deepEqual(pagesFor({ start: 0, end: 30 }), [0]);
    assert.deepEqual(pagesFor({ start: 190, end: 215 }), [0, 1]);
    assert.deepEqual(pagesFor({ start: 400, end: 400 }), []);
    assert.deepEqual(pageRange(2, 450), { start: 400, end: 450 });
    assert.deepEqual(pageRange(3, 450), { start: 450, end: 450 });
  });

  it('asks for a missing page once, again after a while unanswered, and not once held', () => {
    const cache = new RowCache();
    cache.setView(1, 450);
    assert.deepEqual(cache.requests({ start: 390, end: 420 }, 0), [{ start: 200, count: 200 }, { start: 400, count: 50 }]);
    assert.deepEqual(cache.requests({ start: 390, end: 420 }, 1000), [], 'asked already');
    assert.equal(cache.requests({ start: 390, end: 420 }, 10_000).length, 2, 'unanswered: asked again');
    cache.addRows(1, 200, rows(200, 200));
    cache.addRows(1, 400, rows(400, 50));
    assert.deepEqual(cache.requests({ start: 390, end: 420 }, 20_000), []);
    assert.equal(cache.row(401)?.customId, 'id-401');
    assert.equal(cache.row(199), undefined);
  });

  it('keeps the window and forgets far pages: never more than MAX_PAGES pages held', () => {
    const cache = new RowCache();
    cache.setView(1, 1_000_000);
    // Scroll from the top to the end, a viewport at a time.
    for (let top = 0; top < 1_000_000; top += 7_919) {
      const range = visibleRange(top * ROW_HEIGHT, 800, 1_000_000);
      answer(cache, range);
      cache.evict(range);
      assert.ok(cache.heldPages().length <= MAX_PAGES);
      assert.ok(cache.heldRows() <= MAX_PAGES * PAGE_SIZE);
      for (let i = range.start; i < range.end; i++) assert.ok(cache.row(i), `row ${i} of the window is held`);
    }
  });

  it('evicts the pages farthest from the window first', () => {
    const cache = new RowCache();
    cache.setView(1, 10_000);
    for (let p = 0; p < 12; p++) cache.addRows(1, p * PAGE_SIZE, rows(p * PAGE_SIZE, PAGE_SIZE));
    const dropped = cache.evict({ start: 1000, end: 1040 }, 4);
    assert.deepEqual(cache.heldPages(), [4, 5, 6, 3].sort((a, b) => a - b));
    assert.deepEqual(dropped, [0, 1, 2, 7, 8, 9, 10, 11]);
  });

  it('drops every row on a new generation, and rows that come for an old one', () => {
    const cache = new RowCache();
    assert.equal(cache.setView(1, 500), 'reset');
    answer(cache, { start: 0, end: 50 });
    assert.equal(cache.heldRows(), 200);
    assert.equal(cache.setView(2, 500), 'reset');
    assert.equal(cache.heldRows(), 0);
    assert.equal(cache.addRows(1, 200, rows(200, 200)), false, 'late answer for the old query');
    assert.equal(cache.heldRows(), 0);
    assert.equal(cache.requests({ start: 0, end: 50 }, 0).length, 1, 'asked again for the new generation');
  });

  it('keeps the rows when the same generation grows, and fills up the last page again', () => {
    const cache = new RowCache();
    cache.setView(1, 250);
    answer(cache, { start: 200, end: 250 });
    assert.equal(cache.row(249)?.row, 249);
    assert.equal(cache.setView(1, 300), 'grew');
    assert.equal(cache.row(249)?.row, 249, 'kept');
    assert.equal(cache.row(260), undefined);
    assert.deepEqual(cache.requests({ start: 240, end: 300 }, 0), [{ start: 200, count: 100 }], 'the partial page again');
    assert.equal(cache.setView(1, 300), 'same');
    assert.equal(cache.setView(1, 220), 'shrank');
    assert.equal(cache.row(230), undefined);
    assert.equal(cache.addRows(1, 400, rows(400, 10)), false, 'past the end');
  });

  it('follows the end of a live file only when the end was in view', () => {
    const height = 240;
    assert.equal(scrollAfterView('reset', true, 5000, 1000, height), 0, 'a new query starts at the top');
    const end = endScrollTop(1000, height);
    assert.equal(end, 1000 * ROW_HEIGHT - height);
    assert.ok(isAtEnd(end, height, 1000));
    assert.ok(isAtEnd(end - 5, height, 1000), 'within half a row');
    assert.ok(!isAtEnd(end - 100, height, 1000));
    assert.ok(isAtEnd(0, height, 3), 'a short file shows its end');
    assert.equal(scrollAfterView('grew', true, end, 1100, height), endScrollTop(1100, height), 'follows');
    assert.equal(scrollAfterView('grew', false, 480, 1100, height), 480, 'stays where the user was');
    assert.equal(scrollAfterView('same', true, 480, 1000, height), 480);
    assert.equal(scrollAfterView('shrank', false, end, 10, height), 0, 'clamped');
  });

  it('moves the selection with the keyboard and scrolls it into view', () => {
    assert.equal(moveSelection('ArrowDown', -1, 10, 5), 0);
    assert.equal(moveSelection('ArrowDown', 9, 10, 5), 9);
    assert.equal(moveSelection('ArrowUp', 0, 10, 5), 0);
    assert.equal(moveSelection('ArrowUp', 4, 10, 5), 3);
    assert.equal(moveSelection('PageDown', 2, 10, 5), 7);
    assert.equal(moveSelection('PageDown', 7, 10, 5), 9);
    assert.equal(moveSelection('PageUp', 3, 10, 5), 0);
    assert.equal(moveSelection('Home', 7, 10, 5), 0);
    assert.equal(moveSelection('End', 0, 100_000, 5), 99_999);
    assert.equal(moveSelection('a', 0, 10, 5), undefined);
    assert.equal(moveSelection('ArrowDown', -1, 0, 5), undefined);
    assert.equal(rowsPerPage(240, 24), 9);
    assert.equal(rowsPerPage(10, 24), 1);
    assert.equal(revealScrollTop(5, 0, 240, 24), 0, 'in view: no move');
    assert.equal(revealScrollTop(20, 0, 240, 24), 21 * 24 - 240, 'below: to the bottom edge');
    assert.equal(revealScrollTop(2, 480, 240, 24), 48, 'above: to the top edge');
  });
});

describe('the results page: queries and actions', () => {
  it('sorts by a header: the same column flips, another starts ascending', () => {
    const byCost = toggleSort(DEFAULT_QUERY, 'costUsd');
    assert.deepEqual([byCost.sort, byCost.descending], ['costUsd', false]);
    assert.equal(toggleSort(byCost, 'costUsd').descending, true);
    assert.equal(toggleSort(toggleSort(byCost, 'costUsd'), 'model').descending, false);
    assert.equal(ariaSort(byCost, 'costUsd'), 'ascending');
    assert.equal(ariaSort(toggleSort(byCost, 'costUsd'), 'costUsd'), 'descending');
    assert.equal(ariaSort(byCost, 'row'), 'none');
  });

  it('builds filters the guard accepts', () => {
    const q = toggleStatus(toggleStatus(DEFAULT_QUERY, 'expired'), 'errored');
    assert.deepEqual(q.statuses, ['errored', 'expired'], 'in their usual order');
    assert.deepEqual(toggleStatus(q, 'errored').statuses, ['expired']);
    assert.deepEqual(withStatuses(q, ['canceled', 'bogus', 'canceled']).statuses, ['canceled']);
    assert.deepEqual(withModels(q, ['a', 'b', 'a']).models, ['a', 'b']);
    assert.equal(withModels(q, Array.from({ length: 300 }, (_, i) => `m${i}`)).models.length, 100);
    assert.equal(withSearch(q, 'x'.repeat(5000)).search.length, 1000);
    for (const query of [q, withSearch(q, 'x'.repeat(5000)), withModels(q, Array.from({ length: 300 }, (_, i) => `m${i}`))]) {
      assert.ok(isWebviewToHost({ type: 'results/query', query }));
    }
    const cleared = clearFilters(withSearch(withModels(q, ['a']), 'err'));
    assert.ok(sameQuery(cleared, { ...DEFAULT_QUERY }));
    assert.ok(!sameQuery(q, DEFAULT_QUERY));
  });

  it('says why the errored actions are off', () => {
    const counts = { succeeded: 3, errored: 2, canceled: 0, expired: 0 };
    assert.deepEqual(erroredActions({ counts, hasInput: true, canRun: true }), { enabled: true, reason: '' });
    assert.match(erroredActions({ counts: { ...counts, errored: 0 }, hasInput: true, canRun: true }).reason, /No errored/);
    assert.match(erroredActions({ counts, hasInput: false, canRun: true }).reason, /input file/);
    assert.match(erroredActions({ counts, hasInput: true, canRun: false }).reason, /untrusted/);
    for (const state of [{ hasInput: false, canRun: true }, { hasInput: true, canRun: false }]) assert.equal(erroredActions({ counts, ...state }).enabled, false);
  });
});
