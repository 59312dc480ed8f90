// The dispatcher when the server lies or the books would go wrong: never a crash, never NaN.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Dispatcher } from '../../../../src/core/dispatch/dispatcher';
import type { MessagesClient, SentMessage } from '../../../../src/core/client/messages-client';
import { Pricing } from '../../../../src/core/pricing/pricing';
import type { InputRequest, ResultLine } from '../../../../src/core/types';
import { FakeApi } from '../../../helpers/fake-api';
import { inputRequest, source } from '../../../helpers/requests';

const request = inputRequest;


/** Answers each request with what `answer` returns for it, after 100 ms. */
function client(answer: (i: number) => unknown, log: string[] = []): MessagesClient {
  let n = 0;
  return {
    create: () => {
      const i = n++;
      log.push(`send ${i}`);
      return new Promise<SentMessage>((resolve) => setTimeout(() => resolve({ message: answer(i) as SentMessage['message'], headers: new Headers(), requestId: `req_${i}` }), 100));
    },
  };
}

const good = { id: 'msg', usage: { input_tokens: 10, output_tokens: 20 } };

describe('Dispatcher: a server that lies, and books that must stay honest', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ now: Date.parse('2026-12-02T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] })));
  afterEach(() => clock.restore());

  it('a 200 with missing, null or negative usage is an errored line that keeps its worst case, and the run goes on', async () => {
    const answers = [good, { id: 'msg' }, { usage: null }, { usage: { input_tokens: -5, output_tokens: 1 } }, good];
    const results: ResultLine[] = [];
    const pricing = new Pricing();
    const dispatcher = new Dispatcher({ client: client((i) => answers[i]), random: () => 0.5, maxInFlight: 1 });
    const run = dispatcher.addRun({ label: 't', requests: source(answers.map((_, i) => request(i))), total: answers.length, pricing, maxSpendUsd: 10, onResult: (l) => results.push(l) });
    await clock.tickAsync(5_000);
    const summary = await run.done;
    assert.equal(summary.state, 'finished');
    assert.deepEqual(results.map((r) => r.result.type), ['succeeded', 'errored', 'errored', 'errored', 'succeeded']);
    const errored = results.filter((r) => r.result.type === 'errored').map((r) => (r.result as { error: { error: { type: string; message: string } } }).error.error);
    assert.ok(errored.every((e) => e.type === 'invalid_response'));
    assert.match(errored[0]!.message, /answered 200 but it has no "usage".*worst case .* stays counted against the spend cap/);
    const succeededCost = results.filter((r) => r.result.type === 'succeeded').reduce((sum, r) => sum + r.cost_usd!, 0);
    const worst = run.snapshot(Date.now()).spend.spentUsd - succeededCost;
    assert.ok(Number.isFinite(summary.spentUsd) && summary.spentUsd > 0);
    // Three worst cases kept: each is input upper bound + 100 output tokens at Haiku's prices.
    assert.ok(worst >= 3 * 100 * pricing.priceOf('claude-haiku-4-5')!.output, `kept ${worst}`);
  });

  it('an abort that reaches us as a bare error (a body cut mid-read) keeps its worst case, as any abort does', async () => {
    const pricing = new Pricing();
    // The reply's body is being read when the abort lands: Node says "aborted", not the SDK's class.
    const cutOff: MessagesClient = {
      create: (_params, { signal }) =>
        new Promise<SentMessage>((_resolve, reject) => signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })))),
    };
    const dispatcher = new Dispatcher({ client: cutOff, random: () => 0.5, maxInFlight: 2 });
    const run = dispatcher.addRun({ label: 't', requests: source([request(0), request(1)]), total: 2, pricing, maxSpendUsd: 10, onResult: () => undefined });
    await clock.tickAsync(500);
    const reserved = run.snapshot(Date.now()).spend.reservedUsd;
    assert.ok(reserved > 0, 'both requests are out, their worst cases reserved');
    dispatcher.abort();
    await clock.tickAsync(100);
    const summary = await run.done;
    assert.equal(summary.state, 'aborted');
    assert.ok(Math.abs(summary.spentUsd - reserved) < 1e-12, `spent ${summary.spentUsd}, reserved ${reserved}: an abort may have been billed, so its worst case stays`);
  });

  it('a failure that is not the API\'s answer (a bare client-side error) is an errored line that keeps its worst case', async () => {
    const pricing = new Pricing();
    const broken: MessagesClient = { create: () => Promise.reject(new TypeError('terminated')) };
    const dispatcher = new Dispatcher({ client: broken, random: () => 0.5, maxInFlight: 1 });
    const results: ResultLine[] = [];
    const run = dispatcher.addRun({ label: 't', requests: source([request(0)]), total: 1, pricing, maxSpendUsd: 10, onResult: (l) => results.push(l) });
    await clock.tickAsync(1_000);
    const summary = await run.done;
    assert.equal(results[0]?.result.type, 'errored');
    assert.ok(summary.spentUsd > 0, 'its worst case is counted, not released as if never sent');
  });

  it('a price that makes the books NaN stops that run loudly instead of disabling its cap', async () => {
    const logs: string[] = [];
    const pricing = new Pricing({ overrides: { 'bad-model': { input: Number.NaN, output: 1, cacheWrite5m: 1, cacheWrite1h: 1, cacheRead: 1 } } });
    const dispatcher = new Dispatcher({ client: client(() => good), random: () => 0.5 });
    dispatcher.on('log', (e) => logs.push(`${e.level}: ${e.message}`));
    const run = dispatcher.addRun({ label: 't', requests: source([request(0, 'bad-model'), request(1, 'bad-model')]), total: 2, pricing, maxSpendUsd: 1, onResult: () => undefined });
    await clock.tickAsync(2_000);
    const summary = await run.done;
    assert.equal(summary.state, 'failed');
    assert.match(summary.detail ?? '', /spend books were handed NaN/);
    assert.ok(logs.some((l) => l.startsWith('error: t: stopped: the spend books')), logs.join('\n'));
    assert.equal(summary.succeeded, 0);
  });

  it('a model named like an object built-in has no price (never NaN): under a cap it is not sent', async () => {
    const sent: string[] = [];
    const dispatcher = new Dispatcher({ client: client(() => good, sent), random: () => 0.5 });
    for (const model of ['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__']) {
      const run = dispatcher.addRun({ label: model, requests: source([request(0, model)]), total: 1, pricing: new Pricing(), maxSpendUsd: 0.5, onResult: () => undefined });
      await clock.tickAsync(1_000);
      const summary = await run.done;
      assert.equal(summary.state, 'budget-reached', model);
      assert.equal(summary.spentUsd, 0);
    }
    assert.deepEqual(sent, []);
  });

  it('the spend journal is flushed before the requests it reserved for are sent', async () => {
    const order: string[] = [];
    let id = 0;
    const journal = { reserve: (w: number) => (order.push(`reserve ${w > 0}`), ++id), settle: () => order.push('settle'), flush: () => order.push('flush') };
    const dispatcher = new Dispatcher({ client: client(() => good, order), random: () => 0.5, maxInFlight: 3 });
    const run = dispatcher.addRun({ label: 't', requests: source([0, 1, 2].map((i) => request(i))), total: 3, pricing: new Pricing(), maxSpendUsd: 5, journal, onResult: () => undefined });
    await clock.tickAsync(2_000);
    await run.done;
    // Every send follows a flush that came after its reservation.
    for (const [index, entry] of order.entries()) {
      if (!entry.startsWith('send')) continue;
      const lastReserve = order.lastIndexOf('reserve true', index);
      const lastFlush = order.lastIndexOf('flush', index);
      assert.ok(lastFlush > lastReserve, order.join(', '));
    }
    assert.equal(order.filter((e) => e === 'settle').length, 3);
  });
});

