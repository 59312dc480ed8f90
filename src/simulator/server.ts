// The simulated API as an HTTP server on 127.0.0.1: its lifecycle (listen, close) and its routes,
// each handed to the module that answers it. Node built-ins only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { BATCH_ROUTE, batchAnswers, onBatches } from './batch-routes';
import { MAX_BATCH_BYTES } from './batch-wire';
import { onControl } from './control';
import { readBody } from './http';
import { onCountTokens, onMessages } from './messages-endpoint';
import { MAX_BODY_BYTES } from './request-body';
import { Simulation } from './simulation';
import type { MockServer, MockServerOptions } from './types';

export async function startMockServer(options: MockServerOptions): Promise<MockServer> {
  const sim = new Simulation(options, batchAnswers);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(sim, req, res).catch((err: unknown) => sim.internalError(res, err));
  });
  // Idle connections live a minute, as behind the real API's load balancers. Node's default (5 s)
  // races the client's reuse of an idle socket when the event loop is busy (the simulator shares a
  // process with a run of a thousand in flight): the request lands on a closing socket and is reset.
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A client may open a thousand connections at once (Little's law with long replies); Node's
    // default backlog of 511 would drop the rest of the burst's SYNs and stall them for seconds.
    server.listen({ port: options.port ?? 0, host: '127.0.0.1', backlog: 4096 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  sim.setBaseUrl(url);
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    stats: () => sim.snapshot(),
    configure: (partial) => sim.configure(partial),
    injectErrors: (list) => sim.inject(list),
    resetStats: () => sim.resetStats(),
    levels: (modelClass) => sim.levels(modelClass),
    classLevels: () => sim.classLevels(),
    rateLimitHeaders: (modelClass) => sim.rateLimitHeaders(modelClass),
    batches: () => sim.batchList(),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        sim.shutdown();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

async function handle(sim: Simulation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://mock');
  const path = url.pathname;
  const raw = await readBody(req, req.method === 'POST' && path === '/v1/messages/batches' ? MAX_BATCH_BYTES : MAX_BODY_BYTES);
  const route = `${req.method} ${path}`;
  // Batch requests that finished by now settle first, so live requests meet their cache entries
  // and spend in the order they happened.
  sim.batches.advance();
  const batchRoute = BATCH_ROUTE.exec(path);
  if (batchRoute) return onBatches(sim, req, res, raw, url, batchRoute[1], batchRoute[2]);
  if (route === 'POST /v1/messages') return onMessages(sim, req, res, raw);
  if (route === 'POST /v1/messages/count_tokens') return onCountTokens(sim, req, res, raw);
  if (onControl(sim, res, route, raw, url.searchParams)) return;
  sim.sendError(res, { status: 404, type: 'not_found_error', message: `Not found: ${route}` }, false);
}
