// A Run keeps the books: its counters change only through methods named for what happened, never
// go negative, and an amount no price can produce stops the run loudly.
import assert from 'node:assert/strict';
import { Run } from '../../../../src/core/dispatch/run';
import type { RunOptions } from '../../../../src/core/dispatch/run-api';
import type { PendingItem } from '../../../../src/core/dispatch/run-queue';
import { describeHold } from '../../../../src/core/dispatch/hold';
import { Pricing } from '../../../../src/core/pricing/pricing';
import { BooksError } from '../../../../src/core/spend/spend-ledger';
import type { ResultLine } from '../../../../src/core/types';
import { envelope } from '../../../../src/core/dispatch/retry-policy';
import { inputRequest, source } from '../../../helpers/requests';

const request = inputRequest;


function runOf(n: number, options: Partial<RunOptions> = {}): { run: Run; results: ResultLine[] } {
  const results: ResultLine[] = [];
  const requests = Array.from({ length: n }, (_, i) => request(i));
  const run = new Run({ label: 't', requests: source(requests), total: n, pricing: new Pricing(), onResult: (l) => results.push(l), ...options }, 0);
  return { run, results };
}

/** Read the input ahead and take the next line, as the dispatcher does. */
async function next(run: Run): Promise<PendingItem> {
  if (!run.queue.peek(0)) await new Promise<void>((resolve, reject) => run.readAhead(resolve, reject));
  const item = run.queue.peek(0);
  assert.ok(item, 'a line to send');
  run.queue.take(item);
  return item;
}

const message = { id: 'msg', usage: { input_tokens: 10, output_tokens: 20 } };

describe('dispatch: a run keeps the books', () => {
  it('counts attempts in flight from start to end, once each, never below zero', async () => {
    const { run } = runOf(2);
    const item = await next(run);
    const a = run.startAttempt(item, 5);
    const b = run.startAttempt(item, 9);
    assert.equal(run.inFlight, 2);
    assert.equal(item.attempts, 2);
    assert.equal(item.firstSentAt, 5, 'latency counts from the first attempt');
    run.endAttempt(a);
    run.endAttempt(a);
    assert.equal(run.inFlight, 1, 'an attempt ends once');
    run.endAttempt(b);
    run.endAttempt(new AbortController());
    assert.equal(run.inFlight, 0);
    assert.equal(run.unsent, 2, 'nothing finished: both lines still unsent');
  });

  it('records a success and an error, each written to the results at once', async () => {
    const { run, results } = runOf(2);
    const first = await next(run);
    run.startAttempt(first, 0);
    run.recordSuccess(first, { message, latencyMs: 120, costUsd: 0.001 }, 100);
    const second = await next(run);
    run.recordError(second, envelope('invalid_request_error', 'bad'), 50, 100);
    assert.deepEqual([run.succeeded, run.errored, run.finishedCount], [1, 1, 2]);
    assert.deepEqual(results.map((r) => [r.custom_id, r.result.type, r.cost_usd]), [['r0', 'succeeded', 0.001], ['r1', 'errored', 0]]);
    assert.deepEqual(run.snapshot(100).recentErrors, [{ customId: 'r1', line: 2, message: 'invalid_request_error: bad' }]);
  });

  it('a NaN, negative or infinite cost stops loudly (a BooksError), counting and writing nothing', async () => {
    for (const costUsd of [Number.NaN, -0.01, Number.POSITIVE_INFINITY]) {
      const { run, results } = runOf(1);
      const item = await next(run);
      assert.throws(() => run.recordSuccess(item, { message, latencyMs: 1, costUsd }, 1), BooksError, String(costUsd));
      assert.equal(run.succeeded, 0);
      assert.equal(results.length, 0);
    }
    const { run } = runOf(1);
    const unpriced = await next(run);
    run.recordSuccess(unpriced, { message, latencyMs: 1, costUsd: null }, 1);
    assert.equal(run.succeeded, 1, 'no price is not a wrong price');
  });

  it('counts 429s, 529s and retries through their own methods', async () => {
    const { run } = runOf(1);
    const item = await next(run);
    run.markRateLimited();
    run.markRateLimited();
    run.markOverloaded();
    run.scheduleRetry(item, 1_000);
    const s = run.snapshot(0);
    assert.deepEqual([s.rateLimited, s.overloaded, s.retries], [2, 1, 1]);
    assert.deepEqual([run.summary().rateLimited, run.summary().retries], [2, 1]);
    assert.equal(run.queue.peek(999), undefined, 'the retry waits for its time');
    assert.equal(run.queue.peek(1_000), item);
  });

  it('a line the API refused to take goes back unsent, its attempt not counted (never below zero)', async () => {
    const { run } = runOf(1);
    const item = await next(run);
    run.queue.returnUnsent(item);
    assert.equal(item.attempts, 0);
    assert.equal(run.queue.peek(0), item, 'at the front');
    run.queue.take(item);
    run.startAttempt(item, 0);
    run.queue.returnUnsent(item);
    assert.equal(item.attempts, 0);
  });

  it('pause, resume, stop, abort and fail: each says what it is, and abort cancels what is in flight', async () => {
    const { run } = runOf(2);
    run.pause();
    assert.ok(run.paused && !run.isDispatching);
    run.resume();
    assert.ok(!run.paused && run.isDispatching);
    const item = await next(run);
    const controller = run.startAttempt(item, 0);
    run.abort();
    assert.ok(run.stopping && run.aborted && controller.signal.aborted);
    const other = runOf(1).run;
    other.fail('the input changed since it was checked');
    assert.ok(other.failed && other.stopping);
    assert.equal(other.failureReason, 'the input changed since it was checked');
  });

  it('reserves a worst case, waits while one in flight may make room, and reaches its cap in words', async () => {
    const { run } = runOf(3, { maxSpendUsd: 0.0012 });
    const first = await next(run);
    assert.equal(run.reserveSpend(first), true);
    assert.ok(first.budgetHold);
    run.startAttempt(first, 0);
    const second = await next(run);
    assert.equal(run.reserveSpend(second), false);
    assert.ok(run.budgetWait && !run.stopping, 'waits for the first to settle');
    run.releaseSpend(first);
    assert.equal(first.budgetHold, undefined);
    assert.equal(run.snapshot(0).spend.reservedUsd, 0, 'returned');

    const capped = runOf(1, { maxSpendUsd: 0.000001 }).run;
    const item = await next(capped);
    assert.equal(capped.reserveSpend(item), false);
    assert.equal(capped.state, 'budget-reached');
    assert.ok(capped.stopping);
    assert.equal(capped.holdCause?.kind, 'spend-cap');
    assert.equal(capped.detail, describeHold(capped.holdCause!));
    assert.match(capped.detail ?? '', /^the next request \(worst case \$[0-9.]+, \d+ tokens\) would cross the spend cap$/);
    capped.end('budget-reached', `${capped.detail}; 1 line left unsent`, 10);
    assert.equal(capped.snapshot(10).holdCause?.kind, 'spend-cap', 'the cap it reached is why it ended');
  });

  it('a hold it waited at is not why it ended', () => {
    const { run } = runOf(1);
    const hold = { kind: 'soft-floor', quota: 'own', dimension: 'outputTokens', waitMs: 100 } as const;
    assert.equal(run.setState('holding', describeHold(hold), hold), true);
    assert.equal(run.setState('holding', describeHold(hold), hold), false, 'no change, nothing to tell');
    assert.deepEqual(run.snapshot(0).holdCause, hold);
    run.end('finished', undefined, 5);
    assert.equal(run.snapshot(5).holdCause, undefined);
    assert.equal(run.endedAt, 5);
  });
});

