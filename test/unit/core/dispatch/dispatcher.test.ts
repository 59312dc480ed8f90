import assert from 'node:assert/strict';
import sinon from 'sinon';
import { APIError } from '@anthropic-ai/sdk';
import { Dispatcher, type DispatcherOptions } from '../../../../src/core/dispatch/dispatcher';
import type { RunOptions } from '../../../../src/core/dispatch/run-api';
import type { DispatcherSnapshot } from '../../../../src/core/dispatch/snapshot';
import { Pricing } from '../../../../src/core/pricing/pricing';
import type { InputRequest, ResultLine } from '../../../../src/core/types';
import { FakeApi, type FakeApiOptions } from '../../../helpers/fake-api';
import { source } from '../../../helpers/requests';

const MODEL = 'claude-haiku-4-5';

function makeRequests(n: number, opts: { maxTokens?: number; prompt?: (i: number) => string } = {}): InputRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    customId: `r${i}`,
    line: i + 1,
    params: { model: MODEL, max_tokens: opts.maxTokens ?? 200, messages: [{ role: 'user' as const, content: opts.prompt?.(i) ?? `prompt number ${i}` }] },
  }));
}


interface Harness {
  api: FakeApi;
  dispatcher: Dispatcher;
  results: ResultLine[];
  start(requests: InputRequest[], extra?: Partial<RunOptions>): ReturnType<Dispatcher['addRun']>;
}

function harness(api: FakeApiOptions, options: Partial<DispatcherOptions> = {}): Harness {
  const fake = new FakeApi(api);
  const dispatcher = new Dispatcher({ client: fake, random: () => 0.5, ...options });
  const results: ResultLine[] = [];
  return {
    api: fake,
    dispatcher,
    results,
    start(requests, extra = {}) {
      return dispatcher.addRun({
        label: 'test.jsonl',
        requests: source(requests),
        total: requests.length,
        pricing: new Pricing(),
        onResult: (line) => results.push(line),
        ...extra,
      });
    },
  };
}

