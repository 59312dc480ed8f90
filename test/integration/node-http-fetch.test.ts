// The SDK's transport (`nodeHttpFetch`) against a bare local server that does what the API and
// broken proxies do: compressed bodies, bodies cut mid-way, statuses fetch refuses, hung replies.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, RateLimitError } from '@anthropic-ai/sdk';
import { nodeHttpFetch } from '../../src/core/client/node-http-fetch';

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

describe('nodeHttpFetch (the SDK transport)', () => {
  let server: http.Server;
  let url: string;
  let handler: Handler;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => handler(req, body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the method, headers and body, and returns status, headers and body', async () => {
    let seen: { method?: string; key?: string; length?: string; body?: string } = {};
    handler = (req, body, res) => {
      seen = { method: req.method, key: req.headers['x-api-key'] as string, length: req.headers['content-length'], body };
      res.writeHead(201, { 'anthropic-ratelimit-requests-remaining': '41', 'content-type': 'application/json' }).end('{"ok":true}');
    };
    const body = JSON.stringify({ text: 'héllo' });
    const response = await nodeHttpFetch(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body });
    assert.deepEqual(seen, { method: 'POST', key: 'k', length: String(Buffer.byteLength(body)), body });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('anthropic-ratelimit-requests-remaining'), '41');
    assert.equal(response.url, `${url}/v1/messages`);
    assert.deepEqual(await response.json(), { ok: true });
  });

  it('decompresses a gzip body', async () => {
    handler = (_req, _body, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync('{"zipped":1}'));
    assert.deepEqual(await (await nodeHttpFetch(url)).json(), { zipped: 1 });
  });

  it('a 204 has a null body; a status outside 200–599 rejects instead of throwing in a callback', async () => {
    handler = (_req, _body, res) => res.writeHead(204).end();
    assert.equal((await nodeHttpFetch(url)).body, null);
    handler = (_req, _body, res) => res.writeHead(999).end('?');
    await assert.rejects(nodeHttpFetch(url), RangeError);
  });

  it('an abort before the headers rejects with an AbortError; one mid-body errors the body', async () => {
    handler = () => undefined; // never answers
    const early = new AbortController();
    const pending = nodeHttpFetch(url, { signal: early.signal });
    setImmediate(() => early.abort());
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError');

    handler = (_req, _body, res) => res.writeHead(200).write('{"partial":'); // headers, half a body, then nothing
    const late = new AbortController();
    const response = await nodeHttpFetch(url, { signal: late.signal });
    const text = response.text();
    late.abort();
    await assert.rejects(text);
  });

  it('a connection cut mid-body errors the body, compressed or not', async () => {
    for (const gzip of [false, true]) {
      handler = (_req, _body, res) => {
        res.writeHead(200, gzip ? { 'content-encoding': 'gzip' } : {});
        res.write(gzip ? zlib.gzipSync('x'.repeat(1000)).subarray(0, 20) : 'half a bo');
        setImmediate(() => res.socket?.destroy());
      };
      const response = await nodeHttpFetch(url);
      await assert.rejects(response.text(), `gzip=${gzip}`);
    }
  });

  it('under the SDK: error statuses become the SDK classes, a refused connection and a timeout theirs', async () => {
    handler = (_req, _body, res) =>
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' }).end('{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}');
    const client = new Anthropic({ apiKey: 'k', baseURL: url, maxRetries: 0, fetch: nodeHttpFetch });
    const err = await client.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    assert.ok(err instanceof RateLimitError);
    assert.equal(err.headers?.get('retry-after'), '7');

    handler = () => undefined;
    const slow = new Anthropic({ apiKey: 'k', baseURL: url, maxRetries: 0, timeout: 50, fetch: nodeHttpFetch });
    await assert.rejects(slow.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }), APIConnectionTimeoutError);

    const closed = new Anthropic({ apiKey: 'k', baseURL: 'http://127.0.0.1:1', maxRetries: 0, fetch: nodeHttpFetch });
    await assert.rejects(closed.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }), APIConnectionError);
  });

  it('refuses a body it would send wrong, and a protocol it does not speak', async () => {
    await assert.rejects(nodeHttpFetch(url, { method: 'POST', body: new Blob(['x']) }), TypeError);
    await assert.rejects(nodeHttpFetch('ftp://127.0.0.1/'), TypeError);
    // Never sent as a Basic auth header (what `node:http` would do with user-info): refused, as fetch refuses it.
    let reached = false;
    handler = (_req, _body, res) => {
      reached = true;
      res.end();
    };
    await assert.rejects(nodeHttpFetch(url.replace('http://', 'http://user:s3cret@')), /includes credentials/);
    assert.equal(reached, false);
  });
});
