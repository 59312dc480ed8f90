import assert from 'node:assert/strict';
import sinon from 'sinon';
import { RetryBudget } from '../../src/core/dispatch/retry-budget';
import { InFlightCeiling } from '../../src/core/dispatch/in-flight-ceiling';
import { ConsumptionEstimator } from '../../src/core/dispatch/estimator';
import { PromptBounds } from '../../src/core/spend/prompt-bound';
import { SpendLedger } from '../../src/core/spend/spend-ledger';
import { Pricing } from '../../src/core/pricing/pricing';
import { systemClock } from '../../src/core/types';

describe('RetryBudget', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ now: 0, toFake: ['Date'] })));
  afterEach(() => clock.restore());

  it('allows perMinute retries, then refills continuously', () => {
    const b = new RetryBudget({ perMinute: 6 }, systemClock);
    for (let i = 0; i < 6; i++) assert.equal(b.tryTake(), true);
    assert.equal(b.tryTake(), false);
    assert.equal(b.msUntilAvailable(), 10_000);
    clock.tick(10_000);
    assert.equal(b.tryTake(), true);
    assert.equal(b.tryTake(), false);
  });

  it('earns a share of the fresh traffic on top, which fades after about a minute', () => {
    const b = new RetryBudget({ perMinute: 6, ratio: 0.25 }, systemClock);
    for (let i = 0; i < 6; i++) b.tryTake();
    for (let i = 0; i < 100; i++) b.recordFresh();
    // 100 fresh requests earned 25 retries, above the floor of 6.
    assert.equal(b.available, 25);
    for (let i = 0; i < 25; i++) assert.equal(b.tryTake(), true);
    assert.equal(b.tryTake(), false);
    // An idle ten minutes later, the capacity is back to the floor: deposits do not pile up forever.
    clock.tick(600_000);
    assert.equal(b.available, 6);
  });
});

