// What a failed attempt means: retried or final, billed or not, and how long to wait before the
// next one. Connection failures are the SDK's own error objects, produced against real sockets on
// 127.0.0.1 where that can be done, so the tests see what a live run sees.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import sinon from 'sinon';
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { classifyError, envelope, retryDelayMs } from '../../../../src/core/dispatch/retry-policy';
import { Dispatcher } from '../../../../src/core/dispatch/dispatcher';
import type { MessagesClient } from '../../../../src/core/client/messages-client';
import { MAX_SERVER_WAIT_MS } from '../../../../src/core/limits/rate-limit-headers';
import { Pricing } from '../../../../src/core/pricing/pricing';
import type { InputRequest, ResultLine } from '../../../../src/core/types';
import { FakeApi } from '../../../helpers/fake-api';
import { closedPort } from '../../../helpers/ports';
import { source } from '../../../helpers/requests';

function apiError(status: number, type: string, message: string, extra: { code?: string; retryAfter?: string } = {}) {
  const body = { type: 'error', error: { type, message, ...(extra.code ? { details: { error_code: extra.code } } : {}) } };
  const headers = new Headers({ 'request-id': 'req_1', ...(extra.retryAfter ? { 'retry-after': extra.retryAfter } : {}) });
  return APIError.generate(status, body, message, headers);
}

describe('retry classification', () => {
  const now = 0;
  it('retries 429, 529, 500, 504 and connection errors', () => {
    for (const [status, type] of [[429, 'rate_limit_error'], [529, 'overloaded_error'], [500, 'api_error'], [504, 'timeout_error']] as const) {
      assert.equal(classifyError(apiError(status, type, 'x'), now).kind, 'retry', String(status));
    }
    const timeout = classifyError(new APIConnectionTimeoutError(), now);
    assert.ok(timeout.kind === 'retry' && timeout.possiblyBilled, 'a timed-out request may have been billed');
    assert.equal(classifyError(new APIConnectionError({ message: 'socket hang up' }), now).kind, 'retry');
  });

  it('honours retry-after and marks 429/529 as pushback', () => {
    const v = classifyError(apiError(429, 'rate_limit_error', 'slow down', { retryAfter: '12' }), now);
    assert.ok(v.kind === 'retry');
    assert.equal(v.retryAfterMs, 12_000);
    assert.equal(v.retryAfterAskedMs, undefined, 'an honest retry-after is taken as it is');
    assert.equal(v.pushback, 'rate-limited');
    assert.equal(v.refused, true);
    const o = classifyError(apiError(529, 'overloaded_error', 'Overloaded'), now);
    assert.ok(o.kind === 'retry' && o.pushback === 'overloaded');
  });

  it('400, 404, 413 are final for the line', () => {
    for (const [status, type] of [[400, 'invalid_request_error'], [404, 'not_found_error'], [413, 'request_too_large']] as const) {
      const v = classifyError(apiError(status, type, 'nope'), now);
      assert.equal(v.kind, 'final');
      if (v.kind === 'final') {
        assert.deepEqual(v.error, { type: 'error', error: { type, message: 'nope' }, request_id: 'req_1' });
        assert.equal(v.possiblyBilled, false, 'the API refused it: nothing to keep on the cap');
      }
    }
  });

  it('a failure that is not an API answer (a body cut off mid-read: a bare "aborted") is final and may have been billed', () => {
    const cut = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    const v = classifyError(cut, now);
    assert.ok(v.kind === 'final');
    assert.equal(v.possiblyBilled, true);
    assert.match(v.error.error.message, /^aborted; it may have been billed/);
  });

  it('stops the run on auth, permission, billing, the org spend limit and the usage-limit 400', () => {
    const cases: Array<[APIError, string]> = [
      [apiError(401, 'authentication_error', 'invalid x-api-key'), 'authentication'],
      [apiError(403, 'permission_error', 'no'), 'permission'],
      [apiError(402, 'billing_error', 'credit'), 'billing'],
      [apiError(429, 'rate_limit_error', 'spend limit', { code: 'enforced_spend_limit_reached' }), 'org-spend-limit'],
      [apiError(429, 'rate_limit_error', 'contract', { code: 'contract_spend_limit_reached' }), 'org-spend-limit'],
      [apiError(400, 'invalid_request_error', 'You have reached your specified API usage limits. You will regain access on 2026-12-01'), 'usage-limit'],
    ];
    for (const [err, cause] of cases) {
      const v = classifyError(err, now);
      assert.equal(v.kind, 'stop', cause);
      if (v.kind === 'stop') {
        assert.equal(v.cause, cause);
        assert.ok(v.explanation.length > 40);
      }
    }
  });

  it('reports an abort as such', () => {
    assert.equal(classifyError(new APIUserAbortError(), now).kind, 'aborted');
  });

  it('records no credential of a URL quoted in an error message', () => {
    const v = classifyError(apiError(400, 'invalid_request_error', 'cannot fetch https://bob:hunter2@files.example/a.png?sig=abc123&w=2'), now);
    assert.ok(v.kind === 'final');
    assert.equal(v.error.error.message, 'cannot fetch https://***:***@files.example/a.png?sig=***&w=2');
    assert.equal(envelope('client_error', 'see http://tok3n@proxy.internal:8080/').error.message, 'see http://***@proxy.internal:8080/');
  });
});


