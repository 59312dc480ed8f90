// A run held to a share of each model class's limits (`--max-share`): its own buckets at share ×
// the limits, refilled at share × the refill; alone it leaves the rest of the quota unused, beside
// another run it takes no more than its share, and it waits without holding the others back.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Dispatcher } from '../../../../src/core/dispatch/dispatcher';
import { describeHold } from '../../../../src/core/dispatch/hold';
import { ShareBuckets } from '../../../../src/core/dispatch/share';
import { Pricing } from '../../../../src/core/pricing/pricing';
import type { InputRequest } from '../../../../src/core/types';
import { FakeApi } from '../../../helpers/fake-api';
import { source } from '../../../helpers/requests';

const view = (limit: number) => ({ limit, remaining: limit, softFloor: 0, hardFloor: 0, resetAt: 0 });

describe('a share of the limits', () => {
  it('holds share × each bucket, refilled at share × its rate; nothing before the limits are known', () => {
    const s = new ShareBuckets(0.25);
    const limits = { requests: view(600), outputTokens: view(60_000) };
    const c = { inputTokens: 100, outputTokens: 1_000 };
    assert.equal(s.wait(c, {}, 0), undefined, 'no limits known: nothing to take a share of');
    for (let i = 0; i < 15; i++) {
      assert.equal(s.wait(c, limits, 0), undefined, `request ${i}`);
      s.take(c, limits, 0);
    }
    // 15,000 output tokens is the whole share; the next 1,000 need 1,000 / (0.25 × 1,000 per s) = 4 s.
    assert.deepEqual(s.wait(c, limits, 0), { dimension: 'outputTokens', waitMs: 4_000 });
    assert.equal(s.wait(c, limits, 4_000), undefined);
    assert.match(describeHold({ kind: 'share', share: 0.25, dimension: 'outputTokens', waitMs: 4_000 }), /^held to its 25% share: output tokens; next in 4\.0 s$/);
  });

  describe('in the dispatcher', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: Date.parse('2026-11-24T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    });
    afterEach(() => clock.restore());

    const lines = (n: number, tag: string): InputRequest[] =>
      Array.from({ length: n }, (_, i) => ({ customId: `${tag}${i}`, line: i + 1, params: { model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user' as const, content: `${tag} ${i}` }] } }));

    it('beside an uncapped run, a run capped at 25% takes a quarter of the output tokens; the other takes the rest', async () => {
      // 60,000 OTPM = 1,000 tokens/s; 100 output tokens a reply → 10 requests/s for everyone.
      const api = new FakeApi({ otpm: 60_000, itpm: 10_000_000, initial: 'drained', latencyMs: 500, outputTokens: () => 100 });
      const dispatcher = new Dispatcher({ client: api, random: () => 0.5 });
      const details: string[] = [];
      dispatcher.on('state', (_id, _state, detail) => details.push(detail ?? ''));
      const done = { capped: [] as number[], free: [] as number[] };
      dispatcher.addRun({ label: 'script.jsonl', requests: source(lines(2_000, 'c')), total: 2_000, pricing: new Pricing(), maxShare: 0.25, onResult: () => done.capped.push(Date.now()) });
      dispatcher.addRun({ label: 'app.jsonl', requests: source(lines(2_000, 'f')), total: 2_000, pricing: new Pricing(), onResult: () => done.free.push(Date.now()) });
      const t0 = Date.now();
      await clock.tickAsync(100_000);
      const inWindow = (ts: number[]) => ts.filter((t) => t > t0 + 30_000 && t <= t0 + 90_000).length / 60;
      const [c, f] = [inWindow(done.capped), inWindow(done.free)];
      assert.ok(Math.abs(c - 2.5) <= 0.25, `the capped run: ${c.toFixed(2)} req/s, its share 2.5`);
      assert.ok(c + f >= 0.95 * 10, `together ${(c + f).toFixed(2)} req/s of 10: the rest is not left unused`);
      assert.ok(api.rateLimited <= 1);
      assert.ok(details.some((d) => d.startsWith('held to its 25% share: output tokens; next in')), 'the capped run says why it waits');
      dispatcher.abort();
      await clock.tickAsync(1_000);
    });

    it('alone, a run capped at 30% leaves 70% of the quota to whoever else uses the key', async () => {
      const api = new FakeApi({ otpm: 60_000, itpm: 10_000_000, initial: 'full', latencyMs: 500, outputTokens: () => 100 });
      const dispatcher = new Dispatcher({ client: api, random: () => 0.5 });
      const at: number[] = [];
      dispatcher.addRun({ label: 'script.jsonl', requests: source(lines(3_000, 's')), total: 3_000, pricing: new Pricing(), maxShare: 0.3, onResult: () => at.push(Date.now()) });
      const t0 = Date.now();
      await clock.tickAsync(120_000);
      const rate = at.filter((t) => t > t0 + 60_000 && t <= t0 + 120_000).length / 60;
      assert.ok(Math.abs(rate - 3) <= 0.3, `${rate.toFixed(2)} req/s, its share 3 of 10`);
      assert.ok(api.output.levelAt() > 0.6 * 60_000, `the bucket stays ${Math.round(api.output.levelAt())} of 60,000 full for the others`);
      dispatcher.abort();
      await clock.tickAsync(1_000);
    });
  });
});