describe('Dispatcher: a prompt larger than the whole input bucket', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ now: Date.parse('2026-12-02T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] })));
  afterEach(() => clock.restore());

  it('is recorded as errored after the first 429, not retried five times pausing every run', async () => {
    // 10,000 ITPM; the big prompt is ~20,000 tokens (a quarter of its bytes), the others tiny.
    const api = new FakeApi({ itpm: 10_000, otpm: 1_000_000, latencyMs: 200, outputTokens: () => 10 });
    const dispatcher = new Dispatcher({ client: api, random: () => 0.5 });
    const big: InputRequest = { customId: 'big', line: 1, params: { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'x'.repeat(80_000) }] } };
    const results: ResultLine[] = [];
    const run = dispatcher.addRun({ label: 't', requests: source([big, request(1), request(2)]), total: 3, pricing: new Pricing(), onResult: (l) => results.push(l) });
    await clock.tickAsync(20_000);
    const summary = await run.done;
    assert.equal(summary.state, 'finished');
    const line = results.find((r) => r.custom_id === 'big')!;
    assert.equal(line.result.type, 'errored');
    assert.equal(line.attempts, 1);
    const error = (line.result as { error: { error: { type: string; message: string } } }).error.error;
    assert.equal(error.type, 'request_too_large_for_limit');
    assert.match(error.message, /larger than the whole input tokens limit \(10k per minute\)/);
    assert.deepEqual(results.filter((r) => r.result.type === 'succeeded').map((r) => r.custom_id).sort(), ['r1', 'r2']);
  });
});