async function listening(server: net.Server): Promise<{ port: number; close: () => Promise<void> }> {
  // close() waits for every connection to end; a half-closed one from a failed handshake never does.
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }),
  };
}

/** The error the SDK rejects with when it sends one request to `baseURL` (through `fetch`, when given). */
async function sdkError(baseURL: string, fetch?: typeof globalThis.fetch): Promise<unknown> {
  const client = new Anthropic({ apiKey: 'x', baseURL, maxRetries: 0, ...(fetch ? { fetch } : {}) });
  try {
    await client.post('/v1/messages', { body: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [] }, timeout: 10_000 });
  } catch (err) {
    return err;
  }
  throw new Error('the request unexpectedly succeeded');
}

/** A fetch that fails the way undici's does: `TypeError: fetch failed`, the reason as its cause. */
function failingFetch(code: string, message: string): typeof globalThis.fetch {
  return () => Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) }));
}

const BILLED_NOTE = /it may have been billed, so its worst case stays counted against the spend cap$/;

function assertRefused(err: unknown, message: RegExp): void {
  const v = classifyError(err, 0);
  assert.ok(v.kind === 'retry', `retried: ${JSON.stringify(v)}`);
  assert.equal(v.possiblyBilled, false, `nothing billed: ${v.error.error.message}`);
  assert.equal(v.refused, true);
  assert.match(v.error.error.message, message);
  assert.match(v.error.error.message, /never reached the API, so nothing was billed/);
}

function assertPossiblyBilled(err: unknown, message: RegExp): void {
  const v = classifyError(err, 0);
  assert.ok(v.kind === 'retry', `retried: ${JSON.stringify(v)}`);
  assert.equal(v.possiblyBilled, true, `may have been billed: ${v.error.error.message}`);
  assert.equal(v.refused, false);
  assert.match(v.error.error.message, message);
  assert.match(v.error.error.message, BILLED_NOTE);
}

