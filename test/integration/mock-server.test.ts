// The mock API driven by the REAL SDK over 127.0.0.1: bodies, errors and headers must be what the
// SDK expects from the real service (its error classes are chosen from status and error_code).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import Anthropic, {
  APIConnectionError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  OverloadedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { EnforcedSpendLimitReachedError } from '@anthropic-ai/sdk/resources/shared';
import sinon from 'sinon';
import { Pricing } from '../../src/core/pricing/pricing';
import type { Clock } from '../../src/core/types';
import {
  MALFORMED_REPLIES,
  limitsForTier,
  requestKey,
  startMockServer,
  type MockServer,
  type MockServerOptions,
} from '../../src/simulator/mock-server';
import { countInputTokens } from '../../src/simulator/tokens';

const MODEL = 'claude-sonnet-5-5';
const FAST = { baseMs: 5, perOutputTokenMs: 0, jitter: 0 };
const LIMITS = { requestsPerMinute: 600, inputTokensPerMinute: 600_000, outputTokensPerMinute: 60_000 };
const RESET_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

type Body = Anthropic.MessageCreateParamsNonStreaming;
const ask = (text: string, extra: Partial<Body> = {}): Body => ({
  model: MODEL,
  max_tokens: 1_000,
  messages: [{ role: 'user', content: text }],
  ...extra,
});

