// The SDK client Floorline sends through, against the project's mock API over HTTP.
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { createSdkMessagesClient } from '../../src/core/client/messages-client';
import { PromptBounds, type TokenCounter } from '../../src/core/spend/prompt-bound';
import { startMockServer, limitsForTier, type MockServer } from '../../src/simulator/mock-server';

const API_KEY = 'test-key';

describe('the SDK messages client', () => {
  let server: MockServer;
  before(async () => {
    server = await startMockServer({ apiKey: API_KEY, limits: limitsForTier('build'), latency: { baseMs: 5, perOutputTokenMs: 0, jitter: 0 }, knownModels: ['claude-opus-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'] });
  });
  after(() => server.close());
  afterEach(() => sinon.restore());

  const params = (model: string) => ({ model, max_tokens: 50, messages: [{ role: 'user' as const, content: 'Hello' }] });
  const send = (model: string) =>
    createSdkMessagesClient({ apiKey: API_KEY, baseURL: server.url }).create(params(model), { signal: new AbortController().signal, timeoutMs: 10_000 });

  it('sends a deprecated model without the SDK printing a warning per request (the pre-flight says it once)', async () => {
    const warn = sinon.spy(console, 'warn');
    // One of these is on the deprecated list of every SDK 1.x this project has used (1.12: Sonnet
    // 4.5; 1.15: Opus 4.5), so `messages.create` would warn for it.
    for (const model of ['claude-sonnet-4-5', 'claude-opus-4-5']) {
      const sent = await send(model);
      assert.equal(typeof sent.message.usage.input_tokens, 'number');
      assert.equal(sent.message.model, model);
      assert.ok(sent.headers.get('anthropic-ratelimit-requests-limit'), 'rate-limit headers come back');
    }
    assert.equal(warn.callCount, 0, `console.warn was called: ${warn.args.map((a) => String(a[0])).join(' | ')}`);
  });

  it('counts a cached prefix with count_tokens, and the bound it gives is never under what the request is billed for', async () => {
    const client = createSdkMessagesClient({ apiKey: API_KEY, baseURL: server.url });
    const bounds = new PromptBounds(client as TokenCounter);
    const system = [{ type: 'text', text: 'Grade the answer strictly against the rubric. '.repeat(400), cache_control: { type: 'ephemeral' } }];
    for (const question of ['What is the capital of France?', 'Explain a monad in one sentence, please, with an example.']) {
      const params = { model: 'claude-haiku-4-5', max_tokens: 50, system, messages: [{ role: 'user' as const, content: question }] };
      const bound = await bounds.inputTokensUpperBound(params);
      const { message } = await client.create(params, { signal: new AbortController().signal, timeoutMs: 10_000 });
      const u = message.usage;
      const billed = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
      assert.ok(billed <= bound, `billed ${billed} > bound ${bound}`);
      assert.ok(bound < PromptBounds.bytesBound(params) / 2, `bound ${bound} is far under the bytes ${PromptBounds.bytesBound(params)}`);
    }
    assert.equal(server.stats().countTokensRequests, 1, 'the shared prefix is counted once');
  });

  it('streamed (while the limits are unknown): the headers come on admission, the message is the one a plain request gets', async () => {
    const slow = await startMockServer({ apiKey: API_KEY, limits: limitsForTier('build'), latency: { baseMs: 400, perOutputTokenMs: 0, jitter: 0 } });
    try {
      const client = createSdkMessagesClient({ apiKey: API_KEY, baseURL: slow.url });
      const request = { ...params('claude-haiku-4-5'), system: 'Answer in one word.' };
      let atHeaders: { inFlight: number; succeeded: number } | undefined;
      let remaining: string | null = null;
      const streamed = await client.create(request, {
        signal: new AbortController().signal,
        timeoutMs: 10_000,
        onHeaders: (h) => {
          // Not a timing: the mock's own books say whether the reply had been generated yet.
          atHeaders = { inFlight: slow.stats().inFlight, succeeded: slow.stats().succeeded };
          remaining = h.get('anthropic-ratelimit-requests-remaining');
        },
      });
      assert.deepEqual(atHeaders, { inFlight: 1, succeeded: 0 }, 'the headers came while the reply was still being generated');
      assert.match(String(remaining), /^\d+$/);
      const plain = await client.create(request, { signal: new AbortController().signal, timeoutMs: 10_000 });
      const { id: _a, ...a } = streamed.message;
      const { id: _b, ...b } = plain.message;
      assert.deepEqual(a, b, 'the same message, usage included; nothing the SDK adds (parsed_output)');
      assert.equal(slow.stats().succeeded, 2);
    } finally {
      await slow.close();
    }
  });

  it('a stream that breaks after admission comes back as an answer without usage (kept at its worst case), not as an error to retry', async () => {
    const { createServer } = await import('node:http');
    const broken = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_broken', 'anthropic-ratelimit-requests-limit': '50' });
      res.write('event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"usage":{"input_tokens":5,"output_tokens":0}}}\n\n');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    try {
      const port = (broken.address() as { port: number }).port;
      const client = createSdkMessagesClient({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}` });
      let sawHeaders = false;
      const sent = await client.create(params('claude-haiku-4-5'), { signal: new AbortController().signal, timeoutMs: 10_000, onHeaders: () => (sawHeaders = true) });
      assert.ok(sawHeaders);
      assert.equal(typeof sent.message, 'string');
      assert.match(String(sent.message), /streamed reply broke off/);
      assert.equal(sent.requestId, 'req_broken');
    } finally {
      broken.close();
    }
  });

  /** A server that sends a 200's headers and half a JSON body, then `then` (cut the socket, or nothing: the client aborts). */
  async function halfReply(then: 'cut' | 'stall'): Promise<{ url: string; close: () => void }> {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_half', 'content-length': '400' });
      res.write('{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"Half');
      if (then === 'cut') setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => { server.closeAllConnections(); server.close(); } };
  }

  it('a plain reply cut off mid-body comes back as an answer without usage (kept at its worst case), not as a bare error', async () => {
    const half = await halfReply('cut');
    try {
      const sent = await createSdkMessagesClient({ apiKey: API_KEY, baseURL: half.url }).create(params('claude-haiku-4-5'), { signal: new AbortController().signal, timeoutMs: 10_000 });
      assert.equal(typeof sent.message, 'string');
      assert.match(String(sent.message), /^the reply broke off/);
      assert.equal(sent.requestId, 'req_half');
    } finally {
      half.close();
    }
  });

  it('our abort while the body is being read rejects with the SDK abort class (what the dispatcher keeps at its worst case)', async () => {
    const half = await halfReply('stall');
    try {
      const controller = new AbortController();
      const client = createSdkMessagesClient({ apiKey: API_KEY, baseURL: half.url });
      const pending = client.create(params('claude-haiku-4-5'), { signal: controller.signal, timeoutMs: 10_000 });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(pending, (err: unknown) => err instanceof APIUserAbortError);
    } finally {
      half.close();
    }
  });

  it('rejects with the SDK error classes', async () => {
    await assert.rejects(send('claude-nonexistent-1'), (err: unknown) => err instanceof APIError && err.status === 404);
  });
});