describe('InFlightCeiling', () => {
  it('is fixed when told, after the probe', () => {
    const c = new InFlightCeiling({ maxInFlight: 7, cap: 64 });
    assert.equal(c.decide(undefined).value, 1);
    c.recordSuccess(1_000);
    assert.equal(c.decide(100).value, 7);
  });
  it("starts with one probe (a small window with a tier preset), then follows Little's law at once, within the cap", () => {
    assert.equal(new InFlightCeiling({ maxInFlight: 'auto', cap: 1_000, initial: 8 }).decide(undefined).value, 8);
    const c = new InFlightCeiling({ maxInFlight: 'auto', cap: 1_000, headroom: 0.25 });
    assert.equal(c.decide(undefined).value, 1);
    c.recordSuccess(5_000);
    // 100 req/s × 5 s × 1.25 = 625, from the first answer on: no slow ramp on a quota with room.
    const d = c.decide(100);
    assert.equal(d.value, 625);
    assert.match(d.reason, /Little's law/);
    assert.equal(c.decide(1_000).value, 1_000, 'bounded by the cap');
  });
  it('halves on a 429/529 and grows back ×2 per round trip (+1 per completion) until the quota binds again', () => {
    const c = new InFlightCeiling({ maxInFlight: 'auto', cap: 1_000, headroom: 0 });
    c.recordSuccess(1_000);
    assert.equal(c.decide(40).value, 40);
    assert.equal(c.recordPushback(40, 'overloaded', 1_000, 1_100), true);
    assert.equal(c.decide(40).value, 20);
    for (let i = 0; i < 10; i++) c.recordSuccess(1_000);
    assert.equal(c.decide(40).value, 30);
    for (let i = 0; i < 20; i++) c.recordSuccess(1_000);
    assert.equal(c.decide(40).value, 40, 'back at the quota');
    c.recordSuccess(1_000);
    assert.equal(c.decide(80).value, 80, 'the cut is over: Little\'s law alone');
  });
  it('cuts once per round trip: push-backs for requests already in the air when it cut are the same news', () => {
    const c = new InFlightCeiling({ maxInFlight: 'auto', cap: 1_000, headroom: 0 });
    c.recordSuccess(1_000);
    assert.equal(c.decide(600).value, 600);
    // A 1 s burst of 529s with 600 in flight: forty answers, all for requests sent before the first came back.
    assert.equal(c.recordPushback(600, 'overloaded', 9_000, 10_000), true);
    for (let i = 1; i < 40; i++) assert.equal(c.recordPushback(600 - i, 'overloaded', 9_000 + i, 10_000 + i * 10), false);
    assert.equal(c.decide(600).value, 300, 'halved once, not forty times');
    // A request sent after the cut that is refused too is new evidence: the overload goes on.
    assert.equal(c.recordPushback(300, 'overloaded', 10_500, 10_600), true);
    assert.equal(c.decide(600).value, 150);
  });
  it('after ramp_limit_exceeded, ramps gradually (×1.5 per round trip) for the rest of the run', () => {
    const c = new InFlightCeiling({ maxInFlight: 'auto', cap: 1_000, headroom: 0 });
    c.recordSuccess(1_000);
    assert.equal(c.decide(400).value, 400);
    c.recordPushback(400, 'ramp-limited', 0, 0);
    assert.equal(c.decide(400).value, 200);
    for (let i = 0; i < 200; i++) c.recordSuccess(1_000);
    assert.equal(c.decide(400).value, 300, '+0.5 per completion');
  });
});

describe('ConsumptionEstimator', () => {
  it('starts from the worst case and learns tokens per byte, cache reads and output share', () => {
    const e = new ConsumptionEstimator();
    assert.deepEqual(e.estimate({ inputBytes: 3000, maxTokens: 1000 }), { inputTokens: 1000, outputTokens: 1000 });
    for (let i = 0; i < 100; i++) {
      e.learn({ inputBytes: 4000, maxTokens: 1000 }, { input_tokens: 100, cache_read_input_tokens: 900, output_tokens: 200 });
    }
    const est = e.estimate({ inputBytes: 4000, maxTokens: 1000 });
    assert.ok(Math.abs(est.inputTokens - 100) <= 2, `cache reads excluded from ITPM: ${est.inputTokens}`);
    assert.ok(est.outputTokens >= 200 && est.outputTokens <= 300, `output ${est.outputTokens}`);
    assert.ok(Math.abs((e.cacheReadShare ?? 0) - 0.9) < 0.01);
  });
  it('learns a shared cached prefix from the first reads, not thirty replies after its one write', () => {
    const e = new ConsumptionEstimator();
    const shape = { inputBytes: 16_300, maxTokens: 100 };
    // The first reply wrote the 4,000-token system prompt to the cache; the next ones read it.
    e.learn(shape, { input_tokens: 40, cache_creation_input_tokens: 4_000, cache_read_input_tokens: 0, output_tokens: 50 });
    for (let i = 0; i < 9; i++) e.learn(shape, { input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 4_000, output_tokens: 50 });
    // A mean of the ten (one write in ten: 440), not a moving average still near the write (~1,600).
    const after10 = e.estimate(shape).inputTokens;
    assert.ok(after10 <= 450, `ITPM per request after 10 replies: ${after10}`);
    for (let i = 0; i < 20; i++) e.learn(shape, { input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 4_000, output_tokens: 50 });
    assert.ok(e.estimate(shape).inputTokens <= 100, `after 30: ${e.estimate(shape).inputTokens}`);
    assert.ok(e.average!.inputTokens <= 100);
  });
  it('a shared prefix: each request is a write until a reply shows it cached, a read after — one write never charges the others', () => {
    const bounds = new PromptBounds();
    const system = [{ type: 'text', text: 'Grade strictly. '.repeat(1_000), cache_control: { type: 'ephemeral' } }];
    const line = (q: string, model = 'claude-haiku-4-5') => ({ model, max_tokens: 100, system, messages: [{ role: 'user' as const, content: q }] });
    const shapeOf = (params: ReturnType<typeof line>) => ({ inputBytes: PromptBounds.bytesBound(params), maxTokens: 100, sharedPrefix: bounds.sharedPrefix(params) });
    const a = shapeOf(line('What is 2 + 2?'));
    const b = shapeOf(line('Name a prime.'));
    assert.ok(a.sharedPrefix && a.sharedPrefix === b.sharedPrefix, 'one identity per (model, prefix)');
    assert.notEqual(shapeOf(line('x', 'claude-sonnet-4-6')).sharedPrefix, a.sharedPrefix, 'another model caches apart');
    assert.equal(bounds.sharedPrefix({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'no cache' }] }), undefined);

    const e = new ConsumptionEstimator();
    // Not yet written: each request may write the whole prefix.
    assert.ok(e.estimate(a).inputTokens >= a.sharedPrefix!.bytes / 3, `unwritten: ${e.estimate(a).inputTokens}`);
    e.learn(a, { input_tokens: 10, cache_creation_input_tokens: 4_000, output_tokens: 50 });
    // Written: the next request reads it, whatever the one write cost.
    assert.ok(e.estimate(b).inputTokens <= 20, `after the write: ${e.estimate(b).inputTokens}`);
    assert.ok(e.average!.inputTokens <= 20, `the average leaves the prefix's write out: ${e.average!.inputTokens}`);
    // A request whose own breakpoint writes every time is still charged its writes.
    const own = { inputBytes: 16_000, maxTokens: 100 };
    e.learn(own, { input_tokens: 10, cache_creation_input_tokens: 4_000, output_tokens: 50 });
    assert.ok(e.estimate(own).inputTokens >= 4_000, `per-request writes: ${e.estimate(own).inputTokens}`);
  });
});

