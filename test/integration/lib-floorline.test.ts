// The library API (src/lib) against the project's mock API over HTTP on 127.0.0.1: a program's own
// requests through the same dispatcher the CLI uses.
import assert from 'node:assert/strict';
import Anthropic, { BadRequestError, InternalServerError, NotFoundError, APIUserAbortError, RateLimitError } from '@anthropic-ai/sdk';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Floorline, InputFileError, type DispatchEnd, type DispatchResult, type FloorlineOptions, type MessageCreateParamsNonStreaming, type RequestItem } from '../../src/lib';
import { startMockServer, type MockServer, type MockServerOptions } from '../../src/simulator/mock-server';

const API_KEY = 'test-key';
const MANY = 1_000_000_000;
const MODEL = 'claude-haiku-4-5';

function body(maxTokens: number): MessageCreateParamsNonStreaming {
  return { model: MODEL, max_tokens: maxTokens, messages: [{ role: 'user', content: `Say something ${maxTokens} tokens long.` }] };
}

describe('the library: Floorline against the mock API', function () {
  this.timeout(120_000);
  let server: MockServer | undefined;
  let fl: Floorline | undefined;
  afterEach(async () => {
    await fl?.close();
    await server?.close();
    fl = undefined;
    server = undefined;
  });

  async function start(mock: Partial<MockServerOptions> = {}, options: FloorlineOptions = {}): Promise<{ fl: Floorline; server: MockServer }> {
    server = await startMockServer({
      apiKey: API_KEY,
      limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY },
      // Latency grows with the reply, and the reply is max_tokens long: requests finish out of input order.
      latency: { baseMs: 2, perOutputTokenMs: 0.5, jitter: 0 },
      outputTokens: (b) => b.max_tokens,
      ...mock,
    });
    fl = new Floorline({ apiKey: API_KEY, baseURL: server.url, maxInFlight: 50, ...options });
    return { fl, server };
  }

  async function collect(iterable: AsyncIterable<DispatchResult | DispatchEnd>): Promise<{ results: DispatchResult[]; ends: DispatchEnd[] }> {
    const results: DispatchResult[] = [];
    const ends: DispatchEnd[] = [];
    for await (const out of iterable) {
      if (out.type === 'result') {
        assert.equal(ends.length, 0, 'no result after the end marker');
        results.push(out);
      } else ends.push(out);
    }
    return { results, ends };
  }

  it('dispatches 200 requests from an async generator: each id once, in completion order, then one end marker "done"', async () => {
    const { fl } = await start();
    async function* requests(): AsyncGenerator<RequestItem> {
      // Long replies first: in completion order the short ones overtake them.
      for (let i = 0; i < 200; i++) yield i % 2 === 0 ? { custom_id: `req-${i}`, params: body(200 - i) } : body(200 - i);
    }
    const eventOrder: string[] = [];
    fl.on('result', (r) => eventOrder.push(r.customId));
    const { results, ends } = await collect(fl.dispatch(requests()));

    const ids = results.map((r) => r.customId);
    const expected = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? `req-${i}` : `item-${i + 1}`));
    assert.deepEqual([...ids].sort(), [...expected].sort(), 'every id exactly once (missing custom_id → item-<n>)');
    assert.equal(new Set(ids).size, 200);
    assert.notDeepEqual(ids, expected, 'not input order');
    assert.deepEqual(ids, eventOrder, 'yielded in the order the dispatcher finished them');
    for (const r of results) {
      assert.ok(r.message, `${r.customId} succeeded`);
      assert.equal(r.error, undefined);
      assert.equal(r.model, MODEL);
      assert.ok(r.attempts >= 1 && typeof r.latencyMs === 'number' && r.usage && typeof r.costUsd === 'number');
    }
    assert.equal(ends.length, 1);
    assert.equal(ends[0]!.reason, 'done');
    assert.equal(ends[0]!.unsent, 0);
    assert.equal(ends[0]!.summary.succeeded, 200);
  });

  it('a bad item becomes an errored result for that item; the others go', async () => {
    const { fl } = await start();
    const items = [body(10), { model: MODEL, messages: [] } as unknown as RequestItem, { custom_id: 'bad id!', params: body(10) }, body(12)];
    const { results, ends } = await collect(fl.dispatch(items));
    const byId = new Map(results.map((r) => [r.customId, r]));
    assert.equal(results.length, 4);
    assert.ok(byId.get('item-1')?.message);
    assert.equal(byId.get('item-2')?.error?.error.type, 'invalid_request_error');
    assert.match(byId.get('item-2')!.error!.error.message, /messages is empty/);
    assert.match(byId.get('bad id!')?.error?.error.message ?? '', /custom_id has a bad character/, 'named by the id it was given, so the caller can match it');
    assert.equal(byId.get('item-2')!.attempts, 0);
    assert.ok(byId.get('item-4')?.message);
    assert.equal(ends[0]!.reason, 'done');
    assert.equal(ends[0]!.invalid, 2);
  });

  it('a spend cap that binds ends with "budget-reached", requests left unsent, and never crosses the cap', async () => {
    const { fl } = await start();
    // Haiku 4.5: $5 per million output tokens, so each request reserves at least 1,000 × $5e-6 = $0.005.
    const cap = 0.02;
    const { results, ends } = await collect(fl.dispatch(Array.from({ length: 200 }, () => body(1_000)), { maxSpendUsd: cap }));
    assert.equal(ends.length, 1);
    assert.equal(ends[0]!.reason, 'budget-reached');
    assert.ok(ends[0]!.unsent > 0, `unsent ${ends[0]!.unsent}`);
    assert.ok(results.length > 0 && results.length < 200, `${results.length} sent`);
    const spent = results.reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
    assert.ok(spent <= cap, `spent ${spent}`);
  });

  it('an AbortSignal aborts the run: end reason "aborted"', async () => {
    const { fl } = await start();
    const controller = new AbortController();
    let seen = 0;
    let end: DispatchEnd | undefined;
    for await (const out of fl.dispatch(Array.from({ length: 500 }, (_, i) => body(50 + (i % 100))), { signal: controller.signal })) {
      if (out.type === 'end') end = out;
      else if (++seen === 5) controller.abort();
    }
    assert.equal(end?.reason, 'aborted');
    assert.ok(seen < 500, `${seen} results`);
    assert.ok(end.unsent > 0);
  });

  it('reads its input lazily: breaking after 50 results of a 1,000,000-item generator pulled few, and stops cleanly', async () => {
    const { fl } = await start();
    let pulled = 0;
    let sourceClosed = false;
    function* many(): Generator<RequestItem> {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++;
          yield body(5 + (i % 20));
        }
      } finally {
        sourceClosed = true;
      }
    }
    let taken = 0;
    for await (const out of fl.dispatch(many())) {
      assert.equal(out.type, 'result');
      if (++taken === 50) break;
    }
    const pulledAtBreak = pulled;
    assert.ok(pulledAtBreak <= 5_000, `pulled ${pulledAtBreak}`);
    assert.ok(sourceClosed, 'the source was closed (its finally ran)');
    // The run is over and forgotten when the loop exits: nothing more is read or sent.
    assert.equal(fl.snapshot()!.runs.length, 0);
    const received = server!.stats().received;
    await fl.close();
    assert.equal(pulled, pulledAtBreak);
    assert.equal(server!.stats().received, received);
  });

  it('messages.create returns the Message, and throws the SDK\'s own error classes', async () => {
    const { fl, server } = await start({ knownModels: [MODEL] });
    const message = await fl.messages.create(body(20));
    assert.equal(message.type, 'message');
    assert.equal(message.model, MODEL);
    assert.equal(message.usage.output_tokens, 20);

    server.injectErrors([{ status: 400, type: 'invalid_request_error', message: 'the mock refuses this one' }]);
    await assert.rejects(fl.messages.create(body(20)), (err: unknown) => {
      assert.ok(err instanceof BadRequestError, String(err));
      assert.equal(err.status, 400);
      assert.match(err.message, /the mock refuses this one/);
      return true;
    });
    await assert.rejects(fl.messages.create({ ...body(20), model: 'claude-unknown-9' }), NotFoundError);
    // Refused before sending by the same validation as a line: the API would answer 400.
    await assert.rejects(fl.messages.create({ ...body(20), messages: [] }), BadRequestError);
    // Each call was a run of its own, forgotten once answered.
    assert.equal(fl.snapshot()!.runs.length, 0);
  });

  it('messages.create with an aborted signal throws APIUserAbortError and sends nothing', async () => {
    const { fl, server } = await start();
    await fl.messages.create(body(5)); // assembled
    const before = server.stats().received;
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(fl.messages.create(body(5), { signal: controller.signal }), APIUserAbortError);
    assert.equal(server.stats().received, before);
  });

  it('messages.create retries what the API asks to retry (a 529, a 500) and resolves; a 429 on its last attempt throws RateLimitError, naming the attempts', async () => {
    const { fl, server } = await start({}, { maxAttempts: 3 });
    server.injectErrors([
      { status: 529, type: 'overloaded_error', message: 'busy', retryAfterSec: 0 },
      { status: 500, type: 'api_error', message: 'hiccup', retryAfterSec: 0 },
    ]);
    const before = server.stats().received;
    const message = await fl.messages.create(body(10));
    assert.equal(message.type, 'message');
    assert.ok(server.stats().received - before >= 2, 'sent again after the refusal');

    server.injectErrors(Array.from({ length: 3 }, () => ({ status: 429, type: 'rate_limit_error', message: 'slow down', retryAfterSec: 0 })));
    await assert.rejects(fl.messages.create(body(10)), (err: unknown) => err instanceof RateLimitError && err.status === 429 && /gave up after 3 attempts/.test(err.message));
  });

  it('runFile: validates before sending, resumes a re-run without sending again, and returns the summary', async () => {
    const { fl, server } = await start();
    const dir = mkdtempSync(join(tmpdir(), 'fl-lib-'));
    try {
      const input = join(dir, 'jobs.jsonl');
      writeFileSync(input, Array.from({ length: 30 }, (_, i) => JSON.stringify({ custom_id: `q-${i}`, params: body(10 + i) })).join('\n') + '\n');
      const first = await fl.runFile(input);
      assert.equal(first.summary.state, 'finished');
      assert.equal(first.summary.succeeded, 30);
      assert.equal(first.resultsPath, join(dir, 'jobs.results.jsonl'));
      const lines = readFileSync(first.resultsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string });
      assert.deepEqual(lines.map((l) => l.custom_id).sort(), Array.from({ length: 30 }, (_, i) => `q-${i}`).sort());

      const sent = server.stats().received;
      const again = await fl.runFile(input);
      assert.equal(again.alreadyDone, 30);
      assert.equal(server.stats().received, sent, 'a re-run of a finished file sends nothing');

      // A bad line anywhere: an error naming file and line, and nothing sent.
      const bad = join(dir, 'bad.jsonl');
      writeFileSync(bad, `${JSON.stringify({ custom_id: 'ok', params: body(5) })}\n{"custom_id": "x", "params": {"model": "constructor"}}\n`);
      await assert.rejects(fl.runFile(bad), (err: unknown) => err instanceof InputFileError && err.problems.some((p) => p.startsWith(`${bad}:2:`)));
      assert.equal(server.stats().received, sent);
      assert.equal(existsSync(join(dir, 'bad.results.jsonl')), false, 'nothing written for a file that was refused');
      assert.equal(fl.snapshot()!.runs.length, 0, 'each file run is forgotten once done');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an injected Anthropic client is used as it is (its fetch, no apiKey option), with its own retries off', async () => {
    const { server } = await start();
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    // A client with retries of its own: Floorline must not let the SDK retry behind its back.
    const client = new Anthropic({ apiKey: API_KEY, baseURL: server.url, fetch: counting, maxRetries: 5 });
    fl = new Floorline({ client, maxAttempts: 1 });
    const message = await fl.messages.create(body(7));
    assert.equal(message.usage.output_tokens, 7);
    assert.ok(calls >= 1, 'sent through the injected client');
    server.injectErrors([{ status: 500, type: 'api_error', message: 'down', retryAfterSec: 0 }]);
    const before = server.stats().received;
    await assert.rejects(fl.messages.create(body(7)), InternalServerError);
    assert.equal(server.stats().received - before, 1, 'one attempt: the SDK did not retry');
  });

  it('pause holds new requests (in flight finish), resume goes on, stop ends with "stopped"; snapshot, log, retry and hold (a 429\'s cool-down) events fire', async () => {
    const { fl, server } = await start({ latency: { baseMs: 20, perOutputTokenMs: 0, jitter: 0 } }, { maxInFlight: 4 });
    const seen = { snapshot: 0, log: 0, retry: 0, hold: 0 };
    fl.on('snapshot', () => seen.snapshot++);
    fl.on('log', () => seen.log++);
    fl.on('retry', () => seen.retry++);
    fl.on('hold', () => seen.hold++);
    const items = Array.from({ length: 40 }, (_, i) => ({ custom_id: `p-${i}`, params: body(5) }));
    // A 429: the run cools down (a hold) and the line is retried.
    server.injectErrors([{ status: 429, type: 'rate_limit_error', message: 'once', retryAfterSec: 1 }]);
    const it = fl.dispatch(items)[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    fl.pause();
    // What was in flight finishes; then nothing more goes out while paused.
    const inFlightAtPause = fl.snapshot()!.inFlight;
    const atPause = server.stats().received;
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(server.stats().received <= atPause + inFlightAtPause, `sent ${server.stats().received - atPause} while paused`);
    const whilePaused = server.stats().received;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(server.stats().received, whilePaused, 'nothing new goes out while paused');
    fl.resume();
    let results = 1;
    let end: DispatchEnd | undefined;
    for (let next = await it.next(); !next.done; next = await it.next()) {
      if (next.value.type === 'result') results++;
      else end = next.value;
    }
    assert.equal(results, 40);
    assert.equal(end?.reason, 'done');
    assert.ok(seen.snapshot > 0 && seen.log > 0, JSON.stringify(seen));
    assert.ok(seen.retry >= 1, 'the 429 was retried, and said so');
    assert.ok(seen.hold >= 1, 'the cool-down after the 429 held the run, and said so');

    // stop(): nothing new goes out, the run ends "stopped" with lines unsent.
    const many = Array.from({ length: 500 }, (_, i) => ({ custom_id: `s-${i}`, params: body(5) }));
    const outs: Array<DispatchResult | DispatchEnd> = [];
    for await (const out of fl.dispatch(many)) {
      outs.push(out);
      if (outs.length === 5) fl.stop();
    }
    const last = outs[outs.length - 1] as DispatchEnd;
    assert.equal(last.type, 'end');
    assert.equal(last.reason, 'stopped');
    assert.ok(last.unsent > 0 && outs.length - 1 < 500, `${outs.length - 1} answered, ${last.unsent} unsent`);
  });
});
