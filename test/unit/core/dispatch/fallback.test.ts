// Fallback chains (opt-in): a line whose model has a chain goes to the next model whose class has
// room once its own class has held lines back for the threshold (or answers 529 again and again);
// it is repriced at that model's prices, and its result names both models. Lines without a chain,
// and errors, never move.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Dispatcher, type DispatcherOptions } from '../../../../src/core/dispatch/dispatcher';
import type { MessagesClient } from '../../../../src/core/client/messages-client';
import { Pricing } from '../../../../src/core/pricing/pricing';
import type { InputRequest, ResultLine } from '../../../../src/core/types';
import { PerClassFakeApi } from '../../../helpers/fake-api';
import { source } from '../../../helpers/requests';

const OPUS = 'claude-opus-4-7';
const SONNET = 'claude-sonnet-4-6';
const HAIKU = 'claude-haiku-4-5';
type Family = 'opus' | 'sonnet' | 'haiku';


function lines(n: number, model: (i: number) => string): InputRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    customId: `r${i}`,
    line: i + 1,
    params: { model: model(i), max_tokens: 200, messages: [{ role: 'user' as const, content: `prompt number ${i}` }] },
  }));
}

describe('dispatch: fallback chains', function () {
  this.timeout(60_000);
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-11-24T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => clock.restore());

  // Opus throttled to a quarter of Sonnet's output rate; 100 output tokens a reply.
  const throttled = (): PerClassFakeApi<Family> => {
    const outputTokens = () => 100;
    return new PerClassFakeApi({
      opus: { otpm: 15_000, itpm: 10_000_000, initial: 'drained', latencyMs: 800, outputTokens },
      sonnet: { otpm: 60_000, itpm: 10_000_000, initial: 'drained', latencyMs: 800, outputTokens },
      haiku: { otpm: 60_000, itpm: 10_000_000, initial: 'drained', latencyMs: 800, outputTokens },
    });
  };

  async function runWith(api: MessagesClient, requests: InputRequest[], options: Partial<DispatcherOptions> = {}) {
    const dispatcher = new Dispatcher({ client: api, random: () => 0.5, ...options });
    const results: ResultLine[] = [];
    let last = 0;
    const t0 = Date.now();
    const run = dispatcher.addRun({
      label: 'job.jsonl', requests: source(requests), total: requests.length, pricing: new Pricing(),
      onResult: (line) => {
        results.push(line);
        last = Date.now();
      },
    });
    await clock.tickAsync(200_000);
    const summary = await run.done;
    return { summary, results, seconds: (last - t0) / 1000, snapshot: run.snapshot(Date.now()) };
  }

  const chain = { chains: new Map([[OPUS, [SONNET]]]), afterMs: 5_000 };

  it('a job on a throttled primary finishes sooner with a chain, every result naming the model that answered', async () => {
    const without = await runWith(throttled(), lines(300, () => OPUS));
    const api = throttled();
    const withChain = await runWith(api, lines(300, () => OPUS), { fallback: chain });
    assert.equal(withChain.summary.succeeded, 300);
    assert.ok(withChain.seconds < 0.7 * without.seconds, `${withChain.seconds.toFixed(1)} s with the chain, ${without.seconds.toFixed(1)} s without`);
    const moved = withChain.results.filter((r) => r.fallback_from === OPUS);
    assert.ok(moved.length > 50, `${moved.length} lines fell back`);
    for (const r of withChain.results) {
      const answered = (r.result as { message: { model: string } }).message.model;
      assert.equal(r.model, answered, 'the results line names the model that answered');
      assert.equal(r.fallback_from, r.model === SONNET ? OPUS : undefined);
    }
    assert.deepEqual(withChain.snapshot.fallbacks, { [`${OPUS} → ${SONNET}`]: moved.length });
    assert.equal(api.apis.sonnet.received, moved.length + api.apis.sonnet.rateLimited);
    // The primary keeps taking what its own buckets allow: the chain is a spill-over, not a switch.
    assert.ok(api.apis.opus.succeeded > 50, `${api.apis.opus.succeeded} answered by Opus`);
    // Priced at the model that answered.
    const sonnetLine = moved[0]!;
    assert.ok(sonnetLine.cost_usd! < withChain.results.find((r) => r.model === OPUS)!.cost_usd!, 'Sonnet is cheaper than Opus');
  });

  it('not before the threshold: a short hold does not move a line', async () => {
    const api = throttled();
    const { results } = await runWith(api, lines(12, () => OPUS), { fallback: { ...chain, afterMs: 60_000 } });
    assert.equal(results.filter((r) => r.fallback_from).length, 0);
    assert.equal(api.apis.sonnet.received, 0);
  });

  it('a line without a chain never moves, whatever its class waits; an error is never a reason to move', async () => {
    const api = throttled();
    api.apis.opus.script.push({ status: 400, type: 'invalid_request_error', message: 'bad request' });
    const requests = lines(200, (i) => (i % 2 ? HAIKU : OPUS));
    const { results } = await runWith(api, requests, { fallback: { chains: new Map([[OPUS, [SONNET]]]), afterMs: 5_000 } });
    assert.ok(results.filter((r) => r.fallback_from === undefined && r.model === HAIKU).length === 100, 'haiku lines stay haiku');
    const errored = results.filter((r) => r.result.type === 'errored');
    assert.equal(errored.length, 1);
    assert.equal(errored[0]!.model, OPUS, 'recorded on its own model, not retried elsewhere');
    assert.equal(errored[0]!.fallback_from, undefined);
  });
});
