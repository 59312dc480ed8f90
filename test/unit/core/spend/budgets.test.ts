import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Budgets } from '../../../../src/core/spend/budgets';
import { SpendLedger } from '../../../../src/core/spend/spend-ledger';
import { DailyBudget, type DailyUsage } from '../../../../src/core/spend/daily-budget';
import { Dispatcher } from '../../../../src/core/dispatch/dispatcher';
import { Pricing } from '../../../../src/core/pricing/pricing';
import { systemClock, type InputRequest, type ResultLine } from '../../../../src/core/types';
import { FakeApi } from '../../../helpers/fake-api';

function memoryStore(initial?: DailyUsage) {
  let saved = initial;
  return { load: () => saved, save: (u: DailyUsage) => void (saved = u), get saved() { return saved; } };
}

describe('Budgets', () => {
  it('reserves on every budget or on none', () => {
    const run = new SpendLedger(1.0);
    const tokens = new SpendLedger(1_000);
    const b = new Budgets(run, [{ label: 'daily token budget', measure: 'tokens', ledger: () => tokens }]);
    const first = b.tryReserve({ usd: 0.5, tokens: 800 });
    assert.ok(first.ok);
    const second = b.tryReserve({ usd: 0.1, tokens: 300 });
    assert.deepEqual(second, { ok: false, label: 'daily token budget', everFits: true });
    assert.equal(run.view().reservedUsd, 0.5, 'the run cap was rolled back');
    if (first.ok) b.settle(first.hold, { usd: 0.2, tokens: 100 });
    assert.ok(b.tryReserve({ usd: 0.1, tokens: 300 }).ok);
  });
  it('refuses an unpriced request only where a USD limit is set', () => {
    assert.ok(new Budgets(new SpendLedger(undefined)).tryReserve({ usd: null, tokens: 1 }).ok);
    assert.deepEqual(new Budgets(new SpendLedger(5)).tryReserve({ usd: null, tokens: 1 }), { ok: false, label: 'spend cap', everFits: false });
  });
});

describe('DailyBudget', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ now: Date.parse('2026-11-24T23:59:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] })));
  afterEach(() => clock.restore());

  it('carries today\'s counts across restarts, and starts afresh on a new UTC day', () => {
    const store = memoryStore({ day: '2026-11-24', spentUsd: 4, tokens: 10_000 });
    const daily = new DailyBudget(store, { budgetUsd: 5 }, systemClock);
    assert.deepEqual(daily.usage(), { day: '2026-11-24', spentUsd: 4, tokens: 10_000 });
    const [usd] = daily.sharedBudgets();
    assert.equal(usd!.ledger().tryReserve(1.5), undefined, 'only $1 left today');
    clock.tick(2 * 60_000);
    assert.deepEqual(daily.usage(), { day: '2026-11-25', spentUsd: 0, tokens: 0 });
    assert.ok(usd!.ledger().tryReserve(1.5));
  });

  it('ignores a stored count from another day', () => {
    const daily = new DailyBudget(memoryStore({ day: '2026-11-20', spentUsd: 99, tokens: 1 }), {}, systemClock);
    assert.equal(daily.usage().spentUsd, 0);
  });

  it('is shared by every run on the key, and persisted as they settle', async () => {
    const store = memoryStore();
    const daily = new DailyBudget(store, { budgetUsd: 0.02 }, systemClock);
    const api = new FakeApi({ itpm: 1e9, otpm: 1e9, latencyMs: 100, outputTokens: () => 900 });
    const dispatcher = new Dispatcher({ client: api, maxInFlight: 4 });
    const results: ResultLine[] = [];
    async function* reqs(prefix: string): AsyncIterable<InputRequest> {
      for (let i = 0; i < 50; i++) yield { customId: `${prefix}${i}`, line: i + 1, params: { model: 'claude-haiku-4-5', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] } };
    }
    const start = (prefix: string) =>
      dispatcher.addRun({ label: prefix, requests: reqs(prefix), total: 50, pricing: new Pricing(), sharedBudgets: daily.sharedBudgets(), onResult: (l) => results.push(l) });
    const a = start('a');
    const b = start('b');
    await clock.tickAsync(30_000);
    const [sa, sb] = await Promise.all([a.done, b.done]);
    const pricing = new Pricing();
    const billed = results.reduce((sum, r) => sum + (r.usage ? pricing.costOf('claude-haiku-4-5', r.usage)! : 0), 0);
    assert.ok(billed <= 0.02, `billed ${billed}`);
    assert.equal(sa.state, 'budget-reached');
    assert.equal(sb.state, 'budget-reached');
    assert.match(sa.detail ?? sb.detail ?? '', /daily spend budget/);
    daily.flush();
    assert.ok(Math.abs(store.saved!.spentUsd - billed) < 1e-9, 'the day\'s count is what was billed');
    assert.ok(store.saved!.tokens > 0);
  });
});

describe('pre-flight estimate', () => {
  // Imported here to keep the spend-related tests together.
  const { estimatePreflight } = require('../../../../src/core/preflight') as typeof import('../../../../src/core/preflight');
  const totals = {
    inputBytes: 0, maxTokens: 0, byModel: {}, usesCache: 0,
    perModel: {
      'claude-haiku-4-5': { firstLine: 1, requests: 1000, inputBytes: 1_600_000, maxTokens: 400_000, usesCache: 0, usesCache1h: 0 },
      'claude-sonnet-4-6': { firstLine: 2, requests: 100, inputBytes: 400_000, maxTokens: 100_000, usesCache: 100, usesCache1h: 40 },
    },
  };
  it('sums worst and expected cost per model, and finds the binding limit', () => {
    const e = estimatePreflight(totals, new Pricing(), { limits: { requestsPerMinute: 1000, inputTokensPerMinute: 2_000_000, outputTokensPerMinute: 400_000 } });
    assert.equal(e.requests, 1100);
    assert.equal(e.inputTokens, 500_000);
    assert.equal(e.outputTokens, 250_000);
    // haiku: 1.6M × $1 + 0.4M × $5; sonnet (some lines cache for 1 h → that write rate, $6): 0.4M × $6 + 0.1M × $15.
    assert.ok(Math.abs(e.worstCaseUsd! - (1.6 + 2 + 2.4 + 1.5)) < 1e-9);
    // haiku: 0.4M in × $1 + 0.2M out × $5; sonnet: 0.1M × $3 + 0.05M × $15.
    assert.ok(Math.abs(e.expectedUsd! - (0.4 + 1 + 0.3 + 0.75)) < 1e-9);
    // The duration (worked out in test/unit/preflight.test.ts), per model class: Haiku and Sonnet
    // each have their own 1,000-request bucket, so after its probe each class sends all its lines at
    // once, and the slower class — Sonnet, replies of up to 13 s for 1,000 tokens — sets the end.
    assert.equal(e.bindingLimit, 'in-flight ceiling');
    assert.ok(e.expectedSeconds! > 15 && e.expectedSeconds! < 30, String(e.expectedSeconds));
  });
  it('says which models have no price instead of costing them $0', () => {
    const e = estimatePreflight({ ...totals, perModel: { mystery: { firstLine: 1, requests: 1, inputBytes: 10, maxTokens: 10, usesCache: 0, usesCache1h: 0 } } }, new Pricing());
    assert.equal(e.worstCaseUsd, null);
    assert.deepEqual(e.unpricedModels, ['mystery']);
    assert.equal(e.expectedSeconds, undefined);
  });
});