describe('dispatch: a run reads ahead of the dispatcher', () => {
  const classOf = (item: PendingItem) => (item.request.params.model.includes('sonnet') ? 'sonnet' : 'haiku');
  async function queueOf(models: (i: number) => string, n: number) {
    const requests = Array.from({ length: n }, (_, i) => inputRequest(i, models(i)));
    const run = new Run({ label: 't', requests: source(requests), total: n, pricing: new Pricing(), onResult: () => undefined }, 0);
    // The source is in memory: whatever reading it starts is done once the microtasks have run.
    const read = async () => {
      run.readAhead(() => undefined, (err) => assert.fail(err));
      await new Promise((resolve) => setImmediate(resolve));
    };
    await read();
    return { run, read };
  }
  /** Lines read ahead: every one `peek` can be made to show. */
  const buffered = (run: Run) => {
    const seen = new Set<PendingItem>();
    for (;;) {
      const item = run.queue.peek(0, true, (i) => !seen.has(i));
      if (!item) return seen.size;
      seen.add(item);
    }
  };

  it('past a held class only while another class has room, up to 1,024 lines, and back to 64 once the head moves', async () => {
    const { run, read } = await queueOf((i) => (i < 600 ? 'claude-haiku-4-5' : 'claude-sonnet-4-6'), 2_000);
    assert.equal(buffered(run), 64);
    const haikuHeld = (item: PendingItem) => classOf(item) !== 'haiku';
    // One class only, held (say at its in-flight ceiling): nothing to find further on.
    assert.equal(run.queue.peek(0, true, haikuHeld, false), undefined);
    await read();
    assert.equal(buffered(run), 64, 'no lookahead when no class has room');
    // Another class has room: read on until its lines turn up (the 601st line), never past 1,024.
    for (let found: PendingItem | undefined; !found; await read()) found = run.queue.peek(0, true, haikuHeld, true);
    const sonnet = run.queue.peek(0, true, haikuHeld, true)!;
    assert.equal(sonnet.request.line, 601);
    assert.ok(buffered(run) <= 1_024);
    // The head goes: the usual read-ahead again.
    run.queue.take(run.queue.peek(0)!);
    assert.equal(run.queue.peek(0, true, haikuHeld, true), sonnet, 'a line taken from the head does not lose the place found');
  });
});
