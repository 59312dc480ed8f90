import assert from 'node:assert/strict';
import sinon from 'sinon';
import { capServerWait, cappedWaitNote, describeWait, encodeRateLimitHeaders, MAX_SERVER_WAIT_MS, parseRateLimitHeaders, parseRetryAfter } from '../../../../src/core/limits/rate-limit-headers';
import { parseFloor, resolveFloor } from '../../../../src/core/limits/floors';
import { QuotaModel } from '../../../../src/core/limits/quota-model';
import { systemClock } from '../../../../src/core/types';

const T0 = Date.parse('2026-11-24T12:00:00Z');

function headers(map: Record<string, string>): Headers {
  return new Headers(map);
}

function observation(remaining: { requests?: number; input?: number; output?: number }, limits = { requests: 1000, input: 120_000, output: 60_000 }) {
  const h: Record<string, string> = {};
  if (remaining.requests !== undefined) Object.assign(h, { 'anthropic-ratelimit-requests-limit': String(limits.requests), 'anthropic-ratelimit-requests-remaining': String(remaining.requests) });
  if (remaining.input !== undefined) Object.assign(h, { 'anthropic-ratelimit-input-tokens-limit': String(limits.input), 'anthropic-ratelimit-input-tokens-remaining': String(remaining.input) });
  if (remaining.output !== undefined) Object.assign(h, { 'anthropic-ratelimit-output-tokens-limit': String(limits.output), 'anthropic-ratelimit-output-tokens-remaining': String(remaining.output) });
  return parseRateLimitHeaders(headers(h), Date.now());
}

describe('rate-limit headers', () => {
  it('reads every dimension, its reset time and retry-after', () => {
    const o = parseRateLimitHeaders(
      headers({
        'anthropic-ratelimit-requests-limit': '1000',
        'anthropic-ratelimit-requests-remaining': '999',
        'anthropic-ratelimit-requests-reset': '2026-11-24T12:00:01Z',
        'anthropic-ratelimit-input-tokens-limit': '2000000',
        'anthropic-ratelimit-input-tokens-remaining': '1998000',
        'anthropic-ratelimit-input-tokens-reset': '2026-11-24T12:00:02Z',
        'anthropic-ratelimit-output-tokens-limit': '400000',
        'anthropic-ratelimit-output-tokens-remaining': '0',
        'anthropic-ratelimit-output-tokens-reset': '2026-11-24T12:01:00Z',
        'anthropic-ratelimit-tokens-limit': '400000',
        'anthropic-ratelimit-tokens-remaining': '0',
        'retry-after': '7',
        'request-id': 'req_123',
      }),
      T0,
    );
    assert.deepEqual(o.buckets.requests, { limit: 1000, remaining: 999, resetAt: Date.parse('2026-11-24T12:00:01Z') });
    assert.equal(o.buckets.inputTokens?.remaining, 1_998_000);
    assert.equal(o.buckets.outputTokens?.resetAt, Date.parse('2026-11-24T12:01:00Z'));
    assert.equal(o.buckets.tokens?.limit, 400_000);
    assert.equal(o.buckets.tokens?.resetAt, undefined);
    assert.equal(o.retryAfterMs, 7000);
    assert.equal(o.requestId, 'req_123');
  });

  it('ignores a half-present or malformed bucket rather than guessing', () => {
    const o = parseRateLimitHeaders(headers({ 'anthropic-ratelimit-requests-limit': '50', 'anthropic-ratelimit-input-tokens-limit': 'abc', 'anthropic-ratelimit-input-tokens-remaining': '5' }), T0);
    assert.deepEqual(o.buckets, {});
    assert.equal(o.retryAfterMs, undefined);
  });

  it('accepts retry-after as an HTTP date, and prefers retry-after-ms', () => {
    assert.equal(parseRetryAfter(headers({ 'retry-after': new Date(T0 + 30_000).toUTCString() }), T0), 30_000);
    assert.equal(parseRetryAfter(headers({ 'retry-after': '2', 'retry-after-ms': '1500' }), T0), 1500);
  });

  it('round-trips: what encodeRateLimitHeaders writes (as the simulated API does), the parser reads back', () => {
    const written = {
      requests: { limit: 1_000, remaining: 999, resetAt: T0 + 1_000 },
      inputTokens: { limit: 2_000_000, remaining: 1_998_000, resetAt: T0 + 2_000 },
      outputTokens: { limit: 400_000, remaining: 0, resetAt: T0 + 60_000 },
      // A reset between two seconds is written at the later one: "full again" is never early.
      tokens: { limit: 400_000, remaining: 12_000, resetAt: T0 + 59_001 },
    };
    const encoded = encodeRateLimitHeaders(written);
    assert.equal(Object.keys(encoded).length, 12, 'limit, remaining and reset for each of the four buckets');
    for (const name of ['requests', 'input-tokens', 'output-tokens', 'tokens']) {
      assert.match(encoded[`anthropic-ratelimit-${name}-reset`] ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, `${name}: RFC 3339 at whole seconds`);
    }
    assert.equal(encoded['anthropic-ratelimit-requests-reset'], '2026-11-24T12:00:01Z');
    assert.equal(encoded['anthropic-ratelimit-tokens-reset'], '2026-11-24T12:01:00Z');

    const read = parseRateLimitHeaders(headers(encoded), T0);
    assert.deepEqual(read.buckets, { ...written, tokens: { ...written.tokens, resetAt: T0 + 60_000 } });
    assert.equal(read.retryAfterMs, undefined);
  });

  it('reports what the server asked for, however long: capping is the waiter\'s job', () => {
    assert.equal(parseRetryAfter(headers({ 'retry-after': '99999999' }), T0), 99_999_999_000);
  });
});

