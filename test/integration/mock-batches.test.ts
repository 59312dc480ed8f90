// The mock's Message Batches API driven by the REAL SDK over 127.0.0.1: create, retrieve, results
// (the SDK follows `results_url` and decodes JSONL), cancel, expiry, list and delete, and the
// errors the SDK maps to its classes. Batch lines are answered like live requests, billed at half
// price, and never touch the live rate-limit buckets.
import assert from 'node:assert/strict';
import Anthropic, { AnthropicError, AuthenticationError, BadRequestError, GatewayTimeoutError, NotFoundError, OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import { EnforcedSpendLimitReachedError } from '@anthropic-ai/sdk/resources/shared';
import { Pricing } from '../../src/core/pricing/pricing';
import { createBatchOnce, createSdkBatchesClient, type BatchEntry } from '../../src/core/batches/batches-client';
import { startMockServer, type MockServer, type MockServerOptions } from '../../src/simulator/mock-server';

type Batch = Anthropic.Messages.Batches.MessageBatch;
type ResultLine = Anthropic.Messages.Batches.MessageBatchIndividualResponse;
type Params = Anthropic.MessageCreateParamsNonStreaming;

const MODEL = 'claude-sonnet-5-5';
const FAST = { baseMs: 5, perOutputTokenMs: 0, jitter: 0 };
const LIMITS = { requestsPerMinute: 600, inputTokensPerMinute: 600_000, outputTokensPerMinute: 60_000 };
const T0 = Date.UTC(2026, 10, 3, 12, 0, 0);
const DAY_MS = 24 * 60 * 60_000;

const params = (text: string, extra: Partial<Params> = {}): Params => ({
  model: MODEL,
  max_tokens: 1_000,
  messages: [{ role: 'user', content: text }],
  ...extra,
});
const requests = (n: number, prefix = 'req') =>
  Array.from({ length: n }, (_, i) => ({ custom_id: `${prefix}-${i}`, params: params(`question number ${i}: ${'why '.repeat(i)}`) }));

/** A clock the test moves by hand: batch progress is then exact. */
function manualClock(start = T0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the request to fail');
}

async function collect(decoder: AsyncIterable<ResultLine>): Promise<ResultLine[]> {
  const lines: ResultLine[] = [];
  for await (const line of decoder) lines.push(line);
  return lines;
}

function countsTotal(b: Batch): number {
  const c = b.request_counts;
  return c.processing + c.succeeded + c.errored + c.canceled + c.expired;
}

describe('mock Message Batches API (real SDK)', () => {
  let server: MockServer | undefined;
  const start = async (options: Partial<MockServerOptions> = {}) => {
    server = await startMockServer({ apiKey: 'test-key', limits: LIMITS, latency: FAST, ...options });
    return { server, client: new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 }) };
  };
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('processes a batch over time; the SDK decodes every result once, out of order, billed at half price', async () => {
    const { server, client } = await start({ batches: { minMs: 10, maxMs: 200 } });
    const submitted = requests(30);
    const created = await client.messages.batches.create({ requests: submitted });

    assert.match(created.id, /^msgbatch_\w+$/);
    assert.equal(created.type, 'message_batch');
    assert.equal(created.processing_status, 'in_progress');
    assert.deepEqual(created.request_counts, { processing: 30, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    assert.equal(Date.parse(created.expires_at) - Date.parse(created.created_at), DAY_MS);
    assert.equal(created.ended_at, null);
    assert.equal(created.cancel_initiated_at, null);
    assert.equal(created.archived_at, null);
    assert.equal(created.results_url, null);

    let batch: Batch = created;
    for (let i = 0; i < 200 && batch.processing_status !== 'ended'; i++) {
      await sleep(20);
      batch = await client.messages.batches.retrieve(created.id);
      assert.equal(countsTotal(batch), 30);
    }
    assert.equal(batch.processing_status, 'ended');
    assert.deepEqual(batch.request_counts, { processing: 0, succeeded: 30, errored: 0, canceled: 0, expired: 0 });
    assert.equal(batch.results_url, `${server.url}/v1/messages/batches/${created.id}/results`);
    const took = Date.parse(batch.ended_at!) - Date.parse(batch.created_at);
    assert.ok(took >= 10 && took <= 200, `ended ${took} ms after creation`);

    const lines = await collect(await client.messages.batches.results(created.id));
    assert.equal(lines.length, 30);
    assert.deepEqual(lines.map((l) => l.custom_id).sort(), submitted.map((r) => r.custom_id).sort());
    assert.notDeepEqual(lines.map((l) => l.custom_id), submitted.map((r) => r.custom_id), 'results come out of submission order');
    // The order is stable per batch (a hash), so fetching twice gives the same lines.
    const again = await collect(await client.messages.batches.results(created.id));
    assert.deepEqual(again, lines);

    const listPrice = new Pricing();
    const batchPrice = new Pricing({ batch: true });
    let list = 0;
    let half = 0;
    for (const line of lines) {
      assert.equal(line.result.type, 'succeeded');
      if (line.result.type !== 'succeeded') continue;
      const message = line.result.message;
      assert.equal(message.type, 'message');
      assert.equal(message.role, 'assistant');
      assert.equal(message.model, MODEL);
      assert.equal(message.content[0]?.type, 'text');
      assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
      list += listPrice.costOf(MODEL, { ...message.usage })!;
      half += batchPrice.costOf(MODEL, { ...message.usage })!;
    }
    const ids = lines.map((l) => (l.result.type === 'succeeded' ? l.result.message.id : ''));
    assert.equal(new Set(ids).size, 30, 'message ids are unique');

    const stats = server.stats();
    assert.ok(list > 0);
    assert.ok(Math.abs(stats.batchBilledUsd - list / 2) < 1e-12, `${stats.batchBilledUsd} vs half of ${list}`);
    assert.ok(Math.abs(stats.batchBilledUsd - half) < 1e-12);
    assert.ok(Math.abs(stats.billedUsd - stats.batchBilledUsd) < 1e-12, 'batch spend is part of the one bill');
    assert.equal(stats.batchesCreated, 1);
    assert.equal(stats.batchRequests, 30);
    assert.equal(stats.batchSucceeded, 30);
    const usageSum = (k: 'input_tokens' | 'output_tokens') =>
      lines.reduce((sum, l) => sum + (l.result.type === 'succeeded' ? l.result.message.usage[k] : 0), 0);
    assert.equal(stats.batchInputTokens, usageSum('input_tokens'));
    assert.equal(stats.batchOutputTokens, usageSum('output_tokens'));
    // Nothing went through the live endpoint.
    assert.equal(stats.received, 0);
    assert.equal(stats.inputTokensCharged, 0);
    assert.equal(stats.outputTokensCharged, 0);

    // A line is what a live call with the same params gets (same text and usage), but its own id
    // and the batch service tier.
    const one = submitted[7]!;
    const live = await client.messages.create(one.params);
    const fromBatch = lines.find((l) => l.custom_id === one.custom_id)!.result as Anthropic.Messages.Batches.MessageBatchSucceededResult;
    assert.notEqual(fromBatch.message.id, live.id);
    assert.equal(fromBatch.message.usage.service_tier, 'batch');
    assert.equal(live.usage.service_tier, 'standard');
    assert.deepEqual({ ...fromBatch.message, id: live.id, usage: { ...fromBatch.message.usage, service_tier: 'standard' } }, live);
    assert.ok(Math.abs(server.stats().billedUsd - (stats.billedUsd + listPrice.costOf(MODEL, { ...live.usage })!)) < 1e-12, 'live calls bill full price');
  });

  it('never touches the live buckets: drained for live calls, a batch still completes', async () => {
    const clock = manualClock();
    const { server, client } = await start({ now: clock.now, initial: 'drained', batches: { minMs: 0, maxMs: 1_000 } });
    await assert.rejects(client.messages.create(params('live')), RateLimitError);
    const before = server.levels();
    const created = await client.messages.batches.create({ requests: requests(25) });
    clock.advance(1_000);
    const batch = await client.messages.batches.retrieve(created.id);
    assert.equal(batch.processing_status, 'ended');
    assert.equal(batch.request_counts.succeeded, 25);
    assert.ok(Date.parse(batch.ended_at!) <= T0 + 1_000);
    // The buckets only refilled (limit/60 per second) over that second: the batch took nothing.
    const refill = (perMinute: number) => (perMinute * 1_000) / 60_000;
    assert.deepEqual(server.levels(), {
      requests: before.requests + refill(LIMITS.requestsPerMinute),
      inputTokens: before.inputTokens + refill(LIMITS.inputTokensPerMinute),
      outputTokens: before.outputTokens + refill(LIMITS.outputTokensPerMinute),
    });
  });

  it('reports an unknown model and invalid params as errored lines inside an otherwise fine batch', async () => {
    const clock = manualClock();
    const { server, client } = await start({ now: clock.now, knownModels: [MODEL], batches: { minMs: 0, maxMs: 100 } });
    const { max_tokens: _dropped, ...noMaxTokens } = params('no max_tokens');
    const created = await client.messages.batches.create({
      requests: [
        ...requests(3),
        { custom_id: 'bad-model', params: params('hello', { model: 'claude-nope-9' }) },
        { custom_id: 'bad-params', params: noMaxTokens as Params },
      ],
    });
    clock.advance(100);
    const batch = await client.messages.batches.retrieve(created.id);
    assert.equal(batch.processing_status, 'ended');
    assert.deepEqual(batch.request_counts, { processing: 0, succeeded: 3, errored: 2, canceled: 0, expired: 0 });

    const lines = await collect(await client.messages.batches.results(created.id));
    const byId = new Map(lines.map((l) => [l.custom_id, l.result]));
    assert.deepEqual(byId.get('bad-model'), {
      type: 'errored',
      error: { type: 'error', error: { type: 'invalid_request_error', message: 'model: claude-nope-9' }, request_id: null },
    });
    const badParams = byId.get('bad-params');
    assert.equal(badParams?.type, 'errored');
    assert.equal(badParams.type === 'errored' && badParams.error.error.type, 'invalid_request_error');
    assert.match(badParams.type === 'errored' ? badParams.error.error.message : '', /max_tokens/);
    for (const id of ['req-0', 'req-1', 'req-2']) assert.equal(byId.get(id)?.type, 'succeeded');

    const stats = server.stats();
    assert.equal(stats.batchSucceeded, 3);
    assert.equal(stats.batchErrored, 2);
    // Errored lines bill nothing.
    const billed = lines.reduce((sum, l) => sum + (l.result.type === 'succeeded' ? new Pricing({ batch: true }).costOf(MODEL, { ...l.result.message.usage })! : 0), 0);
    assert.ok(Math.abs(stats.batchBilledUsd - billed) < 1e-12);
  });

  it('cancels mid-way: finished requests keep their results, the rest are canceled, and the counts add up', async () => {
    const clock = manualClock();
    const { server, client } = await start({ now: clock.now, batches: { minMs: 0, maxMs: 1_000 } });
    const created = await client.messages.batches.create({ requests: requests(50) });
    clock.advance(500);

    const canceling = await client.messages.batches.cancel(created.id);
    assert.equal(canceling.processing_status, 'canceling');
    assert.equal(canceling.cancel_initiated_at, new Date(T0 + 500).toISOString());
    assert.equal(canceling.ended_at, null);
    assert.equal(canceling.results_url, null);
    const done = canceling.request_counts.succeeded;
    const open = canceling.request_counts.processing;
    assert.ok(done > 0 && open > 0, `succeeded ${done}, processing ${open}`);
    assert.equal(done + open, 50);

    clock.advance(1_000); // what was open at the cancel does not finish later
    const ended = await client.messages.batches.retrieve(created.id);
    assert.equal(ended.processing_status, 'ended');
    assert.deepEqual(ended.request_counts, { processing: 0, succeeded: done, errored: 0, canceled: open, expired: 0 });
    assert.equal(countsTotal(ended), 50);

    const lines = await collect(await client.messages.batches.results(created.id));
    assert.equal(lines.length, 50);
    assert.equal(lines.filter((l) => l.result.type === 'canceled').length, open);
    assert.equal(lines.filter((l) => l.result.type === 'succeeded').length, done);
    for (const l of lines) if (l.result.type === 'canceled') assert.deepEqual(l.result, { type: 'canceled' });

    const stats = server.stats();
    assert.equal(stats.batchCanceled, open);
    assert.equal(stats.batchSucceeded, done);

    const again = await rejection(client.messages.batches.cancel(created.id));
    assert.ok(again instanceof BadRequestError);
    assert.match(again.message, /cannot be canceled/);
  });

  it('expires what has not finished by expires_at; the batch ends then', async () => {
    const clock = manualClock();
    const { server, client } = await start({ now: clock.now, batches: { minMs: 0, maxMs: 1_000, expiresAfterMs: 300 } });
    const created = await client.messages.batches.create({ requests: requests(40) });
    assert.equal(created.expires_at, new Date(T0 + 300).toISOString());

    clock.advance(299);
    assert.equal((await client.messages.batches.retrieve(created.id)).processing_status, 'in_progress');
    clock.advance(2_000);
    const ended = await client.messages.batches.retrieve(created.id);
    assert.equal(ended.processing_status, 'ended');
    assert.equal(ended.ended_at, new Date(T0 + 300).toISOString());
    const { succeeded, expired } = ended.request_counts;
    assert.ok(succeeded > 0 && expired > 0, `succeeded ${succeeded}, expired ${expired}`);
    assert.equal(succeeded + expired, 40);

    const lines = await collect(await client.messages.batches.results(created.id));
    assert.equal(lines.filter((l) => l.result.type === 'expired').length, expired);
    for (const l of lines) if (l.result.type === 'expired') assert.deepEqual(l.result, { type: 'expired' });
    assert.equal(server.stats().batchExpired, expired);
  });

  it('refuses invalid batches with 400s the SDK maps to BadRequestError', async () => {
    const { server, client } = await start();
    const bad = async (body: unknown, pattern: RegExp) => {
      const err = await rejection(client.messages.batches.create(body as Anthropic.Messages.Batches.BatchCreateParams));
      assert.ok(err instanceof BadRequestError, String(err));
      assert.equal(err.status, 400);
      const wire = err.error as { type?: string; error?: { type?: string; message?: string } };
      assert.equal(wire.type, 'error');
      assert.equal(wire.error?.type, 'invalid_request_error');
      assert.match(wire.error?.message ?? '', pattern);
      assert.match(err.requestID ?? '', /^req_mock_/);
    };
    await bad({ requests: [] }, /at least 1/);
    await bad({}, /requests: Field required/);
    await bad({ requests: [{ custom_id: 'a', params: params('x') }, { custom_id: 'a', params: params('y') }] }, /Duplicate custom_id "a"/);
    await bad({ requests: [{ custom_id: 'has space', params: params('x') }] }, /custom_id: String should match pattern/);
    await bad({ requests: [{ custom_id: 'x'.repeat(65), params: params('x') }] }, /custom_id: String should match pattern/);
    await bad({ requests: [{ params: params('x') }] }, /custom_id: Field required/);
    await bad({ requests: [{ custom_id: 'a', params: 'text' }] }, /params: Input should be a valid dictionary/);
    await bad({ requests: Array.from({ length: 100_001 }, () => ({ custom_id: 'a', params: {} })) }, /at most 100000 items/);
    assert.equal(server.stats().batchesCreated, 0);
    assert.equal(server.batches().length, 0);

    const wrongKey = new Anthropic({ apiKey: 'nope', baseURL: server.url, maxRetries: 0 });
    await assert.rejects(wrongKey.messages.batches.create({ requests: requests(1) }), AuthenticationError);
    await assert.rejects(wrongKey.messages.batches.retrieve('msgbatch_x'), AuthenticationError);
  });

  it('has no results before the batch ends, and 404s unknown batch ids', async () => {
    const clock = manualClock();
    const { client } = await start({ now: clock.now });
    const created = await client.messages.batches.create({ requests: requests(3) });

    // The SDK refuses on its own: there is no results_url yet.
    const early = await rejection(client.messages.batches.results(created.id));
    assert.ok(early instanceof AnthropicError);
    assert.match(early.message, /No batch `results_url`/);
    // The results URL itself answers 400 until the batch has ended.
    const direct = await rejection(client.get(`/v1/messages/batches/${created.id}/results`));
    assert.ok(direct instanceof BadRequestError, String(direct));
    assert.match(direct.message, /not available until processing has ended/);

    for (const call of [
      () => client.messages.batches.retrieve('msgbatch_nope'),
      () => client.messages.batches.cancel('msgbatch_nope'),
      () => client.messages.batches.results('msgbatch_nope'),
      () => client.messages.batches.delete('msgbatch_nope'),
    ]) {
      const err = await rejection(call());
      assert.ok(err instanceof NotFoundError, String(err));
      assert.match(err.message, /msgbatch_nope/);
    }
  });

  it('lists batches newest first with SDK pagination, and deletes only ended ones', async () => {
    const clock = manualClock();
    const { server, client } = await start({ now: clock.now, batches: { minMs: 10, maxMs: 10 } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.messages.batches.create({ requests: requests(2, `b${i}`) })).id);

    const first = await client.messages.batches.list({ limit: 2 });
    assert.deepEqual(first.data.map((b) => b.id), [ids[4], ids[3]]);
    assert.equal(first.has_more, true);
    const all: string[] = [];
    for await (const b of client.messages.batches.list({ limit: 2 })) all.push(b.id);
    assert.deepEqual(all, [...ids].reverse());

    const busy = await rejection(client.messages.batches.delete(ids[0]!));
    assert.ok(busy instanceof BadRequestError);
    clock.advance(10);
    assert.deepEqual(await client.messages.batches.delete(ids[0]!), { id: ids[0], type: 'message_batch_deleted' });
    await assert.rejects(client.messages.batches.retrieve(ids[0]!), NotFoundError);
    assert.equal(server.batches().length, 4);
    assert.ok(server.batches().every((b) => b.processing_status === 'ended'));
  });

  it('applies configure() to batches created afterwards, and has its own queue limit', async () => {
    const clock = manualClock();
    const { server, client } = await start({ now: clock.now, batches: { minMs: 0, maxMs: 0, maxQueuedRequests: 10 } });
    server.configure({ batches: { minMs: 5_000, maxMs: 5_000, expiresAfterMs: 60_000 } });
    const slow = await client.messages.batches.create({ requests: requests(8) });
    assert.equal(slow.expires_at, new Date(T0 + 60_000).toISOString());

    // 8 waiting + 5 would exceed the pool's 10: a 429 of the batch pool, not of the live buckets.
    const full = await rejection(client.messages.batches.create({ requests: requests(5) }));
    assert.ok(full instanceof RateLimitError, String(full));
    assert.equal(server.levels().requests, LIMITS.requestsPerMinute);

    clock.advance(4_999);
    assert.equal((await client.messages.batches.retrieve(slow.id)).processing_status, 'in_progress');
    clock.advance(1);
    assert.equal((await client.messages.batches.retrieve(slow.id)).processing_status, 'ended');
    await client.messages.batches.create({ requests: requests(5) });

    server.configure({ batches: { maxQueuedRequests: null } });
    await client.messages.batches.create({ requests: requests(50) });
    assert.throws(() => server.configure({ batches: { minMs: 10, maxMs: 5 } }), RangeError);

    // Over HTTP too.
    const res = await fetch(`${server.url}/_mock/configure`, { method: 'POST', body: JSON.stringify({ batches: { minMs: 1, maxMs: 2 } }) });
    assert.equal(res.status, 200);
    const quick = await client.messages.batches.create({ requests: requests(3) });
    clock.advance(2);
    assert.equal((await client.messages.batches.retrieve(quick.id)).processing_status, 'ended');
  });

  it('takes batch bodies over the 32 MB live limit (a batch may be up to 256 MB)', async () => {
    const clock = manualClock();
    const { client } = await start({ now: clock.now });
    const big = 'x'.repeat(33 * 1024 * 1024);
    const created = await client.messages.batches.create({ requests: [{ custom_id: 'big', params: params(big) }] });
    assert.equal(created.request_counts.processing, 1);
    const live = await rejection(client.messages.create(params(big)));
    assert.equal((live as { status?: number }).status, 413);
  });

  it('refuses a batch once the spend limit is reached, as it refuses a live request', async () => {
    const { client } = await start({ orgSpendLimitUsd: 0 });
    await assert.rejects(client.messages.batches.create({ requests: requests(1) }), EnforcedSpendLimitReachedError);
  });

  it('fault modes: a create whose answer is lost leaves its batch made; a refused create makes none', async () => {
    const clock = manualClock();
    const { server, client } = await start({ now: clock.now, batches: { loseCreateAnswers: 1 } });
    const lost = await rejection(client.messages.batches.create({ requests: requests(3) }));
    assert.ok(lost instanceof GatewayTimeoutError, String(lost));
    assert.equal(lost.status, 504);
    // The batch exists and runs as any other; only its answer went missing.
    assert.equal(server.batches().length, 1);
    assert.equal(countsTotal(server.batches()[0] as Batch), 3);
    assert.equal((await client.messages.batches.create({ requests: requests(2) })).request_counts.processing, 2, 'the fault is used up');
    assert.equal(server.batches().length, 2);

    server.configure({ batches: { refuseCreates: 2 } });
    for (let i = 0; i < 2; i++) assert.ok((await rejection(client.messages.batches.create({ requests: requests(1) }))) instanceof OverloadedError);
    assert.equal(server.batches().length, 2, 'a refusal creates nothing');
    // Over HTTP too, and null turns a fault off before it is used up.
    const res = await fetch(`${server.url}/_mock/configure`, { method: 'POST', body: JSON.stringify({ batches: { refuseCreates: 2 } }) });
    assert.equal(res.status, 200);
    assert.ok((await rejection(client.messages.batches.create({ requests: requests(1) }))) instanceof OverloadedError);
    server.configure({ batches: { refuseCreates: null } });
    await client.messages.batches.create({ requests: requests(1) });
    assert.equal(server.batches().length, 3);
    assert.throws(() => server.configure({ batches: { loseCreateAnswers: -1 } }), RangeError);
  });

  describe('Floorline\'s batches client against it', () => {
    const entries = (n: number, prefix = 'req'): BatchEntry[] => requests(n, prefix) as unknown as BatchEntry[];
    const noLog = () => undefined;
    // The look after a lost answer waits LOOK_AFTER_MS of real time otherwise; when it waits is
    // covered with fake timers in test/unit/batches.test.ts.
    const noWait = async () => undefined;

    it('sends a create once: the SDK does not resend it when its answer is lost', async () => {
      const { server } = await start({ batches: { loseCreateAnswers: 1 } });
      const batches = createSdkBatchesClient({ apiKey: 'test-key', baseURL: server.url });
      await assert.rejects(batches.create(entries(3)), GatewayTimeoutError);
      assert.equal(server.batches().length, 1, 'with the SDK\'s retries on, a resend would have made a second batch');
    });

    it('finds the batch a lost answer made (504 from the mock, or the connection dropped after the answer) instead of sending it again', async () => {
      const { server } = await start({ batches: { loseCreateAnswers: 1 } });
      const batches = createSdkBatchesClient({ apiKey: 'test-key', baseURL: server.url });
      const logs: string[] = [];
      const first = await createBatchOnce(batches, entries(5), { known: new Set(), log: (l) => logs.push(l), sleep: noWait });
      assert.equal(first.adopted, true);
      assert.deepEqual(server.batches().map((b) => b.id), [first.info.id]);
      assert.match(logs.join('\n'), new RegExp(`${first.info.id} \\(5 requests, created .*\\) is that batch`));

      // A real connection loss: the mock answers, the answer never arrives (the SDK sees a fetch
      // failure, as on a reset). Another batch of 5 is already known, so it is not taken for it.
      let drop = true;
      const dropping: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        if (drop && init?.method === 'POST' && String(input).endsWith('/v1/messages/batches')) {
          drop = false;
          await res.arrayBuffer();
          throw new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
        }
        return res;
      };
      const cut = createSdkBatchesClient({ apiKey: 'test-key', baseURL: server.url, fetch: dropping });
      const second = await createBatchOnce(cut, entries(5, 'b'), { known: new Set([first.info.id]), log: noLog, sleep: noWait });
      assert.equal(drop, false, 'the connection was cut');
      assert.equal(second.adopted, true);
      assert.notEqual(second.info.id, first.info.id);
      assert.equal(server.batches().length, 2);
    });

    it('lists batches since a moment, newest first, across pages', async () => {
      const clock = manualClock();
      const { server } = await start({ now: clock.now });
      const batches = createSdkBatchesClient({ apiKey: 'test-key', baseURL: server.url });
      for (let i = 0; i < 102; i++) await batches.create(entries(1, `old${i}`));
      clock.advance(60_000);
      const recent: string[] = [];
      for (let i = 0; i < 3; i++) recent.push((await batches.create(entries(2, `new${i}`))).id);
      assert.deepEqual((await batches.listSince(T0 + 60_000)).map((b) => b.id), recent.reverse());
      // 105 batches: more than one page of 100.
      const all = await batches.listSince(T0);
      assert.equal(all.length, 105);
      assert.deepEqual(all.map((b) => b.id), server.batches().map((b) => b.id).reverse());
    });
  });
});