/** A clock the test moves by hand: bucket arithmetic becomes exact while latency stays real (and short). */
function manualClock(start = Date.UTC(2026, 10, 3, 12, 0, 0)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

type FakeTimersConfig = Exclude<Parameters<typeof sinon.useFakeTimers>[0], number | Date | undefined>;

/**
 * A sinon fake clock as the mock's `clock`: its buckets AND its latency follow it, so a reply comes
 * when the test moves time, never by itself. Installed on an object of its own, not on the global:
 * the SDK and the sockets keep real timers, and only the simulated API's time is the test's.
 */
function fakeClock(start = Date.UTC(2026, 10, 3, 12, 0, 0)) {
  // `global` is sinon's own option (absent from its types): the object whose timers the fakes replace.
  const config: FakeTimersConfig & { global: object } = { now: start, toFake: ['setTimeout', 'clearTimeout', 'Date'], global: { setTimeout, clearTimeout, Date, Promise } };
  const fake = sinon.useFakeTimers(config);
  const clock: Clock = {
    now: () => fake.now,
    setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
    clearTimeout: (handle) => fake.clearTimeout(handle as ReturnType<typeof fake.setTimeout>),
  };
  return { clock, tickAsync: (ms: number) => fake.tickAsync(ms) };
}

/** Until `condition` holds: for requests to cross the loopback (real I/O, not the mock's time). */
async function arrived(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the request to fail');
}

describe('mock Messages API (real SDK)', () => {
  let server: MockServer | undefined;
  const start = async (options: Partial<MockServerOptions> = {}) => {
    server = await startMockServer({ apiKey: 'test-key', limits: LIMITS, latency: FAST, ...options });
    return { server, client: new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 }) };
  };
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers with a Message and the real rate-limit headers, token remaining rounded to 1000', async () => {
    const clock = manualClock();
    const { client } = await start({ now: clock.now, outputTokens: 1_300 });
    const body = ask('x'.repeat(4_800), { max_tokens: 4_000 }); // 1,203 input tokens
    const { data, response, request_id } = await client.messages.create(body).withResponse();

    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.match(data.id, /^msg_/);
    assert.equal(data.model, MODEL);
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.content[0]?.type, 'text');
    assert.equal(data.usage.input_tokens, countInputTokens(body));
    assert.equal(data.usage.input_tokens, 1_203);
    assert.equal(data.usage.output_tokens, 1_300);
    assert.deepEqual(data.usage.cache_creation, { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 });
    assert.equal(data.usage.service_tier, 'standard');
    const text = data.content[0]?.type === 'text' ? data.content[0].text : '';
    assert.equal(text.length, 1_300 * 4, 'about 4 characters per output token');

    const h = response.headers;
    assert.equal(h.get('content-type'), 'application/json');
    assert.match(request_id ?? '', /^req_mock_\d+$/);
    assert.equal(h.get('anthropic-ratelimit-requests-limit'), '600');
    assert.equal(h.get('anthropic-ratelimit-requests-remaining'), '599');
    assert.equal(h.get('anthropic-ratelimit-input-tokens-limit'), '600000');
    assert.equal(h.get('anthropic-ratelimit-input-tokens-remaining'), '599000', '598,797 rounds to the nearest thousand');
    assert.equal(h.get('anthropic-ratelimit-output-tokens-limit'), '60000');
    assert.equal(h.get('anthropic-ratelimit-output-tokens-remaining'), '59000', 'output already charged: 58,700 → 59,000');
    // Output is at 97.8 %, input at 99.8 %: output is the most restrictive.
    assert.equal(h.get('anthropic-ratelimit-tokens-limit'), '60000');
    assert.equal(h.get('anthropic-ratelimit-tokens-remaining'), '59000');
    for (const name of ['requests', 'input-tokens', 'output-tokens', 'tokens']) {
      assert.match(h.get(`anthropic-ratelimit-${name}-reset`) ?? '', RESET_FORMAT, name);
    }
    // 1,300 output tokens at 1,000/s refill: full again 1.3 s later, rounded up to the second.
    assert.equal(h.get('anthropic-ratelimit-output-tokens-reset'), new Date(clock.now() + 2_000).toISOString().replace('.000Z', 'Z'));
    assert.equal(h.get('retry-after'), null);
  });

  it('a drained server answers 429 as RateLimitError with retry-after covering the slowest bucket', async () => {
    const clock = manualClock();
    const { client, server: s } = await start({
      now: clock.now,
      initial: 'drained',
      limits: { requestsPerMinute: 60, inputTokensPerMinute: 60_000, outputTokensPerMinute: 6_000 },
    });
    const body = ask('x'.repeat(10_000)); // 2,503 input tokens at 1,000/s → 2.503 s
    const err = await rejection(client.messages.create(body));
    assert.ok(err instanceof RateLimitError, String(err));
    assert.equal(err.status, 429);
    assert.equal(err.type, 'rate_limit_error');
    assert.equal(err.headers.get('retry-after'), '3');
    assert.equal(err.headers.get('anthropic-ratelimit-requests-remaining'), '0');
    assert.equal(err.headers.get('anthropic-ratelimit-input-tokens-remaining'), '0');
    assert.match(err.requestID ?? '', /^req_mock_/);
    assert.deepEqual(s.levels(), { requests: 0, inputTokens: 0, outputTokens: 0 }, 'a refusal charges nothing');

    clock.advance(2_000);
    assert.ok((await rejection(client.messages.create(body))) instanceof RateLimitError, 'still short of input at 2 s');
    clock.advance(1_000);
    const ok = await client.messages.create(body);
    assert.equal(ok.usage.input_tokens, 2_503, 'admitted once retry-after has passed');
  });

  it('charges output after generation: the bucket may go negative and then refuses', async () => {
    const clock = manualClock();
    const { client, server: s } = await start({
      now: clock.now,
      outputTokens: 5_000,
      limits: { ...LIMITS, outputTokensPerMinute: 3_000 },
    });
    const first = await client.messages.create(ask('long please', { max_tokens: 8_000 }));
    assert.equal(first.usage.output_tokens, 5_000);
    assert.equal(s.levels().outputTokens, -2_000);
    const err = await rejection(client.messages.create(ask('again', { max_tokens: 8_000 })));
    assert.ok(err instanceof RateLimitError);
    // Back above zero after 2,000 / 50 per second = 40 s, plus one token.
    assert.equal((err as RateLimitError).headers.get('retry-after'), '41');
  });

  it('caps output at max_tokens with stop_reason max_tokens', async () => {
    const { client } = await start({ outputTokens: 500 });
    const capped = await client.messages.create(ask('hi', { max_tokens: 100 }));
    assert.equal(capped.usage.output_tokens, 100);
    assert.equal(capped.stop_reason, 'max_tokens');
  });

  it('default output length is deterministic per prompt and between 20 and 220', async () => {
    const { client } = await start();
    const lengths = [];
    for (const q of ['a', 'b', 'c', 'a']) lengths.push((await client.messages.create(ask(q))).usage.output_tokens);
    for (const n of lengths) assert.ok(n >= 20 && n <= 220, String(n));
    assert.equal(lengths[0], lengths[3]);
  });

  it('injected errors answer the next requests in order without touching the buckets', async () => {
    const clock = manualClock();
    const { client, server: s } = await start({ now: clock.now });
    s.injectErrors([
      { status: 529, type: 'overloaded_error', message: 'Overloaded' },
      { status: 429, type: 'rate_limit_error', message: 'slow down', retryAfterSec: 7 },
      { status: 500, type: 'api_error', message: 'boom' },
      { resetConnection: true },
    ]);
    const before = s.levels();

    const overloaded = await rejection(client.messages.create(ask('1')));
    assert.ok(overloaded instanceof OverloadedError, String(overloaded));
    assert.equal(overloaded.status, 529);
    const limited = await rejection(client.messages.create(ask('2')));
    assert.ok(limited instanceof RateLimitError);
    assert.equal(limited.headers.get('retry-after'), '7');
    const internal = await rejection(client.messages.create(ask('3')));
    assert.ok(internal instanceof Anthropic.InternalServerError);
    assert.equal(internal.status, 500);
    const reset = await rejection(client.messages.create(ask('4')));
    assert.ok(reset instanceof APIConnectionError, String(reset));
    assert.deepEqual(s.levels(), before);

    await client.messages.create(ask('5'));
    const stats = s.stats();
    assert.equal(stats.received, 5);
    assert.equal(stats.succeeded, 1);
    assert.equal(stats.connectionResets, 1);
    assert.deepEqual(stats.byStatus, { 200: 1, 429: 1, 500: 1, 529: 1 });
    assert.equal(stats.rateLimited, 1);
  });

  it('injected malformed 200s: no usage, usage null, negative counts, a body cut off mid-JSON; nothing billed or charged', async () => {
    const clock = manualClock();
    const { client, server: s } = await start({ now: clock.now });
    s.injectErrors(MALFORMED_REPLIES.map((malformed) => ({ malformed })));
    const before = s.levels();
    const answers: Array<{ status: number; data: unknown }> = [];
    for (const kind of MALFORMED_REPLIES.slice(0, 3)) {
      const { data, response } = await client.messages.create(ask(kind)).withResponse();
      answers.push({ status: response.status, data });
      assert.equal(response.headers.get('anthropic-ratelimit-requests-limit'), String(LIMITS.requestsPerMinute), 'headers as a real 200');
    }
    assert.ok(answers.every((a) => a.status === 200));
    const [noUsage, usageNull, negative] = answers.map((a) => a.data as unknown as Record<string, unknown>);
    assert.equal(noUsage!.type, 'message', 'otherwise a Message');
    assert.equal('usage' in noUsage!, false);
    assert.equal(usageNull!.usage, null);
    assert.deepEqual(
      { input: (negative!.usage as Anthropic.Usage).input_tokens, output: (negative!.usage as Anthropic.Usage).output_tokens },
      { input: -1_000, output: -500 },
    );
    // Labelled JSON but cut off: the SDK's own parse fails, which is no APIError.
    const garbage = await rejection(client.messages.create(ask('garbage-body')));
    assert.ok(garbage instanceof SyntaxError, String(garbage));

    const ok = await client.messages.create(ask('next one is real'));
    assert.ok(ok.usage.input_tokens > 0, 'the queue is used up: the next request is answered normally');
    const stats = s.stats();
    assert.equal(stats.malformedReplies, 4);
    assert.equal(stats.succeeded, 1);
    assert.deepEqual(stats.byStatus, { 200: 5 });
    assert.equal(s.levels().requests, before.requests - 1, 'only the real reply took from the buckets');
    const pricing = new Pricing();
    assert.ok(Math.abs(stats.billedUsd - (pricing.costOf(MODEL, { ...ok.usage }) ?? NaN)) < 1e-12, 'only the real reply is billed');
  });

  it('an injected hang accepts the request and never answers until the client goes away', async () => {
    const { client, server: s } = await start();
    s.injectErrors([{ hang: true }]);
    const controller = new AbortController();
    let settled = false;
    const pending = rejection(client.messages.create(ask('hang'), { signal: controller.signal })).finally(() => (settled = true));
    while (s.stats().hung === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(settled, false, 'no answer after 500 ms');
    assert.equal(s.stats().inFlight, 1, 'counted in flight while it hangs');
    controller.abort();
    assert.ok((await pending) instanceof Anthropic.APIUserAbortError);
    while (s.stats().inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    const stats = s.stats();
    assert.equal(stats.abandoned, 1, 'the server saw the client go');
    assert.equal(stats.succeeded, 0);
    assert.equal(stats.billedUsd, 0);
    assert.deepEqual(stats.byStatus, {});
    assert.ok((await client.messages.create(ask('then a normal one'))).usage.output_tokens > 0);
  });

  it('close() ends a hung request at once', async () => {
    const { client, server: s } = await start();
    s.injectErrors([{ hang: true }]);
    const pending = rejection(client.messages.create(ask('hang until close')));
    while (s.stats().hung === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    await s.close();
    assert.ok(Date.now() - t0 < 2_000, 'close does not wait for a hung request');
    assert.ok((await pending) instanceof APIConnectionError);
    server = undefined;
  });

  it('receivedByKey counts every arrival by key, whatever the answer', async () => {
    const { client, server: s } = await start({ knownModels: [MODEL] });
    s.injectErrors([{ status: 529 }, { malformed: 'no-usage' }]);
    const body = (id: string, extra: Partial<Body> = {}) => ask(id, { metadata: { user_id: id }, ...extra });
    await rejection(client.messages.create(body('a')));
    await client.messages.create(body('a'));
    await client.messages.create(body('a'));
    await rejection(client.messages.create(body('b', { model: 'claude-unknown-9' })));
    await client.messages.create(ask('plain'));
    const stats = s.stats();
    assert.deepEqual(stats.receivedByKey, { a: 3, b: 1, [requestKey(ask('plain'))]: 1 });
    assert.deepEqual(stats.completionsByKey, { a: 1, [requestKey(ask('plain'))]: 1 });
    s.resetStats();
    assert.deepEqual(s.stats().receivedByKey, {});
  });

  it('POST /_mock/inject takes the fault modes and refuses an unknown one', async () => {
    const { client, server: s } = await start();
    const post = (json: unknown) => fetch(`${s.url}/_mock/inject`, { method: 'POST', body: JSON.stringify(json) }).then((r) => r.status);
    assert.equal(await post([{ malformed: 'made-up' }]), 400);
    assert.equal(await post([{ hang: 'yes' }]), 400);
    assert.equal(await post([{ malformed: 'usage-null' }]), 200);
    const { data } = await client.messages.create(ask('x')).withResponse();
    assert.equal((data as unknown as { usage: unknown }).usage, null);
    assert.equal(s.stats().malformedReplies, 1);
  });

  it('the org spend limit arrives as EnforcedSpendLimitReachedError with no retry-after', async () => {
    const { client, server: s } = await start({ orgSpendLimitUsd: 0.000_01 });
    await client.messages.create(ask('first one is billed'));
    assert.ok(s.stats().billedUsd >= 0.000_01);
    const err = await rejection(client.messages.create(ask('second')));
    assert.ok(err instanceof EnforcedSpendLimitReachedError, String(err));
    assert.ok(err instanceof RateLimitError);
    assert.equal(err.status, 429);
    assert.equal(err.errorCode, 'enforced_spend_limit_reached');
    assert.equal(err.headers.get('retry-after'), null);
    assert.deepEqual(Object.keys(err.error as object).sort(), ['error', 'request_id', 'type']);
  });

  it('the usage limit arrives as BadRequestError about "specified API usage limits"', async () => {
    const { client } = await start({ usageLimitUsd: 0 });
    const err = await rejection(client.messages.create(ask('x')));
    assert.ok(err instanceof BadRequestError, String(err));
    assert.ok(err.message.includes('specified API usage limits'), err.message);
    assert.match(err.apiMessage ?? '', /^You have reached your specified API usage limits\. You will regain access on \d{4}-\d{2}-01/);
  });

  it('authentication: a wrong key is AuthenticationError; the key is accepted as Bearer or x-api-key', async () => {
    const { server: s } = await start();
    const wrong = new Anthropic({ apiKey: 'wrong', baseURL: s.url, maxRetries: 0 });
    const err = await rejection(wrong.messages.create(ask('x')));
    assert.ok(err instanceof AuthenticationError, String(err));
    assert.equal(err.type, 'authentication_error');

    const viaHeader = await fetch(`${s.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'test-key', 'content-type': 'application/json' },
      body: JSON.stringify(ask('x')),
    });
    assert.equal(viaHeader.status, 200);
  });

  it('validates bodies like the API: 400s, 404 for unknown models, exact error body shape', async () => {
    const { client, server: s } = await start({ knownModels: [MODEL] });
    const removed = await rejection(client.messages.create({ ...ask('x'), temperature: 0.5 } as unknown as Body));
    assert.ok(removed instanceof BadRequestError);
    assert.match(removed.apiMessage ?? '', /temperature/);
    // Streamed as the API streams: message_start, the blocks, message_delta with the usage, message_stop.
    const events: string[] = [];
    for await (const event of await client.messages.create({ ...ask('x'), stream: true })) events.push(event.type);
    assert.deepEqual([events[0], events.at(-2), events.at(-1)], ['message_start', 'message_delta', 'message_stop']);
    assert.ok(events.includes('content_block_delta'));
    assert.ok((await rejection(client.messages.create({ ...ask('x'), max_tokens: 0 }))) instanceof BadRequestError);
    assert.ok((await rejection(client.messages.create({ ...ask('x'), messages: [] }))) instanceof BadRequestError);

    const unknown = await rejection(client.messages.create({ ...ask('x'), model: 'claude-nonexistent-9' }));
    assert.ok(unknown instanceof NotFoundError);
    assert.equal(unknown.apiMessage, 'model: claude-nonexistent-9');
    const dated = await client.messages.create({ ...ask('x'), model: `${MODEL}-20261001` });
    assert.equal(dated.model, `${MODEL}-20261001`, 'a dated id of a known model is accepted');

    const raw = await fetch(`${s.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key' },
      body: '{not json',
    });
    assert.equal(raw.status, 400);
    assert.ok(raw.headers.get('anthropic-ratelimit-requests-limit'), 'error responses carry the rate-limit headers too');
    const json = (await raw.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['type', 'error', 'request_id']);
    assert.equal(json.type, 'error');
    assert.equal(json.request_id, raw.headers.get('request-id'));
    assert.deepEqual(Object.keys(json.error as object), ['type', 'message'], 'no details without an error code');
  });

  it('caching: a second identical request reads the prefix and does not charge it to ITPM', async () => {
    const clock = manualClock();
    const { client, server: s } = await start({ now: clock.now });
    const body = ask('question', {
      system: [{ type: 'text', text: 'context '.repeat(2_000), cache_control: { type: 'ephemeral' } }],
    });
    const prefix = countInputTokens({ system: body.system, messages: [] });

    const first = await client.messages.create(body);
    assert.equal(first.usage.cache_creation_input_tokens, prefix);
    assert.deepEqual(first.usage.cache_creation, { ephemeral_5m_input_tokens: prefix, ephemeral_1h_input_tokens: 0 });
    assert.equal(first.usage.cache_read_input_tokens, 0);

    const before = s.levels().inputTokens;
    const second = await client.messages.create(body);
    assert.equal(second.usage.cache_read_input_tokens, prefix);
    assert.equal(second.usage.cache_creation_input_tokens, 0);
    assert.equal(second.usage.input_tokens, first.usage.input_tokens);
    assert.equal(before - s.levels().inputTokens, second.usage.input_tokens, 'only the uncached part is charged');

    clock.advance(5 * 60_000 + 1);
    const expired = await client.messages.create(body);
    assert.equal(expired.usage.cache_read_input_tokens, 0, 'a 5-minute entry expires');
    assert.equal(expired.usage.cache_creation_input_tokens, prefix);

    const stats = s.stats();
    assert.equal(stats.cacheReadTokens, prefix);
    assert.equal(stats.cacheCreationTokens, 2 * prefix);
  });

  it('caching: identical requests sent together all write; the entry exists once a reply does', async () => {
    const { client } = await start();
    const body = ask('q', { system: [{ type: 'text', text: 'shared '.repeat(400), cache_control: { type: 'ephemeral' } }] });
    const together = await Promise.all([client.messages.create(body), client.messages.create(body)]);
    for (const r of together) assert.equal(r.usage.cache_read_input_tokens, 0);
    const after = await client.messages.create(body);
    assert.equal(after.usage.cache_read_input_tokens, together[0]!.usage.cache_creation_input_tokens);
  });

  it('a 1h cache write is reported in the ephemeral_1h split', async () => {
    const { client } = await start();
    const body = ask('q', { system: [{ type: 'text', text: 'ctx '.repeat(500), cache_control: { type: 'ephemeral', ttl: '1h' } }] });
    const first = await client.messages.create(body);
    assert.equal(first.usage.cache_creation?.ephemeral_5m_input_tokens, 0);
    assert.equal(first.usage.cache_creation?.ephemeral_1h_input_tokens, first.usage.cache_creation_input_tokens);
    assert.ok((first.usage.cache_creation_input_tokens ?? 0) > 400);
  });

  it('counts stats: concurrency, completions per key, tokens and billing', async () => {
    const time = fakeClock();
    // A minute of generation that takes no real time: the mock's clock moves only when the test says.
    const { client, server: s } = await start({ clock: time.clock, latency: { baseMs: 60_000, perOutputTokenMs: 0, jitter: 0 }, outputTokens: 50 });
    const bodies = Array.from({ length: 5 }, (_, i) => ask(`question ${i}`, { metadata: { user_id: `id-${i}` } }));
    const plain = ask('no metadata');
    const sent = Promise.all([...bodies, plain].map((b) => client.messages.create(b)));
    // All six are admitted and generating; none is answered until the mock's clock has moved a minute.
    await arrived(() => s.stats().inFlight === 6, 'six requests in flight');
    await time.tickAsync(59_999);
    assert.equal(s.stats().succeeded, 0, 'no reply before its latency has passed');
    await time.tickAsync(1);
    const replies = await sent;

    const stats = s.stats();
    assert.equal(stats.received, 6);
    assert.equal(stats.succeeded, 6);
    assert.equal(stats.inFlight, 0);
    assert.ok(stats.maxInFlight >= 2, `requests overlapped (max ${stats.maxInFlight})`);
    assert.equal(stats.maxInFlight, 6, 'all six overlapped: time stood still while they arrived');
    assert.deepEqual(stats.byStatus, { 200: 6 });
    const expectedKeys = { 'id-0': 1, 'id-1': 1, 'id-2': 1, 'id-3': 1, 'id-4': 1, [requestKey(plain)]: 1 };
    assert.deepEqual(stats.completionsByKey, expectedKeys);
    assert.equal(stats.outputTokensCharged, 300);
    assert.equal(stats.inputTokensCharged, replies.reduce((sum, r) => sum + r.usage.input_tokens, 0));
    const pricing = new Pricing();
    const expectedUsd = replies.reduce((sum, r) => sum + (pricing.costOf(MODEL, { ...r.usage }) ?? NaN), 0);
    assert.ok(Math.abs(stats.billedUsd - expectedUsd) < 1e-12, `${stats.billedUsd} vs ${expectedUsd}`);
    assert.ok(stats.firstRequestAt !== null && stats.lastCompletionAt !== null && stats.lastCompletionAt >= stats.firstRequestAt);
    assert.equal(stats.lastCompletionAt - stats.firstRequestAt, 60_000, 'first arrival to last reply: exactly the latency, on the mock\'s clock');

    const served = (await (await fetch(`${s.url}/_mock/stats`)).json()) as typeof stats;
    assert.deepEqual(served, stats);
    s.resetStats();
    assert.equal(s.stats().received, 0);
    assert.deepEqual(s.stats().completionsByKey, {});
  });

  it('a request the client abandons is still charged and billed, but not counted as answered', async () => {
    const { client, server: s } = await start({ latency: { baseMs: 300, perOutputTokenMs: 0, jitter: 0 }, outputTokens: 40 });
    const controller = new AbortController();
    const pending = rejection(client.messages.create(ask('give up'), { signal: controller.signal }));
    while (s.stats().inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await pending;
    while (s.stats().inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    const stats = s.stats();
    assert.equal(stats.abandoned, 1);
    assert.equal(stats.succeeded, 0);
    assert.deepEqual(stats.completionsByKey, {});
    assert.equal(stats.outputTokensCharged, 40);
    assert.ok(stats.billedUsd > 0);
  });

  it('unknown models bill at the fallback price, else nothing', async () => {
    const { client, server: s } = await start({ fallbackPrice: { input: 1_000_000, output: 0 }, outputTokens: 10 });
    const reply = await client.messages.create({ ...ask('x'), model: 'my-finetune' });
    assert.equal(s.stats().billedUsd, reply.usage.input_tokens);
  });

  it('count_tokens answers the input count without charging any bucket', async () => {
    const clock = manualClock();
    const { client, server: s } = await start({ now: clock.now });
    const body = ask('y'.repeat(4_000));
    const before = s.levels();
    const counted = await client.messages.countTokens({ model: body.model, messages: body.messages });
    assert.equal(counted.input_tokens, countInputTokens(body));
    assert.deepEqual(s.levels(), before);
    assert.equal(s.stats().received, 0);
  });

  it('control endpoints: configure limits and tenant load, inject errors, reset stats', async () => {
    const clock = manualClock();
    const { client, server: s } = await start({ now: clock.now });
    const post = (route: string, json: unknown) =>
      fetch(`${s.url}${route}`, { method: 'POST', body: JSON.stringify(json) }).then((r) => r.status);

    assert.equal(await post('/_mock/configure', { limits: { requestsPerMinute: 60 }, tenantLoad: { requestsPerSec: 3 } }), 200);
    clock.advance(10_000);
    assert.equal(s.levels().requests, 60 - 20, 'the tenant drains 3/s against a 1/s refill');
    const { response } = await client.messages.create(ask('x')).withResponse();
    assert.equal(response.headers.get('anthropic-ratelimit-requests-limit'), '60');

    assert.equal(await post('/_mock/inject', [{ status: 504, type: 'timeout_error', message: 'timed out' }]), 200);
    const err = await rejection(client.messages.create(ask('x')));
    assert.ok(err instanceof Anthropic.GatewayTimeoutError, String(err));

    assert.equal(await post('/_mock/configure', { bogus: 1 }), 400, 'unknown options are refused');
    assert.equal(await post('/_mock/reset-stats', {}), 200);
    assert.equal(s.stats().received, 0);
  });

  it('close() destroys open connections and resolves while a reply is still pending', async () => {
    const time = fakeClock();
    const { client, server: s } = await start({ clock: time.clock, latency: { baseMs: 30_000, perOutputTokenMs: 0, jitter: 0 } });
    const pending = rejection(client.messages.create(ask('slow')));
    await arrived(() => s.stats().inFlight === 1, 'the request in flight');
    await time.tickAsync(29_999);
    assert.equal(s.stats().succeeded, 0, 'still generating a millisecond before its latency');
    const t0 = Date.now();
    await s.close();
    assert.ok(Date.now() - t0 < 2_000, 'close does not wait for simulated generation');
    assert.ok((await pending) instanceof APIConnectionError);
    server = undefined;
  });

  it('limitsForTier reads the published tiers', () => {
    assert.deepEqual(limitsForTier('build'), { requestsPerMinute: 5_000, inputTokensPerMinute: 5_000_000, outputTokensPerMinute: 1_000_000 });
    assert.deepEqual(limitsForTier('Start').requestsPerMinute, 1_000);
    assert.throws(() => limitsForTier('platinum'), /unknown tier/);
  });
});

describe('mock server standalone process', () => {
  it('prints its URL, answers the SDK, and exits on SIGTERM', async function () {
    this.timeout(60_000);
    const script = path.join(__dirname, '..', 'fixtures', 'mock-server-process.ts');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, '--rpm', '600', '--itpm', '600000', '--otpm', '60000', '--api-key', 'test-key', '--config', JSON.stringify({ latency: FAST })],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const nl = out.indexOf('\n');
          if (nl >= 0) resolve(out.slice(0, nl));
        });
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.on('exit', (code) => reject(new Error(`exited early (${code}): ${err}`)));
      });
      const info = JSON.parse(line) as { url: string; pid: number };
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.pid, child.pid);

      const client = new Anthropic({ apiKey: 'test-key', baseURL: info.url, maxRetries: 0 });
      const { response } = await client.messages.create(ask('hello')).withResponse();
      assert.equal(response.headers.get('anthropic-ratelimit-requests-limit'), '600');
      assert.equal(response.headers.get('anthropic-ratelimit-output-tokens-limit'), '60000');

      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

// The API keeps one set of buckets per model class (every Haiku shares one, every Sonnet another),
// and a response's rate-limit headers describe its own class's: so does the mock.
describe('mock Messages API: one set of buckets per model class (real SDK)', () => {
  const HAIKU = 'claude-haiku-4-5';
  const SONNET = 'claude-sonnet-4-6';
  let server: MockServer | undefined;
  const start = async (options: Partial<MockServerOptions> = {}) => {
    const clock = manualClock();
    server = await startMockServer({ apiKey: 'test-key', limits: LIMITS, latency: FAST, now: clock.now, ...options });
    return { server, clock, client: new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 }) };
  };
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const limitHeaders = (h: Headers) => ['requests', 'input-tokens', 'output-tokens'].map((n) => Number(h.get(`anthropic-ratelimit-${n}-limit`)));
  const requestsRemaining = (h: Headers) => Number(h.get('anthropic-ratelimit-requests-remaining'));

  it('two classes drain independently: Haiku at its RPM gets a 429 while Sonnet answers with full headers', async () => {
    const { client, server: s } = await start({ limits: { ...LIMITS, requestsPerMinute: 3 } });
    for (const i of [1, 2, 3]) await client.messages.create(ask(`haiku ${i}`, { model: HAIKU }));
    const err = await rejection(client.messages.create(ask('haiku 4', { model: HAIKU })));
    assert.ok(err instanceof RateLimitError, String(err));
    assert.equal(err.headers.get('retry-after'), '20', 'one request back at 3 a minute');
    assert.equal(requestsRemaining(err.headers), 0);
    assert.match(err.message, /3 requests per minute/);

    const { data, response } = await client.messages.create(ask('sonnet 1', { model: SONNET })).withResponse();
    assert.equal(data.model, SONNET);
    const h = response.headers;
    assert.equal(requestsRemaining(h), 2, "sonnet's own bucket: only this request taken");
    assert.deepEqual(limitHeaders(h), [3, 600_000, 60_000]);
    assert.equal(h.get('anthropic-ratelimit-input-tokens-remaining'), '600000');
    assert.equal(h.get('anthropic-ratelimit-output-tokens-remaining'), '60000');
    const streamed = await client.messages.create({ ...ask('sonnet 2', { model: SONNET }), stream: true }).withResponse();
    for await (const _event of streamed.data); // drain the stream
    assert.equal(requestsRemaining(streamed.response.headers), 1, 'a stream describes its class on admission');

    assert.equal(s.levels('haiku').requests, 0, 'the 429 took nothing');
    assert.equal(s.levels('haiku').inputTokens, LIMITS.inputTokensPerMinute - 3 * countInputTokens(ask('haiku 1')));
    assert.equal(s.levels('sonnet').requests, 1);
    assert.equal(s.stats().rateLimited, 1);
    assert.ok((await rejection(client.messages.create(ask('haiku 5', { model: HAIKU })))) instanceof RateLimitError, 'sonnet gave haiku nothing back');
  });

  it('each response carries its own class\'s headers: different limits through classLimits, on 200s, streams, 429s and refusals', async () => {
    const { client, server: s } = await start({ classLimits: { haiku: { requestsPerMinute: 1, outputTokensPerMinute: 5_000 } } });
    const haiku = await client.messages.create(ask('h', { model: HAIKU })).withResponse();
    assert.deepEqual(limitHeaders(haiku.response.headers), [1, 600_000, 5_000]);
    const sonnet = await client.messages.create(ask('s', { model: SONNET })).withResponse();
    assert.deepEqual(limitHeaders(sonnet.response.headers), [600, 600_000, 60_000]);
    const opus = await client.messages.create({ ...ask('o', { model: 'claude-opus-4-7' }), stream: true }).withResponse();
    for await (const _event of opus.data); // drain the stream
    assert.deepEqual(limitHeaders(opus.response.headers), [600, 600_000, 60_000]);
    assert.equal(requestsRemaining(opus.response.headers), 599);

    const limited = await rejection(client.messages.create(ask('h2', { model: HAIKU })));
    assert.ok(limited instanceof RateLimitError, String(limited));
    assert.deepEqual(limitHeaders(limited.headers), [1, 600_000, 5_000]);
    s.injectErrors([{ status: 529, type: 'overloaded_error', message: 'Overloaded' }]);
    const overloaded = await rejection(client.messages.create(ask('h3', { model: HAIKU })));
    assert.ok(overloaded instanceof OverloadedError, String(overloaded));
    assert.deepEqual(limitHeaders(overloaded.headers), [1, 600_000, 5_000], 'an injected error describes the class the body names');
    assert.deepEqual(limitHeaders(new Headers(s.rateLimitHeaders('sonnet'))), [600, 600_000, 60_000]);
    assert.deepEqual(limitHeaders(new Headers(s.rateLimitHeaders())), [1, 600_000, 5_000], 'by default: the most recent request\'s class');

    // No valid model: answered as before, a 400 with the headers of the most recent class.
    const invalid = await fetch(`${s.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'test-key' }, body: JSON.stringify({ max_tokens: 5, messages: [] }) });
    assert.equal(invalid.status, 400);
    assert.deepEqual(limitHeaders(invalid.headers), [1, 600_000, 5_000]);
  });

  it('a dated id draws on its alias\'s class', async () => {
    const { client, server: s } = await start();
    await client.messages.create(ask('dated', { model: `${HAIKU}-20251001` }));
    const { response } = await client.messages.create(ask('alias', { model: HAIKU })).withResponse();
    assert.equal(requestsRemaining(response.headers), 598, 'both requests came out of one bucket');
    assert.deepEqual(Object.keys(s.classLevels()), ['haiku']);
    assert.equal(s.levels('haiku').requests, 598);
  });

  it('configure({ classLimits }) at run time changes that class only; limits change the rest; null gives a class back', async () => {
    const { client, server: s } = await start();
    const limitsOf = async (model: string) => limitHeaders((await client.messages.create(ask('x', { model })).withResponse()).response.headers);
    const post = (json: unknown) => fetch(`${s.url}/_mock/configure`, { method: 'POST', body: JSON.stringify(json) });
    await limitsOf(HAIKU);
    await limitsOf(SONNET);

    s.configure({ classLimits: { haiku: { requestsPerMinute: 60 } } });
    assert.deepEqual(await limitsOf(HAIKU), [60, 600_000, 60_000]);
    assert.deepEqual(await limitsOf(SONNET), [600, 600_000, 60_000], 'sonnet untouched');
    assert.equal((await post({ classLimits: { sonnet: { inputTokensPerMinute: 100_000 } } })).status, 200);
    assert.deepEqual(await limitsOf(SONNET), [600, 100_000, 60_000]);
    assert.deepEqual(await limitsOf(HAIKU), [60, 600_000, 60_000], 'haiku untouched');

    s.configure({ limits: { requestsPerMinute: 300 } });
    assert.deepEqual(await limitsOf(SONNET), [300, 100_000, 60_000], 'new defaults reach what sonnet has not set itself');
    assert.deepEqual(await limitsOf(HAIKU), [60, 600_000, 60_000], 'but not haiku\'s own RPM');

    const refused = await post({ classLimits: { [HAIKU]: { requestsPerMinute: 1 } } });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: string }).error, /is a model, not a class; its class is "haiku"/);
    assert.equal((await post({ classLimits: { haiku: 5 } })).status, 400);
    assert.equal((await post({ classLimits: { haiku: null } })).status, 200);
    assert.deepEqual(await limitsOf(HAIKU), [300, 600_000, 60_000], 'haiku follows the defaults again');
  });

  it('classLevels() and GET /_mock/class-levels report each class; levels() the most recent or the one named', async () => {
    const { client, server: s } = await start();
    const get = async (route: string) => (await fetch(`${s.url}${route}`)).json() as Promise<unknown>;
    assert.deepEqual(s.classLevels(), {}, 'no class before a request');
    assert.deepEqual(s.levels(), { requests: 600, inputTokens: 600_000, outputTokens: 60_000 }, 'as a class would start now');
    const haiku = await client.messages.create(ask('x'.repeat(4_000), { model: HAIKU }));
    const sonnet = await client.messages.create(ask('y', { model: SONNET }));

    const levels = s.classLevels();
    assert.deepEqual(levels, {
      haiku: { requests: 599, inputTokens: 600_000 - haiku.usage.input_tokens, outputTokens: 60_000 - haiku.usage.output_tokens },
      sonnet: { requests: 599, inputTokens: 600_000 - sonnet.usage.input_tokens, outputTokens: 60_000 - sonnet.usage.output_tokens },
    });
    assert.deepEqual(s.levels(), levels.sonnet, 'the most recent request was sonnet\'s');
    assert.deepEqual(s.levels('haiku'), levels.haiku);
    assert.deepEqual(await get('/_mock/class-levels'), levels);
    assert.deepEqual(await get('/_mock/levels'), levels.sonnet);
    assert.deepEqual(await get('/_mock/levels?class=haiku'), levels.haiku);
  });
});