describe('connection failures: billed or not', () => {
  it('a refused connection never reached the API: nothing billed', async () => {
    const err = await sdkError(`http://127.0.0.1:${await closedPort()}`);
    assert.ok(err instanceof APIConnectionError);
    assertRefused(err, /^connect ECONNREFUSED 127\.0\.0\.1:\d+ /);
  });

  it('a connection dropped after the server read the whole request may have been billed', async () => {
    let bodies = 0;
    const server = http.createServer((req) => {
      req.resume();
      req.on('end', () => {
        bodies++;
        req.socket.destroy();
      });
    });
    const { port, close } = await listening(server);
    try {
      const err = await sdkError(`http://127.0.0.1:${port}`);
      assert.equal(bodies, 1, 'the server had the request');
      assert.ok(err instanceof APIConnectionError);
      assertPossiblyBilled(err, /^other side closed; /);
    } finally {
      await close();
    }
  });

  it('a TLS handshake that failed sent nothing: https to a plain port, and a server hanging up mid-handshake', async () => {
    const plain = await listening(net.createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const hangUp = await listening(net.createServer((socket) => socket.once('data', () => socket.destroy())));
    try {
      assertRefused(await sdkError(`https://127.0.0.1:${plain.port}`), /^ERR_SSL_WRONG_VERSION_NUMBER: wrong version number /);
      assertRefused(await sdkError(`https://127.0.0.1:${hangUp.port}`), /before secure TLS connection was established/);
    } finally {
      await Promise.all([plain.close(), hangUp.close()]);
    }
  });

  it('a base URL with user-info is refused by fetch before it connects; the message keeps no secret', async () => {
    const err = await sdkError(`http://s3cret-user:s3cret-pass@127.0.0.1:${await closedPort()}/`);
    assertRefused(err, /^Request cannot be constructed from a URL that includes credentials: http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+\/v1\/messages /);
    const v = classifyError(err, 0);
    assert.ok(v.kind === 'retry');
    assert.doesNotMatch(v.error.error.message, /s3cret/);
  });

  it('DNS, routing and certificate failures undici reports by code were never sent', async () => {
    const cases: Array<[string, string]> = [
      ['ENOTFOUND', 'getaddrinfo ENOTFOUND api.example.invalid'],
      ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN api.example.com'],
      ['EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.1:443'],
      ['ENETUNREACH', 'connect ENETUNREACH 2001:db8::1:443'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"],
    ];
    for (const [code, message] of cases) {
      const err = await sdkError('http://api.example.invalid', failingFetch(code, message));
      assert.ok(err instanceof APIConnectionError, code);
      assertRefused(err, new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    }
  });

  it('a reset or a broken pipe may have come after the request went out', async () => {
    for (const [code, message] of [['ECONNRESET', 'read ECONNRESET'], ['EPIPE', 'write EPIPE'], ['UND_ERR_SOCKET', 'other side closed']]) {
      assertPossiblyBilled(await sdkError('http://api.example.invalid', failingFetch(code!, message!)), new RegExp(`^${message}; `));
    }
  });

  it('undici connect timeout: never sent — but the SDK turns it into a timeout without its cause, so it counts as sent', async () => {
    const connectTimeout = new TypeError('fetch failed', {
      cause: Object.assign(new Error('Connect Timeout Error (attempted address: api.example.com:443, timeout: 10000ms)'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    });
    assertRefused(new APIConnectionError({ cause: connectTimeout }), /^Connect Timeout Error/);
    // What the SDK (1.12) actually throws for it: a plain timeout, indistinguishable from a slow answer.
    const err = await sdkError('http://api.example.invalid', () => Promise.reject(connectTimeout));
    assert.ok(err instanceof APIConnectionTimeoutError);
    assertPossiblyBilled(err, /^Request timed out; /);
  });

  it('an AggregateError from trying each address was never sent only if no address connected', () => {
    const refusedAt = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    const allRefused = new AggregateError([refusedAt('::1:443'), refusedAt('127.0.0.1:443')], '');
    assertRefused(new APIConnectionError({ cause: new TypeError('fetch failed', { cause: allRefused }) }), /ECONNREFUSED ::1:443; connect ECONNREFUSED 127\.0\.0\.1:443/);
    const oneReset = new AggregateError([refusedAt('::1:443'), Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })], '');
    assertPossiblyBilled(new APIConnectionError({ cause: new TypeError('fetch failed', { cause: oneReset }) }), /ECONNRESET/);
  });

  it('a connection error with no cause at all is counted as possibly billed', () => {
    assertPossiblyBilled(new APIConnectionError({ message: 'socket hang up' }), /^socket hang up; /);
  });
});

describe('waits the server asks for are held to MAX_SERVER_WAIT_MS', () => {
  it('is ten minutes', () => {
    assert.equal(MAX_SERVER_WAIT_MS, 600_000);
  });

  it('a retry-after of years, in seconds, milliseconds or as a date, becomes ten minutes, and the ask is kept to report', () => {
    const now = Date.parse('2026-11-24T12:00:00Z');
    const secs = classifyError(apiError(429, 'rate_limit_error', 'slow down', { retryAfter: '99999999' }), now);
    assert.ok(secs.kind === 'retry');
    assert.equal(secs.retryAfterMs, MAX_SERVER_WAIT_MS);
    assert.equal(secs.retryAfterAskedMs, 99_999_999_000);
    const date = classifyError(apiError(529, 'overloaded_error', 'Overloaded', { retryAfter: 'Tue, 01 Jan 2036 00:00:00 GMT' }), now);
    assert.ok(date.kind === 'retry');
    assert.equal(date.retryAfterMs, MAX_SERVER_WAIT_MS);
    assert.equal(date.retryAfterAskedMs, Date.parse('2036-01-01T00:00:00Z') - now);
    const ms = APIError.generate(503, { type: 'error', error: { type: 'api_error', message: 'busy' } }, 'busy', new Headers({ 'retry-after-ms': '86400000' }));
    const v = classifyError(ms, now);
    assert.ok(v.kind === 'retry');
    assert.equal(v.retryAfterMs, MAX_SERVER_WAIT_MS);
    assert.equal(v.retryAfterAskedMs, 86_400_000);
  });

  it('a retry delay never exceeds it, from retry-after or from backoff options', () => {
    // Jitter normally goes after retry-after; under the cap it goes below it, so the wave still spreads.
    assert.equal(retryDelayMs(1, 99_999_999_000, () => 0), MAX_SERVER_WAIT_MS);
    assert.equal(retryDelayMs(1, 99_999_999_000, () => 1), MAX_SERVER_WAIT_MS - 1_000);
    assert.equal(retryDelayMs(1, MAX_SERVER_WAIT_MS - 100, () => 1), MAX_SERVER_WAIT_MS);
    assert.equal(retryDelayMs(40, undefined, () => 1, { baseMs: 1_000, capMs: 86_400_000 }), MAX_SERVER_WAIT_MS);
  });
});

describe('retry delay', () => {
  it('is exponential with full jitter, capped', () => {
    assert.equal(retryDelayMs(1, undefined, () => 1), 1_000);
    assert.equal(retryDelayMs(3, undefined, () => 1), 4_000);
    assert.equal(retryDelayMs(3, undefined, () => 0.25), 1_000);
    assert.equal(retryDelayMs(20, undefined, () => 1), 60_000);
    assert.equal(retryDelayMs(3, undefined, () => 0), 0);
  });
  it('never comes back before retry-after, with a little spread after it', () => {
    assert.equal(retryDelayMs(1, 10_000, () => 0), 10_000);
    assert.equal(retryDelayMs(1, 10_000, () => 1), 11_000);
    assert.equal(retryDelayMs(5, 2_000, () => 0.5), 2_100);
  });
});

function makeRequests(n: number, maxTokens = 200): InputRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    customId: `r${i}`,
    line: i + 1,
    params: { model: 'claude-haiku-4-5', max_tokens: maxTokens, messages: [{ role: 'user' as const, content: `prompt number ${i}` }] },
  }));
}