describe('waits taken from the server', () => {
  it('are held to ten minutes, keeping the ask only when it was cut', () => {
    assert.equal(MAX_SERVER_WAIT_MS, 10 * 60_000);
    assert.deepEqual(capServerWait(12_000), { waitMs: 12_000 });
    assert.deepEqual(capServerWait(MAX_SERVER_WAIT_MS), { waitMs: MAX_SERVER_WAIT_MS });
    assert.deepEqual(capServerWait(MAX_SERVER_WAIT_MS + 1), { waitMs: MAX_SERVER_WAIT_MS, askedMs: MAX_SERVER_WAIT_MS + 1 });
    assert.deepEqual(capServerWait(99_999_999_000), { waitMs: MAX_SERVER_WAIT_MS, askedMs: 99_999_999_000 });
  });

  it('are described in the largest unit that fits', () => {
    assert.equal(describeWait(99_999_999_000), '3.2 years');
    assert.equal(describeWait(86_400_000), '1 day');
    assert.equal(describeWait(36 * 3_600_000), '1.5 days');
    assert.equal(describeWait(2 * 3_600_000), '2 hours');
    assert.equal(describeWait(MAX_SERVER_WAIT_MS), '10 min');
    assert.equal(describeWait(1_500), '1.5 s');
    assert.equal(describeWait(0), '0 s');
  });

  it('say in the log that they were cut', () => {
    assert.equal(cappedWaitNote(99_999_999_000), 'the API asked for a wait of 3.2 years; waiting 10 min at most');
  });
});

describe('floors', () => {
  it('parses tokens, k/M suffixes and percentages, and resolves against a limit', () => {
    assert.deepEqual(parseFloor('10%'), { percent: 10 });
    assert.deepEqual(parseFloor('20000'), { tokens: 20_000 });
    assert.deepEqual(parseFloor('20k'), { tokens: 20_000 });
    assert.deepEqual(parseFloor('1.5M'), { tokens: 1_500_000 });
    assert.equal(resolveFloor({ percent: 10 }, 400_000), 40_000);
    assert.equal(resolveFloor({ tokens: 50_000 }, 30_000), 30_000, 'never above the limit');
    assert.throws(() => parseFloor('lots'), /neither a token count/);
    assert.throws(() => parseFloor('150%'), /over 100%/);
  });
});

