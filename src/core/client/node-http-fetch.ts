// The SDK's transport: a `fetch` over `node:http`/`node:https` with keep-alive agents.
//
// Why not the global `fetch`: Node's fetch (undici's WHATWG implementation) spends ~3 ms of CPU
// per request on the bench's 2-core machine, three times what the same request costs through
// `node:http` (measured with the SDK on top: 300 requests at once, 0.95 s of CPU → 0.52 s). A
// small job whose whole file fits in a full bucket goes out at once, so that CPU *is* its start-up
// time; at 100 requests/s it is a third of a core. Everything the SDK does on top (headers, error
// classes, timeouts, streaming) is unchanged: it accepts any `fetch`.
//
// Only what the SDK asks of a fetch is implemented: a string or byte body, an AbortSignal, the
// status, headers and a streamed body of the response (decompressed if the server compressed it).
// VS Code's extension host routes `node:http`/`https` through its proxy settings, as it does fetch.
import http from 'node:http';
import https from 'node:https';
import { Readable, pipeline, type Transform } from 'node:stream';
import zlib from 'node:zlib';

// Sockets are bounded by the dispatcher's in-flight ceiling, not here: a cap below it would queue
// requests inside the agent where no ceiling, timeout or log can see them.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/** Statuses whose response must not have a body (the `Response` constructor refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

function bodyOf(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return body.toString();
  // Streams and forms are never sent by Floorline; saying so beats sending them wrong.
  throw new TypeError(`node-http-fetch: unsupported request body (${Object.prototype.toString.call(body)})`);
}

function decoder(encoding: string): Transform | undefined {
  switch (encoding.toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'deflate':
      return zlib.createInflate();
    default:
      return undefined;
  }
}

function decoded(res: http.IncomingMessage): Readable {
  const transform = decoder(String(res.headers['content-encoding'] ?? ''));
  if (!transform) return res;
  // `pipeline`, not `pipe`: a connection cut mid-body must error the decoded stream too.
  return pipeline(res, transform, () => {});
}

function toResponse(res: http.IncomingMessage, url: URL, method: string | undefined): Response {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  let body: ReadableStream<Uint8Array> | null = null;
  if (NULL_BODY.has(status) || method === 'HEAD') res.resume();
  else body = Readable.toWeb(decoded(res)) as ReadableStream<Uint8Array>;
  const response = new Response(body, { status, statusText: res.statusMessage ?? '', headers });
  // The SDK logs `response.url`; a constructed Response has none of its own.
  Object.defineProperty(response, 'url', { value: url.toString() });
  return response;
}

export function nodeHttpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const agent = url.protocol === 'http:' || url.protocol === 'https:' ? agents[url.protocol] : undefined;
  if (!agent) return Promise.reject(new TypeError(`node-http-fetch: unsupported protocol ${url.protocol}`));
  // As fetch does: `node:http` would turn user-info into a Basic auth header and send it.
  if (url.username || url.password) return Promise.reject(new TypeError(`Request cannot be constructed from a URL that includes credentials: ${url}`));
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'));
  let body: string | Uint8Array | undefined;
  try {
    body = bodyOf(init.body);
  } catch (err) {
    return Promise.reject(err);
  }
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => {
    headers[key] = value;
  });
  if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<Response>((resolve, reject) => {
    // `signal` makes Node destroy the socket on abort, before or after the headers: a pending
    // request rejects and a body being read errors, as with fetch.
    const req = request(url, { method: init.method ?? 'GET', headers, agent, ...(signal ? { signal } : {}) }, (res) => {
      try {
        resolve(toResponse(res, url, init.method));
      } catch (err) {
        // A status `Response` refuses (outside 200–599): the server is not one we can talk to.
        res.destroy();
        reject(err);
      }
    });
    req.on('error', reject);
    req.end(body);
  });
}
