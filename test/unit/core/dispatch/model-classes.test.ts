// One set of buckets per model class, as the API keeps them: a file alternating Haiku and Sonnet is
// paced by each class's own buckets, in parallel; a class at its floor or in a pause after a 429
// keeps only its own lines waiting; snapshots and holds say which class.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Dispatcher } from '../../../../src/core/dispatch/dispatcher';
import type { MessagesClient } from '../../../../src/core/client/messages-client';
import { Pricing } from '../../../../src/core/pricing/pricing';
import type { InputRequest, ResultLine } from '../../../../src/core/types';
import { PerClassFakeApi } from '../../../helpers/fake-api';
import { source } from '../../../helpers/requests';

const HAIKU = 'claude-haiku-4-5';
const SONNET = 'claude-sonnet-4-6';

/** The API with one FakeApi (one set of buckets) per model class. */

function alternating(n: number): InputRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    customId: `r${i}`,
    line: i + 1,
    params: { model: i % 2 === 0 ? HAIKU : SONNET, max_tokens: 200, messages: [{ role: 'user' as const, content: `prompt number ${i}` }] },
  }));
}

describe('dispatch: one set of buckets per model class', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-11-24T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => clock.restore());

  function start(api: MessagesClient, requests: InputRequest[]) {
    const dispatcher = new Dispatcher({ client: api, random: () => 0.5 });
    const results: ResultLine[] = [];
    const done = new Map<string, number>();
    const logs: string[] = [];
    dispatcher.on('log', (e) => logs.push(`${e.level}: ${e.message}`));
    const run = dispatcher.addRun({
      label: 'mixed.jsonl', requests: source(requests), total: requests.length, pricing: new Pricing(),
      onResult: (line) => {
        results.push(line);
        done.set(line.custom_id, Date.now());
      },
    });
    return { dispatcher, run, results, done, logs };
  }

  it('an alternating file on two drained classes runs both in parallel: ≥ 95% of the floor-aware bound of both together, no 429', async () => {
    // Haiku 60,000 OTPM (1,000 tokens/s), Sonnet 30,000 (500/s); 100 output tokens a reply.
    const outputTokens = () => 100;
    const api = new PerClassFakeApi({
      haiku: { otpm: 60_000, itpm: 10_000_000, initial: 'drained', latencyMs: 800, outputTokens },
      sonnet: { otpm: 30_000, itpm: 10_000_000, initial: 'drained', latencyMs: 800, outputTokens },
    });
    const requests = alternating(400);
    const t0 = Date.now();
    const { run, done } = start(api, requests);
    await clock.tickAsync(120_000);
    const summary = await run.done;
    assert.equal(summary.succeeded, 400);
    // Only the very first request of each class, to an unknown and drained quota, can meet a 429.
    assert.ok(api.apis.haiku.rateLimited <= 1 && api.apis.sonnet.rateLimited <= 1, `${api.apis.haiku.rateLimited} + ${api.apis.sonnet.rateLimited} answered 429`);
    // Each class: the soft floor's refill (10% of its limit) first, then 200 × 100 tokens, then one reply.
    const haikuBound = (6_000 + 20_000) / 1_000 + 0.8;
    const sonnetBound = (3_000 + 20_000) / 500 + 0.8;
    const bothBound = Math.max(haikuBound, sonnetBound);
    const lastOf = (model: string) => Math.max(...requests.filter((r) => r.params.model === model).map((r) => done.get(r.customId)!)) - t0;
    const total = Math.max(lastOf(HAIKU), lastOf(SONNET)) / 1000;
    assert.ok(bothBound / total >= 0.95, `finished in ${total.toFixed(1)} s against a bound of ${bothBound.toFixed(1)} s`);
    // Haiku is not held behind Sonnet's slower buckets: it ends near its own bound.
    assert.ok(lastOf(HAIKU) / 1000 <= haikuBound / 0.95, `haiku ended at ${(lastOf(HAIKU) / 1000).toFixed(1)} s, its bound ${haikuBound.toFixed(1)} s`);
  });

  it('a 429 on one class pauses that class only', async () => {
    const api = new PerClassFakeApi({
      haiku: { otpm: 10_000_000, itpm: 10_000_000, latencyMs: 200 },
      // 10 requests a second, from a little over its soft floor: Sonnet sends all along.
      sonnet: { rpm: 600, initial: 0.12, otpm: 10_000_000, itpm: 10_000_000, latencyMs: 200 },
    });
    api.apis.haiku.script.push({ status: 429, type: 'rate_limit_error', message: 'rate limited', retryAfterSec: 10 });
    const { run, logs } = start(api, alternating(400));
    await clock.tickAsync(9_500);
    const pausedAt = api.apis.haiku.sentAt[0]!;
    const during = (sentAt: number[]) => sentAt.filter((t) => t > pausedAt + 100 && t < pausedAt + 9_000).length;
    assert.equal(during(api.apis.haiku.sentAt), 0, 'haiku waits out its retry-after');
    assert.ok(during(api.apis.sonnet.sentAt) > 50, `sonnet kept sending (${during(api.apis.sonnet.sentAt)})`);
    assert.ok(logs.some((l) => l.startsWith('warn: a 429 (rate limited): all new requests wait 10.0 s')), logs.join('\n'));
    await clock.tickAsync(200_000);
    assert.equal((await run.done).succeeded, 400);
  });

  it('snapshots carry each class; a hold names its class once two are in use', async () => {
    const api = new PerClassFakeApi({
      haiku: { otpm: 60_000, itpm: 10_000_000, initial: 'drained', latencyMs: 500, outputTokens: () => 100 },
      sonnet: { otpm: 30_000, itpm: 10_000_000, initial: 'drained', latencyMs: 500, outputTokens: () => 100 },
    });
    const { dispatcher, run } = start(api, alternating(40));
    await clock.tickAsync(2_000);
    const snap = dispatcher.snapshot();
    assert.deepEqual(snap.classes.map((c) => c.modelClass), ['haiku', 'sonnet']);
    assert.deepEqual(snap.classes.map((c) => c.dimensions.outputTokens?.limit), [60_000, 30_000]);
    assert.equal(snap.inFlight, snap.classes[0]!.inFlight + snap.classes[1]!.inFlight);
    assert.match(snap.holdDetail ?? '', /^(haiku|sonnet): (holding at soft|stopped at hard) floor: /);
    assert.match(snap.runs[0]!.detail ?? '', /^(haiku|sonnet): (holding at soft|stopped at hard) floor: /);
    await clock.tickAsync(120_000);
    await run.done;
  });
});