describe('QuotaModel', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ now: T0, toFake: ['Date', 'setTimeout', 'clearTimeout'] })));
  afterEach(() => clock.restore());

  const model = () => new QuotaModel({ softFloor: { percent: 10 }, hardFloor: { percent: 2 }, clock: systemClock, confirmWindowMs: 0 });

  it('admits anything before it knows any limit', () => {
    assert.deepEqual(model().admit({ inputTokens: 1e9, outputTokens: 1e9 }), { ok: true });
  });

  it('refills continuously at limit/60 per second between headers, capped at the limit', () => {
    const q = model();
    q.observe(observation({ output: 6_000 }));
    // 6,000 reported → 5,500 trusted (rounding), 1,000 tokens/s refill.
    assert.equal(q.view().outputTokens?.remaining, 5_500);
    clock.tick(2_000);
    assert.equal(q.view().outputTokens?.remaining, 7_500);
    clock.tick(120_000);
    assert.equal(q.view().outputTokens?.remaining, 60_000);
  });

  it('holds at the soft floor, and says how long until the bucket refills enough', () => {
    const q = model();
    q.observe(observation({ output: 7_000 })); // 6,500 trusted; floor 6,000
    const d = q.admit({ inputTokens: 10, outputTokens: 1_000 });
    assert.equal(d.ok, false);
    if (d.ok) return;
    assert.equal(d.hold, 'soft');
    assert.equal(d.dimension, 'outputTokens');
    assert.equal(d.waitMs, 500); // needs 7,000, has 6,500, +1/ms
    clock.tick(500);
    assert.deepEqual(q.admit({ inputTokens: 10, outputTokens: 1_000 }), { ok: true });
  });

  it('subtracts what its own in-flight requests will consume, so a burst cannot overshoot', () => {
    const q = model();
    q.observe(observation({ input: 60_000, output: 60_000 }));
    let sent = 0;
    while (q.admit({ inputTokens: 5_000, outputTokens: 3_000 }).ok) {
      q.reserve({ inputTokens: 5_000, outputTokens: 3_000 });
      sent++;
    }
    // Input: 59,500 trusted − 12,000 floor → 9 requests of 5,000. Output: 59,500 − 6,000 → 17 of 3,000.
    assert.equal(sent, 9);
    assert.ok((q.view().inputTokens?.remaining ?? 0) >= 12_000);
  });

  it('settles to the actual usage, and releases what a refused request did not use', () => {
    const q = model();
    q.observe(observation({ input: 100_000, output: 50_000 }));
    const a = q.reserve({ inputTokens: 10_000, outputTokens: 5_000 });
    assert.equal(q.view().inputTokens?.remaining, 89_500);
    assert.equal(q.view().outputTokens?.remaining, 44_500);
    q.settle(a, { inputTokens: 4_000, outputTokens: 1_000 });
    assert.equal(q.view().inputTokens?.remaining, 95_500);
    assert.equal(q.view().outputTokens?.remaining, 48_500);
    const b = q.reserve({ inputTokens: 10_000, outputTokens: 5_000 });
    q.release(b, true);
    assert.equal(q.view().inputTokens?.remaining, 95_500);
    assert.equal(q.view().outputTokens?.remaining, 48_500);
  });

  it('charges recent dispatches again when a header may not include them yet', () => {
    const q = new QuotaModel({ softFloor: { percent: 10 }, hardFloor: { percent: 2 }, clock: systemClock, confirmWindowMs: 250 });
    q.observe(observation({ input: 100_000 }));
    q.reserve({ inputTokens: 10_000, outputTokens: 0 });
    clock.tick(100);
    // The server wrote this header before our dispatch reached it: 100,000 still.
    q.observe(observation({ input: 100_000 }));
    assert.ok((q.view().inputTokens?.remaining ?? 0) <= 89_600, 'the in-flight dispatch is still counted');
  });

  it('charges again every request sent after the one a header answers, however long ago: a queue in the client is not yet at the API', () => {
    const q = new QuotaModel({ softFloor: { percent: 10 }, hardFloor: { percent: 2 }, clock: systemClock, confirmWindowMs: 250 });
    q.observe(observation({ input: 100_000 }));
    const answered = Date.now();
    q.reserve({ inputTokens: 10_000, outputTokens: 0 });
    clock.tick(10);
    q.reserve({ inputTokens: 10_000, outputTokens: 0 });
    clock.tick(2_000);
    // Two seconds later the answer to a request sent before both comes back saying 100,000: the two
    // are still in the client's queue. A 250 ms window alone would forget them.
    q.observe(observation({ input: 100_000 }), answered - 1);
    assert.ok((q.view().inputTokens?.remaining ?? 0) <= 80_000, `both still counted: ${q.view().inputTokens?.remaining}`);
    // The answer to the later of the two: the first reached the API before it; only later ones count again.
    q.observe(observation({ input: 100_000 }), answered + 10);
    assert.ok((q.view().inputTokens?.remaining ?? 0) > 80_000, 'nothing was sent after it');
  });

  it('enters the hard stop below the hard floor and leaves it only past the soft floor', () => {
    const q = model();
    q.observe(observation({ output: 1_000 })); // 500 trusted, hard floor 1,200
    let d = q.admit({ inputTokens: 1, outputTokens: 1 });
    assert.equal(!d.ok && d.hold, 'hard');
    clock.tick(3_000); // 3,500: above the hard floor, still under the soft one
    d = q.admit({ inputTokens: 1, outputTokens: 1 });
    assert.equal(!d.ok && d.hold, 'hard');
    clock.tick(2_600); // 6,100: past the soft floor
    assert.deepEqual(q.admit({ inputTokens: 1, outputTokens: 1 }), { ok: true });
    assert.equal(q.isHardStopped, false);
  });

  it('lets a request larger than the room above the floor through once the bucket is full', () => {
    const q = model();
    q.observe(observation({ input: 120_000 }));
    assert.deepEqual(q.admit({ inputTokens: 200_000, outputTokens: 1 }), { ok: true });
  });

  it('treats the `tokens` bucket as the one it mirrors, and as its own bucket only when it differs', () => {
    const q = model();
    const mirror = parseRateLimitHeaders(headers({
      'anthropic-ratelimit-input-tokens-limit': '2000000', 'anthropic-ratelimit-input-tokens-remaining': '1990000',
      'anthropic-ratelimit-output-tokens-limit': '400000', 'anthropic-ratelimit-output-tokens-remaining': '100000',
      'anthropic-ratelimit-tokens-limit': '400000', 'anthropic-ratelimit-tokens-remaining': '100000',
    }), Date.now());
    q.observe(mirror);
    assert.equal(q.view().tokens, undefined, 'a mirror of the output bucket is not charged twice');
    // 100 input + 100 output per request: the output bucket alone binds (6,667 req/s), not 200 per request.
    assert.ok(Math.abs(q.sustainableRate({ inputTokens: 100, outputTokens: 100 })! - 400_000 / 60 / 100) < 1e-9);
    const workspace = parseRateLimitHeaders(headers({
      'anthropic-ratelimit-output-tokens-limit': '400000', 'anthropic-ratelimit-output-tokens-remaining': '100000',
      'anthropic-ratelimit-tokens-limit': '120000', 'anthropic-ratelimit-tokens-remaining': '50000',
    }), Date.now());
    q.observe(workspace);
    assert.equal(q.view().tokens?.limit, 120_000, 'a smaller workspace limit is its own bucket');
  });

  it('starts from a tier preset and computes the sustainable rate', () => {
    const q = new QuotaModel({ softFloor: { percent: 10 }, hardFloor: { percent: 2 }, clock: systemClock, initialLimits: { requestsPerMinute: 1000, inputTokensPerMinute: 2_000_000, outputTokensPerMinute: 400_000 } });
    assert.equal(q.view().outputTokens?.limit, 400_000);
    // 400 input + 200 output per request: OTPM allows 33.3/s, ITPM 83.3/s, RPM 16.7/s.
    assert.ok(Math.abs(q.sustainableRate({ inputTokens: 400, outputTokens: 200 })! - 1000 / 60) < 1e-9);
  });

  it('lets a full bucket be spent down to its soft floor over a horizon, on top of the refill', () => {
    const q = new QuotaModel({ softFloor: { percent: 10 }, hardFloor: { percent: 2 }, clock: systemClock, initialLimits: { requestsPerMinute: 1_000_000, inputTokensPerMinute: 100_000_000, outputTokensPerMinute: 120_000 } });
    const average = { inputTokens: 10, outputTokens: 100 };
    // Refill alone: 2,000 tokens/s ÷ 100 = 20 req/s. Full: 108,000 above the floor over 10 s adds 108 req/s.
    assert.ok(Math.abs(q.sustainableRate(average)! - 20) < 1e-9);
    assert.ok(Math.abs(q.spendableRate(average, 10_000)! - 128) < 1e-6);
    // At the floor, nothing is left to spend: back to the refill rate.
    q.reserve({ inputTokens: 0, outputTokens: 108_000 });
    assert.ok(Math.abs(q.spendableRate(average, 10_000)! - 20) < 0.01);
  });
});