describe('SpendLedger', () => {
  it('refuses a reservation that would cross the cap, and settles to the real cost', () => {
    const l = new SpendLedger(1.0);
    const a = l.tryReserve(0.6)!;
    assert.equal(l.tryReserve(0.5), undefined);
    l.settle(a, 0.1);
    assert.ok(l.tryReserve(0.5));
    assert.deepEqual(l.view(), { spentUsd: 0.1, reservedUsd: 0.5, capUsd: 1.0 });
  });
  it('keeps the worst case of a request that may have been billed, and counts earlier spend', () => {
    const l = new SpendLedger(1.0, 0.4);
    const a = l.tryReserve(0.3)!;
    l.keepWorstCase(a);
    assert.equal(l.view().spentUsd, 0.7);
    assert.equal(l.couldEverFit(0.31), false);
  });
});

describe('Pricing', () => {
  const p = new Pricing();
  it('prices usage including cache writes by TTL and cache reads', () => {
    const cost = p.costOf('claude-sonnet-4-5', {
      input_tokens: 1_000_000,
      output_tokens: 1_000_000,
      cache_creation_input_tokens: 2_000_000,
      cache_read_input_tokens: 1_000_000,
      cache_creation: { ephemeral_5m_input_tokens: 1_000_000, ephemeral_1h_input_tokens: 1_000_000 },
    });
    assert.ok(Math.abs(cost! - (3 + 15 + 3.75 + 6 + 0.3)) < 1e-9);
  });
  it('resolves dated ids to their alias and halves batch prices', () => {
    assert.ok(p.isKnown('claude-haiku-4-5-20251001'));
    const batch = new Pricing({ batch: true });
    assert.equal(batch.costOf('claude-haiku-4-5', { input_tokens: 1_000_000, output_tokens: 0 }), 0.5);
  });
  it('rounds a cost to 1e-10 USD, so results lines carry no float noise, and keeps the finest price', () => {
    // 133 × $1/M + 40 × $5/M summed in binary floating point is 0.00033299999999999996.
    const cost = p.costOf('claude-haiku-4-5', { input_tokens: 133, output_tokens: 40 });
    assert.equal(cost, 0.000333);
    assert.equal(JSON.stringify({ cost_usd: cost }), '{"cost_usd":0.000333}');
    assert.equal(p.costOf('claude-haiku-4-5', { input_tokens: 1000, output_tokens: 40 }), 0.0012);
    // The cheapest rate there is — a batch-priced cache read, $0.005/M — survives the rounding whole.
    const batch = new Pricing({ batch: true });
    assert.equal(batch.costOf('claude-haiku-5-5', { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 1 }), 5e-9);
    assert.equal(batch.costOf('claude-haiku-5-5', { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 3 }), 1.5e-8);
  });
  it('does not price an unknown model at $0', () => {
    assert.equal(p.costOf('claude-unknown-9', { input_tokens: 10, output_tokens: 10 }), null);
    assert.equal(p.worstCaseCost('claude-unknown-9', 10, 10, undefined), null);
  });
  it('takes user overrides', () => {
    const custom = new Pricing({ overrides: { 'my-model': { input: 1, output: 2, cacheWrite5m: 1, cacheWrite1h: 1, cacheRead: 0.1 } } });
    assert.equal(custom.costOf('my-model', { input_tokens: 1_000_000, output_tokens: 1_000_000 }), 3);
  });
  it('reserves the cache-write rate of the TTL the request asks for', () => {
    assert.equal(p.worstCaseCost('claude-haiku-4-5', 1_000_000, 0, '1h'), 2);
    assert.equal(p.worstCaseCost('claude-haiku-4-5', 1_000_000, 0, '5m'), 1.25);
    assert.equal(p.worstCaseCost('claude-haiku-4-5', 1_000_000, 1_000_000, undefined), 6);
  });
});