describe('Dispatcher', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-11-24T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => clock.restore());

  it('sustains ≥ 95% of the OTPM bound against a drained bucket with no 429', async () => {
    // 60,000 OTPM = 1,000 tokens/s; 100 output tokens per request → bound 10 req/s.
    const h = harness({ otpm: 60_000, itpm: 10_000_000, initial: 'drained', latencyMs: 800, outputTokens: () => 100 });
    const completedAt: number[] = [];
    const run = h.start(makeRequests(3000, { maxTokens: 400 }), { onResult: () => completedAt.push(Date.now()) });
    const t0 = Date.now();
    await clock.tickAsync(240_000);
    const window = completedAt.filter((t) => t >= t0 + 40_000 && t < t0 + 240_000).length;
    const bound = 10 * 200;
    // Only the very first probe of an unknown, drained quota can meet a 429.
    assert.ok(h.api.rateLimited <= 1, `${h.api.rateLimited} answered 429`);
    assert.ok(window / bound >= 0.95, `throughput ${((window / bound) * 100).toFixed(1)}% of bound`);
    h.dispatcher.abort(run);
    await clock.tickAsync(1000);
  });

  it('sustains ≥ 95% of the ITPM bound against a drained bucket with no 429', async () => {
    // 600,000 ITPM = 10,000 tokens/s; 2,000 input tokens per request → bound 5 req/s.
    const h = harness({ otpm: 10_000_000, itpm: 600_000, initial: 'drained', latencyMs: 600, inputTokens: () => 2000, outputTokens: () => 10 });
    const completedAt: number[] = [];
    const prompt = 'x'.repeat(8000);
    const run = h.start(makeRequests(3000, { maxTokens: 50, prompt: () => prompt }), { onResult: () => completedAt.push(Date.now()) });
    const t0 = Date.now();
    await clock.tickAsync(240_000);
    const window = completedAt.filter((t) => t >= t0 + 40_000 && t < t0 + 240_000).length;
    const bound = 5 * 200;
    assert.ok(h.api.rateLimited <= 1, `${h.api.rateLimited} answered 429`);
    assert.ok(window / bound >= 0.95, `throughput ${((window / bound) * 100).toFixed(1)}% of bound`);
    h.dispatcher.abort(run);
    await clock.tickAsync(1000);
  });

  it('holds at the soft floor while in-flight requests finish, and reports it', async () => {
    // 5% left: above the hard floor (2% = 1,200 tokens), under the soft one (10% = 6,000).
    const h = harness({ otpm: 60_000, itpm: 10_000_000, initial: 0.05, latencyMs: 500, outputTokens: () => 100 });
    const states: string[] = [];
    h.dispatcher.on('state', (_id, state) => states.push(state));
    h.start(makeRequests(5));
    // A first probe learns the (drained) limits; then the floor of 10% = 6,000 tokens must refill.
    await clock.tickAsync(1_000);
    const snap = h.dispatcher.snapshot();
    assert.equal(snap.hold, 'soft');
    assert.equal(snap.runs[0]?.state, 'holding');
    assert.ok(snap.dimensions.outputTokens, 'output bucket known from headers');
    assert.equal(snap.dimensions.outputTokens?.softFloor, 6_000);
    const sentWhileHolding = h.api.received;
    await clock.tickAsync(2_000);
    assert.equal(h.api.received, sentWhileHolding, 'nothing is sent while under the floor');
    await clock.tickAsync(60_000);
    assert.equal(h.results.length, 5);
    assert.ok(states.includes('holding'));
    assert.equal(states.at(-1), 'finished');
  });

  it('stops at the hard floor when another tenant drains the bucket, until it refills past the soft floor', async () => {
    const h = harness({ otpm: 60_000, itpm: 10_000_000, latencyMs: 500, outputTokens: () => 100 });
    h.start(makeRequests(2000));
    await clock.tickAsync(5_000);
    // Another process takes the whole bucket and keeps taking more than it refills.
    h.api.output.take(h.api.output.levelAt() + 10_000);
    h.api.output.setDrainPerSecond(1_500);
    await clock.tickAsync(3_000);
    let snap: DispatcherSnapshot = h.dispatcher.snapshot();
    assert.equal(snap.hold, 'hard');
    assert.equal(snap.runs[0]?.state, 'hard-stopped');
    const sent = h.api.received;
    await clock.tickAsync(20_000);
    // Only a response can show that the bucket refilled, so at most one probe per refill of the
    // soft floor (6,000 tokens at 1,000/s) goes out — never a stream of requests into the wall.
    assert.ok(h.api.received - sent <= 4, `${h.api.received - sent} probes in 20 s while the tenant drains`);
    h.api.output.setDrainPerSecond(0);
    await clock.tickAsync(20_000);
    snap = h.dispatcher.snapshot();
    assert.notEqual(snap.hold, 'hard');
    assert.ok(h.api.received > sent);
    h.dispatcher.abort();
    await clock.tickAsync(1000);
  });

  it('a 429 with retry-after pauses every new dispatch, not just the one request', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 200 }, { maxInFlight: 4 });
    h.api.script.push({ status: 429, type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit', retryAfterSec: 10 });
    h.start(makeRequests(20));
    await clock.tickAsync(50);
    const afterStorm = h.api.received;
    assert.equal(h.dispatcher.snapshot().hold, 'cooldown');
    await clock.tickAsync(9_800);
    // Requests already in flight finish; none is sent during the retry-after.
    assert.equal(h.api.received, afterStorm);
    await clock.tickAsync(60_000);
    assert.equal(h.results.length, 20);
    const retried = h.results.find((r) => r.attempts === 2);
    assert.ok(retried, 'the 429ed request was retried once and succeeded');
    assert.equal(retried.result.type, 'succeeded');
  });

  it('a 529 pauses every new dispatch briefly, with a jittered backoff that doubles while 529s continue', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 200 }, { maxInFlight: 4 });
    const overloaded = { status: 529, type: 'overloaded_error', message: 'Overloaded' };
    h.api.script.push(overloaded, overloaded, overloaded);
    h.start(makeRequests(20));
    await clock.tickAsync(10);
    // The probe met a 529: 250 ms × jitter 0.75 of cool-down, no new dispatch meanwhile.
    assert.equal(h.api.received, 1);
    assert.equal(h.dispatcher.snapshot().hold, 'cooldown');
    await clock.tickAsync(170);
    assert.equal(h.api.received, 1);
    await clock.tickAsync(20);
    // At 188 ms one request goes out first, streamed, not the whole window: it meets the second
    // 529, and the pause doubles (375 ms); then the third, and it doubles again (750 ms).
    assert.equal(h.api.received, 2);
    await clock.tickAsync(380);
    assert.equal(h.api.received, 3, 'again one probe after the second pause');
    await clock.tickAsync(760);
    // The fourth is admitted: its headers open the window while its reply is still on its way.
    assert.ok(h.api.received >= 4 + 3, `the run goes on at once: ${h.api.received} sent`);
    await clock.tickAsync(30_000);
    assert.equal(h.results.length, 20);
    assert.ok(h.results.every((r) => r.result.type === 'succeeded'));
    assert.equal(h.api.received, 23, 'three 529s, each met by a single request');
  });

  it('a 3-second 529 burst slows the run without stopping it: no pause in sending longer than the burst warrants', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, rpm: 6_000, latencyMs: 300, outputTokens: () => 50 });
    const sentAt: number[] = [];
    const api = h.api;
    const create = api.create.bind(api);
    let burst = { from: Number.POSITIVE_INFINITY, to: 0 };
    const overloaded = { status: 529, type: 'overloaded_error', message: 'Overloaded' };
    api.create = (params, options) => {
      const now = Date.now();
      sentAt.push(now);
      // Every request the API receives during the burst is answered 529.
      if (now >= burst.from && now < burst.to) api.script.unshift(overloaded);
      return create(params, options);
    };
    h.start(makeRequests(20_000));
    await clock.tickAsync(5_000);
    burst = { from: Date.now(), to: Date.now() + 3_000 };
    await clock.tickAsync(10_000);
    const after = sentAt.filter((t) => t >= burst.from);
    const gaps = after.slice(1).map((t, i) => t - after[i]!);
    // Pauses of 250 ms doubling to 1 s while 529s continue (jittered to 75% here), a reply time
    // between probes. The old policy (1 s doubling to 30 s) stood still for 3 s in a 3 s burst.
    assert.ok(Math.max(...gaps) <= 1_200, `longest pause in sending: ${Math.max(...gaps)} ms`);
    assert.ok(after.some((t) => t > burst.to && t <= burst.to + 1_200), 'sending resumes within moments of the burst ending');
    h.dispatcher.abort();
    await clock.tickAsync(1_000);
  });

  it('keeps emitting snapshots while it holds, so views of refilling buckets do not go stale', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 200 }, { maxInFlight: 2 });
    h.api.script.push({ status: 429, type: 'rate_limit_error', message: 'rate limited', retryAfterSec: 30 });
    h.start(makeRequests(5));
    await clock.tickAsync(100);
    assert.equal(h.dispatcher.snapshot().hold, 'cooldown');
    const seen: number[] = [];
    h.dispatcher.on('snapshot', (s) => seen.push(s.at));
    await clock.tickAsync(10_000);
    // Ten seconds into a thirty-second cool-down: a snapshot about every second, not one at its end.
    assert.ok(seen.length >= 9, `${seen.length} snapshots`);
    h.dispatcher.abort();
    await clock.tickAsync(1000);
  });

  it('shares one retry budget across the run', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 100 }, { retryBudgetPerMinute: 3, retryBudgetRatio: 0, maxAttempts: 10, maxInFlight: 10 });
    // Server errors: nothing but the budget holds their retries back.
    for (let i = 0; i < 50; i++) h.api.script.push({ status: 500, type: 'api_error', message: 'Internal server error' });
    h.start(makeRequests(10));
    await clock.tickAsync(59_000);
    // 10 first attempts, then at most the budget's 3 (plus what refilled in that minute: 2.95).
    assert.ok(h.api.received <= 10 + 3 + 3, `sent ${h.api.received}`);
    assert.ok(h.dispatcher.snapshot().runs[0]!.retries >= 10);
    h.dispatcher.abort();
    await clock.tickAsync(1000);
  });

  it("retries after 529s are paced by the pause and the probe, not the retry budget: a burst's backlog goes out once the API accepts again", async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 1_000 }, { retryBudgetPerMinute: 1, retryBudgetRatio: 0, maxInFlight: 40 });
    const api = h.api;
    const create = api.create.bind(api);
    // Requests 2–40, in the air together, are all refused by an overload half a second later.
    api.create = (params, options) => {
      if (api.received >= 1 && api.received < 40) {
        api.received++;
        return new Promise((_, reject) => setTimeout(() => reject(APIError.generate(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'Overloaded', new Headers())), 500));
      }
      return create(params, options);
    };
    const run = h.start(makeRequests(40));
    await clock.tickAsync(5_000);
    const summary = await run.done;
    // On a budget of one retry a minute, 38 of them would have waited for ~38 minutes.
    assert.equal(summary.succeeded, 40);
    assert.equal(api.received, 40 + 39);
  });

  it('gives up on a line after maxAttempts and records it as errored', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 100 }, { maxAttempts: 3, retryBudgetPerMinute: 100 });
    for (let i = 0; i < 3; i++) h.api.script.push({ status: 500, type: 'api_error', message: 'Internal server error' });
    const run = h.start(makeRequests(1));
    await clock.tickAsync(120_000);
    const summary = await run.done;
    assert.equal(h.api.received, 3);
    assert.equal(summary.errored, 1);
    const line = h.results[0]!;
    assert.equal(line.result.type, 'errored');
    assert.equal(line.attempts, 3);
    if (line.result.type === 'errored') assert.match(line.result.error.error.message, /gave up after 3 attempts/);
  });

  it('says "1 attempt", not "1 attempts", and "1 line left unsent"', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 100 }, { maxAttempts: 1, maxInFlight: 1 });
    h.api.script.push({ status: 500, type: 'api_error', message: 'Internal server error' });
    const run = h.start(makeRequests(1));
    await clock.tickAsync(10_000);
    await run.done;
    const line = h.results[0]!;
    assert.ok(line.result.type === 'errored');
    assert.equal(line.result.error.error.message, 'gave up after 1 attempt: Internal server error');

    const stopped = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 1_000 }, { maxInFlight: 1 });
    const two = stopped.start(makeRequests(2));
    await clock.tickAsync(10);
    stopped.dispatcher.stop(two);
    await clock.tickAsync(10_000);
    const summary = await two.done;
    assert.equal(summary.state, 'stopped');
    assert.equal(summary.detail, '1 line left unsent');
  });

  it('records a 400 as errored without retrying', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 100 });
    h.api.script.push({ status: 400, type: 'invalid_request_error', message: 'messages: text content blocks must be non-empty' });
    const run = h.start(makeRequests(3));
    await clock.tickAsync(10_000);
    const summary = await run.done;
    assert.equal(h.api.received, 3);
    assert.equal(summary.errored, 1);
    assert.equal(summary.succeeded, 2);
    const errored = h.results.find((r) => r.result.type === 'errored')!;
    assert.deepEqual(errored.result, {
      type: 'errored',
      error: { type: 'error', error: { type: 'invalid_request_error', message: 'messages: text content blocks must be non-empty' }, request_id: 'req_fake_1' },
    });
  });

  for (const [name, scripted] of [
    ['an invalid key (401)', { status: 401, type: 'authentication_error', message: 'invalid x-api-key' }],
    ['the org spend limit (429 without retry-after)', { status: 429, type: 'rate_limit_error', message: 'Your organization has reached its monthly spend limit', errorCode: 'enforced_spend_limit_reached' }],
    ['the self-set usage limit (400)', { status: 400, type: 'invalid_request_error', message: 'You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC.' }],
    ['billing (402)', { status: 402, type: 'billing_error', message: 'Your credit balance is too low' }],
  ] as const) {
    it(`stops the whole run at once on ${name}, and never hammers`, async () => {
      const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 100 }, { maxInFlight: 1 });
      h.api.script.push({ ...scripted });
      const run = h.start(makeRequests(50));
      await clock.tickAsync(600_000);
      const summary = await run.done;
      assert.equal(h.api.received, 1, 'one request, no retries');
      assert.equal(summary.state, 'api-stopped');
      assert.equal(summary.unsent, 50);
      assert.equal(h.results.length, 0, 'nothing is written for lines the API never processed');
      assert.ok(summary.detail && summary.detail.length > 30, 'a plain explanation');
    });
  }

  it('never crosses the spend cap, and says how many lines were left unsent', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 300, outputTokens: () => 800 });
    const pricing = new Pricing();
    const cap = 0.05;
    const run = h.start(makeRequests(200, { maxTokens: 1000 }), { maxSpendUsd: cap });
    let maxCommitted = 0;
    h.dispatcher.on('snapshot', (s) => {
      const spend = s.runs[0]!.spend;
      maxCommitted = Math.max(maxCommitted, spend.spentUsd + spend.reservedUsd);
    });
    await clock.tickAsync(120_000);
    const summary = await run.done;
    const billed = h.results.reduce((sum, r) => sum + (r.usage ? pricing.costOf(MODEL, r.usage)! : 0), 0);
    assert.equal(summary.state, 'budget-reached');
    assert.ok(billed <= cap, `billed ${billed} ≤ cap ${cap}`);
    assert.ok(maxCommitted <= cap + 1e-9, 'reserved + spent never above the cap');
    assert.ok(billed > cap * 0.7, `most of the budget is used (${billed})`);
    assert.equal(summary.unsent, 200 - h.results.length);
    assert.match(summary.detail ?? '', /unsent/);
  });

  it('pause stops new dispatches and lets in-flight finish; resume continues', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 1_000 }, { maxInFlight: 4 });
    const run = h.start(makeRequests(40));
    // One request first; once its headers are in (on admission: it streams), the ceiling of 4 fills.
    await clock.tickAsync(10);
    assert.equal(h.api.inFlight, 4);
    h.dispatcher.pause();
    const sent = h.api.received;
    assert.equal(sent, 4);
    await clock.tickAsync(30_000);
    assert.equal(h.api.received, sent, 'nothing sent while paused');
    assert.equal(h.results.length, 4, 'in-flight requests finished');
    assert.equal(h.dispatcher.snapshot().runs[0]?.state, 'paused');
    h.dispatcher.resume();
    await clock.tickAsync(60_000);
    assert.equal((await run.done).succeeded, 40);
  });

  it('stop lets in-flight finish; abort cancels them', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 5_000 }, { maxInFlight: 3 });
    const a = h.start(makeRequests(10));
    await clock.tickAsync(10); // the first request's headers are in; 3 are in flight
    h.dispatcher.stop(a);
    await clock.tickAsync(6_000);
    const sa = await a.done;
    assert.equal(sa.state, 'stopped');
    assert.equal(sa.succeeded, 3);
    assert.equal(sa.unsent, 7);

    const b = h.start(makeRequests(10));
    await clock.tickAsync(10);
    h.dispatcher.abort(b);
    await clock.tickAsync(10);
    const sb = await b.done;
    assert.equal(sb.state, 'aborted');
    assert.equal(sb.succeeded, 0);
    assert.equal(sb.unsent, 10);
  });

  it('dispatches high priority first without starving background work', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 100 }, { maxInFlight: 1 });
    const order: string[] = [];
    const background = h.start(makeRequests(100), { priority: 'background', onResult: () => order.push('bg') });
    const high = h.start(makeRequests(100), { priority: 'high', onResult: () => order.push('hi') });
    await clock.tickAsync(5_000);
    const first50 = order.slice(0, 50);
    const hi = first50.filter((x) => x === 'hi').length;
    assert.ok(hi >= 35, `high got ${hi} of the first 50`);
    assert.ok(first50.includes('bg'), 'background still progressed');
    h.dispatcher.abort(background);
    h.dispatcher.abort(high);
    await clock.tickAsync(1000);
  });

  it('respects a fixed in-flight ceiling, and the cap of an auto one', async () => {
    const fixed = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 1_000 }, { maxInFlight: 3 });
    fixed.start(makeRequests(30));
    await clock.tickAsync(20_000);
    assert.equal(fixed.api.maxInFlight, 3);

    const auto = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 1_000 }, { maxInFlight: 'auto', maxInFlightCap: 32 });
    auto.start(makeRequests(400));
    await clock.tickAsync(30_000);
    assert.equal(auto.api.maxInFlight, 32, 'up to the cap, never above');
    auto.dispatcher.abort();
    await clock.tickAsync(1000);
  });

  it('streams only while the limits are unknown: the first headers, on admission, open a full bucket to the whole small job at once', async () => {
    // 6,000 RPM, full buckets, 1 s replies: a 300-line job fits in the buckets.
    const h = harness({ rpm: 6_000, otpm: 10_000_000, itpm: 10_000_000, latencyMs: 1_000, outputTokens: () => 40 });
    const done: number[] = [];
    const t0 = Date.now();
    h.start(makeRequests(300, { maxTokens: 100 }), { onResult: () => done.push(Date.now() - t0) });
    await clock.tickAsync(10);
    assert.equal(h.api.inFlight, 300, 'every line went out before the first reply came back');
    assert.equal(h.api.streamed, 1, 'only the request sent before the limits were known streamed');
    await clock.tickAsync(2_000);
    assert.equal(done.length, 300);
    assert.ok(Math.max(...done) <= 1_100, `one reply time, not a probe's round trip plus a ramp: ${Math.max(...done)} ms`);
    assert.equal(h.api.rateLimited, 0);
  });

  it('from a drained bucket, the first headers hold the rest of the job: one request meets the empty bucket, not the whole window', async () => {
    const h = harness({ rpm: 6_000, otpm: 60_000, itpm: 10_000_000, initial: 'drained', latencyMs: 1_000, outputTokens: () => 100 });
    h.start(makeRequests(300, { maxTokens: 200 }));
    await clock.tickAsync(10);
    assert.ok(h.api.received <= 1, `${h.api.received} sent before the limits were known`);
    await clock.tickAsync(5_000);
    assert.ok(h.api.rateLimited <= 1, `${h.api.rateLimited} answered 429`);
    h.dispatcher.abort();
    await clock.tickAsync(1_000);
  });

  it('exposes how the retry budget refills, so a view can explain an amount above perMinute', () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000 }, { retryBudgetPerMinute: 30, retryBudgetRatio: 0.2 });
    assert.deepEqual(h.dispatcher.snapshot().retryBudget, { available: 30, perMinute: 30, ratio: 0.2 });
    assert.equal(harness({ otpm: 1, itpm: 1 }, { retryBudgetPerMinute: 5, retryBudgetRatio: 0 }).dispatcher.snapshot().retryBudget.ratio, 0);
  });

  it('writes cost_usd without float noise, and books exactly what it writes', async () => {
    // 133 input + 40 output tokens of Haiku 4.5 is $0.000333; summed raw it is 0.00033299999999999996.
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 100, inputTokens: () => 133, outputTokens: () => 40 });
    const run = h.start(makeRequests(7), { maxSpendUsd: 1 });
    await clock.tickAsync(10_000);
    await run.done;
    assert.equal(h.results.length, 7);
    for (const line of h.results) assert.match(JSON.stringify(line), /"cost_usd":0\.000333,/);
    const written = h.results.reduce((sum, r) => sum + r.cost_usd!, 0);
    assert.equal(run.snapshot(Date.now()).spend.spentUsd, written, 'the ledger adds up the same numbers the file holds');
  });

  it("logs the in-flight ceiling's arithmetic at debug level only (the CLI shows it with --verbose)", async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 1_000 }, { maxInFlight: 'auto', maxInFlightCap: 32 });
    const logs: { level: string; message: string }[] = [];
    h.dispatcher.on('log', (entry) => logs.push(entry));
    h.start(makeRequests(200));
    await clock.tickAsync(30_000);
    h.dispatcher.abort();
    await clock.tickAsync(1000);
    const formula = logs.filter((l) => /in-flight ceiling .*headroom/.test(l.message));
    assert.ok(formula.length > 0, 'the formula is still there for --verbose');
    assert.deepEqual(new Set(formula.map((l) => l.level)), new Set(['debug']));
    const shown = logs.filter((l) => l.level !== 'debug' && /in-flight ceiling|headroom|Little/.test(l.message));
    assert.deepEqual(shown, [], 'nothing about the ceiling above debug');
  });

  it('throttles snapshots to a few per second', async () => {
    const h = harness({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 100 }, { maxInFlight: 20, snapshotIntervalMs: 250 });
    let count = 0;
    h.dispatcher.on('snapshot', () => count++);
    h.start(makeRequests(2000));
    await clock.tickAsync(10_000);
    assert.ok(count <= 10_000 / 250 + 5, `${count} snapshots in 10 s`);
    assert.ok(count >= 10, 'but they keep coming while things change');
    h.dispatcher.abort();
    await clock.tickAsync(1000);
  });
});