describe('the dispatcher with failures the server or the network makes', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.parse('2026-11-24T12:00:00Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => clock.restore());

  function start(client: MessagesClient, requests: InputRequest[], maxSpendUsd?: number, maxAttempts?: number) {
    const dispatcher = new Dispatcher({ client, random: () => 0.5, maxInFlight: 4, ...(maxAttempts === undefined ? {} : { maxAttempts }) });
    const logs: string[] = [];
    dispatcher.on('log', (entry) => logs.push(`${entry.level}: ${entry.message}`));
    const results: ResultLine[] = [];
    const run = dispatcher.addRun({
      label: 'test.jsonl',
      requests: source(requests),
      total: requests.length,
      pricing: new Pricing(),
      onResult: (line) => results.push(line),
      ...(maxSpendUsd === undefined ? {} : { maxSpendUsd }),
    });
    return { dispatcher, run, logs, results };
  }

  it('a retry-after of three years pauses the run for ten minutes, and says so', async () => {
    const api = new FakeApi({ otpm: 10_000_000, itpm: 10_000_000, latencyMs: 200 });
    api.script.push({ status: 429, type: 'rate_limit_error', message: 'rate limited', retryAfterSec: 99_999_999 });
    const { dispatcher, run, logs, results } = start(api, makeRequests(5));
    await clock.tickAsync(50);
    const pausedAt = Date.now();
    assert.equal(dispatcher.snapshot().hold, 'cooldown');
    assert.ok(logs.includes('warn: a 429 (rate limited): all new requests wait 600.0 s (the API asked for a wait of 3.2 years; waiting 10 min at most)'), logs.join('\n'));
    const sent = api.received;
    await clock.tickAsync(MAX_SERVER_WAIT_MS - 1_000);
    assert.equal(api.received, sent, 'nothing is sent during the ten minutes');
    await clock.tickAsync(10_000);
    const summary = await run.done;
    assert.equal(summary.state, 'finished');
    assert.equal(results.length, 5);
    assert.ok(results.every((r) => r.result.type === 'succeeded'));
    assert.ok(Date.now() - pausedAt < MAX_SERVER_WAIT_MS + 10_000);
  });

  /** A client that fails every attempt with `error()`, as the SDK would. */
  function failing(error: () => Error): MessagesClient & { attempts: number } {
    const client = { attempts: 0, create: () => (client.attempts++, Promise.reject(error())) };
    return client;
  }
  const undiciFailure = (code: string, message: string) =>
    new APIConnectionError({ cause: new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) }) });

  it('attempts refused before sending cost nothing: under a $0.50 cap nothing is counted as spend, and no line is marked errored', async () => {
    const client = failing(() => undiciFailure('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8080'));
    // 20,000 max_tokens of Haiku is $0.10 a worst case: five such attempts would fill the cap.
    const { run, results } = start(client, makeRequests(10, 20_000), 0.5);
    await clock.tickAsync(600_000);
    const summary = await run.done;
    assert.equal(summary.spentUsd, 0);
    assert.equal(summary.state, 'api-stopped', 'out of reach: stopped, not "budget reached"');
    assert.equal(summary.errored, 0);
    assert.equal(summary.unsent, 10, 'every line is kept for a resume');
    assert.equal(results.length, 0);
    assert.ok(client.attempts <= 8, `one attempt per pause, not ${client.attempts}`);
  });

  it('attempts that may have reached the API keep their worst case, and the results say why', async () => {
    const client = failing(() => undiciFailure('ECONNRESET', 'read ECONNRESET'));
    // Three lines, two attempts each: six worst cases of $0.10 kept, under a $1 cap.
    const { run, results } = start(client, makeRequests(3, 20_000), 1, 2);
    await clock.tickAsync(600_000);
    const summary = await run.done;
    assert.equal(client.attempts, 6);
    assert.equal(summary.errored, 3);
    assert.ok(summary.spentUsd > 0.6 && summary.spentUsd < 0.61, `spent ${summary.spentUsd}`);
    for (const line of results) {
      assert.ok(line.result.type === 'errored');
      assert.equal(line.result.error.error.message, 'gave up after 2 attempts: read ECONNRESET; it may have been billed, so its worst case stays counted against the spend cap');
    }
  });
});
