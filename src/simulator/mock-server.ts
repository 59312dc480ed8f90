// A mock of the Anthropic Messages API that speaks the real wire format: the same bodies, error
// shapes and rate-limit headers, enforced by the same continuously refilled token buckets. It is
// both the integration-test fixture (the real SDK talks to it over 127.0.0.1) and the engine of the
// CLI's `--simulate` mode, which rehearses a job with no key and no cost. It also serves the
// Message Batches API (see ./batches), answering each batch line as a live request would be
// answered, billed at half price and outside the live buckets. Node built-ins only.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Pricing } from '../core/pricing/pricing';
import { TIERS, isTierName, type TierLimits } from '../core/tiers';
import { DEFAULT_LATENCY, latencyMs, type LatencyModel } from './latency';
import {
  buildMessage,
  capOutput,
  defaultOutputTokens,
  hashFraction,
  messageId,
  type MockMessage,
  type MockUsage,
  type StopReason,
} from './replies';
import { TokenBucket } from './token-bucket';
import { analyzePrompt, promptHash, type CacheBreakpoint, type CacheTtl, type PromptAnalysis } from './tokens';
import {
  BatchApiError,
  BatchStore,
  MAX_BATCH_BYTES,
  validateBatchBody,
  type BatchOptions,
  type BatchRuntimeConfig,
  type MockBatchResult,
  type MockMessageBatch,
} from './batches';

export { REALISTIC_LATENCY, DEFAULT_LATENCY, type LatencyModel } from './latency';
export {
  DEFAULT_BATCH_TIMING,
  type BatchOptions,
  type BatchRuntimeConfig,
  type MockBatchResult,
  type MockBatchResultLine,
  type MockMessageBatch,
} from './batches';

export type MockLimits = TierLimits;
/** Bucket levels at start: full, empty, or a fraction of the limit. */
export type InitialLevel = 'full' | 'drained' | number;
/** Another tenant of the same organisation, consuming the buckets continuously (units per second). */
export interface TenantLoad {
  requestsPerSec?: number;
  inputPerSec?: number;
  outputPerSec?: number;
}
export type OutputTokensOption = number | ((body: MockRequestBody) => number);

export interface MockRequestBody {
  model: string;
  max_tokens: number;
  messages: unknown[];
  system?: unknown;
  tools?: unknown;
  metadata?: unknown;
  cache_control?: unknown;
  stream?: unknown;
  [key: string]: unknown;
}

export interface MockServerOptions {
  /** 0 (default) picks a free port. The server binds 127.0.0.1 only. */
  port?: number;
  /** When set, requests must carry it as `x-api-key` or `Authorization: Bearer`. */
  apiKey?: string;
  limits: MockLimits;
  initial?: InitialLevel;
  latency?: Partial<LatencyModel>;
  /** Output tokens per reply; default 20..220 derived from the prompt. Always capped at `max_tokens`. */
  outputTokens?: OutputTokensOption;
  /** Model ids (aliases) the mock accepts; others get 404. Absent: every model is accepted. */
  knownModels?: string[];
  /** Monthly spend cap: once billed reaches it, 429 `enforced_spend_limit_reached`. */
  orgSpendLimitUsd?: number;
  /** The user's own usage limit: once billed reaches it, 400 "You have reached your specified API usage limits…". */
  usageLimitUsd?: number;
  tenantLoad?: TenantLoad;
  /** USD per million tokens for models the price table does not know (else they bill $0). */
  fallbackPrice?: { input: number; output: number };
  /** Clock for buckets, cache expiry and headers (ms). Latency always uses real timers. */
  now?: () => number;
  /** Message Batches timing (on the `now` clock): each request finishes at a random moment in
   *  [minMs, maxMs] after creation (default 50..500); `expiresAfterMs` (default 24 h) expires the rest. */
  batches?: BatchOptions;
}

/** What `configure()` and POST /_mock/configure may change while running. `null` clears a limit or option. */
export interface MockRuntimeConfig {
  limits?: Partial<MockLimits>;
  tenantLoad?: TenantLoad;
  latency?: Partial<LatencyModel>;
  outputTokens?: OutputTokensOption | null;
  orgSpendLimitUsd?: number | null;
  usageLimitUsd?: number | null;
  /** Applies to batches created afterwards; existing batches keep their schedule. */
  batches?: BatchRuntimeConfig;
}

/**
 * A 200 that cannot be trusted, as a broken proxy or server might send it: a Message without
 * `usage`, with `usage: null`, with negative token counts, or a body that is not JSON at all
 * (labelled `application/json`, cut off part-way).
 */
export type MalformedReply = 'no-usage' | 'usage-null' | 'negative-usage' | 'garbage-body';
export const MALFORMED_REPLIES: readonly MalformedReply[] = ['no-usage', 'usage-null', 'negative-usage', 'garbage-body'];

/**
 * A canned response for one upcoming request. `resetConnection` drops the socket without any
 * response; `malformed` answers 200 with a body that lies (see `MalformedReply`); `hang` accepts
 * the request and never answers: the connection stays open until the client goes away (or the
 * server closes). Faults touch no bucket and bill nothing.
 */
export interface InjectedError {
  status?: number;
  type?: string;
  message?: string;
  errorCode?: string;
  retryAfterSec?: number;
  resetConnection?: boolean;
  malformed?: MalformedReply;
  hang?: boolean;
}

export interface MockStats {
  received: number;
  /** Every POST /v1/messages whose body is a JSON object, by request key (see `requestKey`), counted
   *  on arrival whatever the answer (an error, an injected fault, a reply the client abandoned). */
  receivedByKey: Record<string, number>;
  succeeded: number;
  byStatus: Record<string, number>;
  rateLimited: number;
  connectionResets: number;
  /** Requests whose client went away before the reply; still billed, as the real API would (an
   *  injected `hang` generated nothing and bills nothing). */
  abandoned: number;
  /** Requests answered by an injected `hang`; each counts in `inFlight` until its client goes away. */
  hung: number;
  /** 200s with an injected `malformed` body (counted in `byStatus`, not in `succeeded`). */
  malformedReplies: number;
  inFlight: number;
  maxInFlight: number;
  billedUsd: number;
  inputTokensCharged: number;
  outputTokensCharged: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  countTokensRequests: number;
  /** Successes per request key (`metadata.user_id`, else a hash of the messages; see `requestKey`). */
  completionsByKey: Record<string, number>;
  firstRequestAt: number | null;
  lastCompletionAt: number | null;
  /** Message Batches created, and the requests they held. */
  batchesCreated: number;
  batchRequests: number;
  /** Batch requests by outcome, counted as they settle. */
  batchSucceeded: number;
  batchErrored: number;
  batchCanceled: number;
  batchExpired: number;
  /** Usage of succeeded batch requests (`input_tokens` as in their usage, cache tokens apart). */
  batchInputTokens: number;
  batchOutputTokens: number;
  /** What batch requests were billed, at half the list price; also included in `billedUsd`. */
  batchBilledUsd: number;
}

export interface BucketLevels {
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface MockServer {
  url: string;
  port: number;
  stats(): MockStats;
  configure(partial: MockRuntimeConfig): void;
  injectErrors(list: InjectedError[]): void;
  resetStats(): void;
  levels(): BucketLevels;
  /** The `anthropic-ratelimit-*` headers a response would carry now (for proxies that answer in its place). */
  rateLimitHeaders(): Record<string, string>;
  /** Every Message Batch as GET /v1/messages/batches/:id would show it now (oldest first). */
  batches(): MockMessageBatch[];
  close(): Promise<void>;
}

/** The published limits of a tier (`start`, `build`, `scale`), for `--simulate TIER`. */
export function limitsForTier(name: string): MockLimits {
  const key = name.toLowerCase();
  if (!isTierName(key)) throw new Error(`unknown tier "${name}" (known: ${Object.keys(TIERS).join(', ')})`);
  return { ...TIERS[key] };
}

/** The key a success is counted under in `completionsByKey`. */
export function requestKey(body: { metadata?: unknown; messages?: unknown }): string {
  const meta = body.metadata;
  if (isRecord(meta) && typeof meta.user_id === 'string') return meta.user_id;
  return 'messages:' + createHash('sha256').update(JSON.stringify(body.messages) ?? '').digest('hex').slice(0, 16);
}

export async function startMockServer(options: MockServerOptions): Promise<MockServer> {
  const api = new MockApi(options);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    api.handle(req, res).catch((err: unknown) => api.internalError(res, err));
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
  api.setBaseUrl(url);
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    stats: () => api.snapshot(),
    configure: (partial) => api.configure(partial),
    injectErrors: (list) => api.inject(list),
    resetStats: () => api.resetStats(),
    levels: () => api.levels(),
    rateLimitHeaders: () => api.rateLimitHeaders(),
    batches: () => api.batchList(),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        api.shutdown();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------

const MAX_BODY_BYTES = 32 * 1024 * 1024; // the API's request size limit (256 MB for batch creation)
/** The Message Batches API bills every token at half the list price. */
const BATCH_PRICE_FACTOR = 0.5;
const BATCH_ROUTE = /^\/v1\/messages\/batches(?:\/([^/]+)(?:\/(results|cancel))?)?$/;
const RETRY_AFTER_CAP_SEC = 60;
/** Input and output tokens of an injected malformed reply to a body that is not a Message request. */
const MALFORMED_FALLBACK_TOKENS = 10;
const TTL_MS: Record<CacheTtl, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };
const DATED_SUFFIX = /-\d{8}$/;
const REMOVED_SAMPLING_PARAMS = ['temperature', 'top_p', 'top_k'];
const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

interface ApiError {
  status: number;
  type: string;
  message: string;
  errorCode?: string;
  retryAfterSec?: number;
}

/** How a request will be answered: fixed by its prompt, the prompt cache and the output option. */
interface ReplyPlan {
  body: MockRequestBody;
  prompt: PromptAnalysis;
  cache: { read: number; write5m: number; write1h: number; hitIndex: number };
  hash: string;
  outputTokens: number;
  stopReason: StopReason;
  /** Input charged to the ITPM bucket: cache reads do not count, fresh input and cache writes do. */
  chargedInput: number;
}

class MockApi {
  private readonly now: () => number;
  private readonly pricing = new Pricing();
  private readonly buckets: { requests: TokenBucket; input: TokenBucket; output: TokenBucket };
  /** Cache prefix hash → expiry time (ms). */
  private readonly cache = new Map<string, number>();
  private readonly injections: InjectedError[] = [];
  private readonly pending = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: (done: boolean) => void }>();
  private latency: LatencyModel;
  private outputTokens: OutputTokensOption | undefined;
  private orgSpendLimitUsd: number | undefined;
  private usageLimitUsd: number | undefined;
  private requestCounter = 0;
  private closed = false;
  private stats: MockStats = emptyStats(0);
  private readonly batchStore: BatchStore;

  constructor(private readonly options: MockServerOptions) {
    this.now = options.now ?? (() => Date.now());
    this.batchStore = new BatchStore(
      {
        now: this.now,
        answer: (params, t) => this.answerBatchRequest(params, t),
        settled: (result, params) => this.batchSettled(result, params),
      },
      options.batches,
    );
    const { requestsPerMinute, inputTokensPerMinute, outputTokensPerMinute } = options.limits;
    const start = (limit: number) => limit * initialFraction(options.initial);
    this.buckets = {
      requests: new TokenBucket(requestsPerMinute, this.now, start(requestsPerMinute)),
      input: new TokenBucket(inputTokensPerMinute, this.now, start(inputTokensPerMinute)),
      output: new TokenBucket(outputTokensPerMinute, this.now, start(outputTokensPerMinute)),
    };
    this.latency = { ...DEFAULT_LATENCY, ...options.latency };
    this.outputTokens = options.outputTokens;
    this.orgSpendLimitUsd = options.orgSpendLimitUsd;
    this.usageLimitUsd = options.usageLimitUsd;
    if (options.tenantLoad) this.setTenantLoad(options.tenantLoad);
  }

  // --- control surface ---------------------------------------------------------------------

  configure(partial: MockRuntimeConfig): void {
    const { limits } = partial;
    if (limits?.requestsPerMinute !== undefined) this.buckets.requests.setLimit(limits.requestsPerMinute);
    if (limits?.inputTokensPerMinute !== undefined) this.buckets.input.setLimit(limits.inputTokensPerMinute);
    if (limits?.outputTokensPerMinute !== undefined) this.buckets.output.setLimit(limits.outputTokensPerMinute);
    if (partial.tenantLoad !== undefined) this.setTenantLoad(partial.tenantLoad);
    if (partial.latency !== undefined) this.latency = { ...this.latency, ...partial.latency };
    if (partial.outputTokens !== undefined) this.outputTokens = partial.outputTokens ?? undefined;
    if (partial.orgSpendLimitUsd !== undefined) this.orgSpendLimitUsd = partial.orgSpendLimitUsd ?? undefined;
    if (partial.usageLimitUsd !== undefined) this.usageLimitUsd = partial.usageLimitUsd ?? undefined;
    if (partial.batches !== undefined) this.batchStore.configure(partial.batches);
  }

  setBaseUrl(url: string): void {
    this.batchStore.baseUrl = url;
  }

  batchList(): MockMessageBatch[] {
    return this.batchStore.all();
  }

  inject(list: InjectedError[]): void {
    this.injections.push(...list);
  }

  resetStats(): void {
    // In-flight requests are state, not history: they still finish and must still be counted down.
    this.stats = emptyStats(this.stats.inFlight);
  }

  snapshot(): MockStats {
    this.batchStore.advance(); // batch requests due by now are counted and billed before anyone looks
    return structuredClone(this.stats);
  }

  levels(): BucketLevels {
    const t = this.now();
    return {
      requests: this.buckets.requests.levelAt(t),
      inputTokens: this.buckets.input.levelAt(t),
      outputTokens: this.buckets.output.levelAt(t),
    };
  }

  /** Stop every pending reply so `close()` need not wait for simulated generation. */
  shutdown(): void {
    this.closed = true;
    for (const p of this.pending) {
      clearTimeout(p.timer);
      p.resolve(false);
    }
    this.pending.clear();
  }

  private setTenantLoad(load: TenantLoad): void {
    this.buckets.requests.setDrainPerSecond(load.requestsPerSec ?? 0);
    this.buckets.input.setDrainPerSecond(load.inputPerSec ?? 0);
    this.buckets.output.setDrainPerSecond(load.outputPerSec ?? 0);
  }

  // --- routing -------------------------------------------------------------------------------

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://mock');
    const path = url.pathname;
    const raw = await readBody(req, req.method === 'POST' && path === '/v1/messages/batches' ? MAX_BATCH_BYTES : MAX_BODY_BYTES);
    const route = `${req.method} ${path}`;
    // Batch requests that finished by now settle first, so live requests meet their cache entries
    // and spend in the order they happened.
    this.batchStore.advance();
    const batchRoute = BATCH_ROUTE.exec(path);
    if (batchRoute) return this.onBatches(req, res, raw, url, batchRoute[1], batchRoute[2]);
    switch (route) {
      case 'POST /v1/messages':
        return this.onMessages(req, res, raw);
      case 'POST /v1/messages/count_tokens':
        return this.onCountTokens(req, res, raw);
      case 'GET /_mock/stats':
        return sendJson(res, 200, this.snapshot());
      case 'GET /_mock/levels':
        return sendJson(res, 200, this.levels());
      case 'POST /_mock/configure':
        return this.control(res, raw, (json) => this.configure(parseRuntimeConfig(json)));
      case 'POST /_mock/inject':
        return this.control(res, raw, (json) => this.inject(parseInjections(json)));
      case 'POST /_mock/reset-stats':
        this.resetStats();
        return sendJson(res, 200, { ok: true });
      default:
        return this.sendError(res, { status: 404, type: 'not_found_error', message: `Not found: ${route}` }, false);
    }
  }

  internalError(res: ServerResponse, err: unknown): void {
    if (res.headersSent || res.destroyed) return;
    this.sendError(res, { status: 500, type: 'api_error', message: `mock internal error: ${String(err)}` }, false);
  }

  private control(res: ServerResponse, raw: Buffer | null, apply: (json: unknown) => void): void {
    try {
      if (raw === null) throw new Error('body too large');
      apply(JSON.parse(raw.toString('utf8') || '{}'));
      sendJson(res, 200, { ok: true });
    } catch (err) {
      sendJson(res, 400, { ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  // --- POST /v1/messages -----------------------------------------------------------------------

  private async onMessages(req: IncomingMessage, res: ServerResponse, raw: Buffer | null): Promise<void> {
    this.stats.received += 1;
    this.stats.firstRequestAt ??= this.now();
    const json = parseJson(raw);
    if ('value' in json && isRecord(json.value)) {
      const key = requestKey(json.value);
      this.stats.receivedByKey[key] = (this.stats.receivedByKey[key] ?? 0) + 1;
    }

    const injected = this.injections.shift();
    if (injected?.resetConnection) {
      this.stats.connectionResets += 1;
      req.socket.destroy();
      return;
    }
    if (injected?.hang) return this.hangUp(res);
    if (injected?.malformed) return this.sendMalformed(res, json, injected.malformed);
    if (injected) return this.sendError(res, injectedToError(injected));

    const auth = this.authError(req);
    if (auth) return this.sendError(res, auth);
    const parsed = 'error' in json ? json : validateBody(json.value, true);
    if ('error' in parsed) return this.sendError(res, parsed.error);
    // A streamed request gets the same reply, as server-sent events; `stream` itself changes nothing else.
    const { stream, ...body } = parsed.body;
    const refused = this.modelError(body.model) ?? this.spendError();
    if (refused) return this.sendError(res, refused);

    // Decided before admission so a throwing `outputTokens` function cannot leave a request half-charged.
    const plan = this.plan(body, this.now());
    const { cache, hash, outputTokens, chargedInput } = plan;
    const cacheWrite = cache.write5m + cache.write1h;

    const limited = this.admissionError(chargedInput);
    if (limited) return this.sendError(res, limited);

    this.buckets.requests.take(1);
    this.buckets.input.take(chargedInput);
    this.stats.inputTokensCharged += chargedInput;
    this.stats.inFlight += 1;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
    // As the API does, a stream's response headers (the rate-limit ones included) go out on
    // admission, before the model has generated anything.
    const streamRequestId = stream === true ? this.openStream(res) : undefined;

    const finished = await this.sleep(latencyMs(this.latency, outputTokens, hashFraction(hash, 2)));
    if (!finished) return; // server closing: the socket is being destroyed

    // Generation happened, so it is charged and billed whether or not the client is still there.
    this.buckets.output.take(outputTokens);
    const message = this.reply(plan, this.now(), this.requestCounter + 1);
    this.stats.inFlight -= 1;
    this.stats.billedUsd += this.costOf(body.model, message.usage);
    this.stats.outputTokensCharged += outputTokens;
    this.stats.cacheReadTokens += cache.read;
    this.stats.cacheCreationTokens += cacheWrite;
    if (res.destroyed || res.socket?.destroyed !== false) {
      this.stats.abandoned += 1;
      return;
    }
    this.stats.succeeded += 1;
    this.stats.lastCompletionAt = this.now();
    const key = requestKey(body);
    this.stats.completionsByKey[key] = (this.stats.completionsByKey[key] ?? 0) + 1;
    if (streamRequestId !== undefined) return void res.end(messageEvents(message));
    this.send(res, 200, message, { messagesRoute: true });
  }

  /** A 200 `text/event-stream` with the buckets as they are now; the events follow with the reply. */
  private openStream(res: ServerResponse): string {
    const requestId = this.nextRequestId();
    this.stats.byStatus[200] = (this.stats.byStatus[200] ?? 0) + 1;
    res.writeHead(200, { 'request-id': requestId, ...this.rateLimitHeaders(), 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    return requestId;
  }

  /** An injected `hang`: in flight, unanswered, until the client goes away or the server closes. */
  private hangUp(res: ServerResponse): void {
    this.stats.hung += 1;
    this.stats.inFlight += 1;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
    res.once('close', () => {
      this.stats.inFlight -= 1;
      this.stats.abandoned += 1;
    });
  }

  /** An injected `malformed` 200: a Message for the body (when it is one) with its usage spoilt, or a body cut off mid-JSON. */
  private sendMalformed(res: ServerResponse, json: { value: unknown } | { error: ApiError }, kind: MalformedReply): void {
    this.stats.malformedReplies += 1;
    const checked = 'value' in json ? validateBody(json.value, true) : undefined;
    const body = checked && 'body' in checked ? checked.body : undefined;
    const hash = body ? promptHash(body) : createHash('sha256').update('malformed').digest('hex');
    const outputTokens = body ? capOutput(defaultOutputTokens(hash), body.max_tokens).outputTokens : MALFORMED_FALLBACK_TOKENS;
    const reply = buildMessage({
      id: messageId(hash, this.requestCounter + 1),
      model: body?.model ?? 'unknown',
      hashHex: hash,
      outputTokens,
      stopReason: 'end_turn',
      inputTokens: body ? analyzePrompt(body).inputTokens : MALFORMED_FALLBACK_TOKENS,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
    });
    const message: Record<string, unknown> = { ...reply };
    const requestId = this.nextRequestId();
    const headers = { 'request-id': requestId, ...this.rateLimitHeaders() };
    this.stats.byStatus[200] = (this.stats.byStatus[200] ?? 0) + 1;
    if (kind === 'garbage-body') {
      const text = JSON.stringify(message);
      return sendRaw(res, 200, text.slice(0, Math.floor(text.length / 2)), headers);
    }
    if (kind === 'no-usage') delete message.usage;
    else if (kind === 'usage-null') message.usage = null;
    else message.usage = { ...reply.usage, input_tokens: -1_000, output_tokens: -500 };
    sendJson(res, 200, message, headers);
  }

  private onCountTokens(req: IncomingMessage, res: ServerResponse, raw: Buffer | null): void {
    this.stats.countTokensRequests += 1;
    const auth = this.authError(req);
    if (auth) return this.sendError(res, auth, false);
    const parsed = parseBody(raw, false);
    if ('error' in parsed) return this.sendError(res, parsed.error, false);
    const unknownModel = this.modelError(parsed.body.model);
    if (unknownModel) return this.sendError(res, unknownModel, false);
    // Free, and rate-limited separately by the real API: it touches none of the message buckets.
    this.send(res, 200, { input_tokens: analyzePrompt(parsed.body).inputTokens }, { messagesRoute: false });
  }

  // --- replies (live and batch) ------------------------------------------------------------------

  /** What a request will get, from its prompt, the cache as of `t` and the output option. May throw
   *  (a user `outputTokens` function). */
  private plan(body: MockRequestBody, t: number): ReplyPlan {
    const prompt = analyzePrompt(body);
    const cache = this.lookupCache(prompt.breakpoints, t);
    const hash = promptHash(body);
    const wanted = typeof this.outputTokens === 'function' ? this.outputTokens(body)
      : typeof this.outputTokens === 'number' ? this.outputTokens
      : defaultOutputTokens(hash);
    const { outputTokens, stopReason } = capOutput(wanted, body.max_tokens);
    return { body, prompt, cache, hash, outputTokens, stopReason, chargedInput: prompt.inputTokens - cache.read };
  }

  /** The reply, generated at `t`. */
  private reply(plan: ReplyPlan, t: number, sequence: number): MockMessage {
    const { prompt, cache } = plan;
    // The entry exists once the reply does: identical requests sent together all write, as with the real API.
    this.commitCache(prompt.breakpoints, cache.hitIndex, t);
    return buildMessage({
      id: messageId(plan.hash, sequence),
      model: plan.body.model,
      hashHex: plan.hash,
      outputTokens: plan.outputTokens,
      stopReason: plan.stopReason,
      inputTokens: prompt.inputTokens - cache.read - cache.write5m - cache.write1h,
      cacheRead: cache.read,
      cacheWrite5m: cache.write5m,
      cacheWrite1h: cache.write1h,
    });
  }

  // --- Message Batches -------------------------------------------------------------------------

  private async onBatches(
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer | null,
    url: URL,
    rawId: string | undefined,
    action: string | undefined,
  ): Promise<void> {
    // Batch routes answer without rate-limit headers and stay out of `byStatus`, which describes
    // the live POST /v1/messages traffic; injected errors are kept for that traffic too.
    const auth = this.authError(req);
    if (auth) return this.sendError(res, auth, false);
    let id: string | undefined;
    try {
      id = rawId === undefined ? undefined : decodeURIComponent(rawId);
    } catch {
      id = rawId;
    }
    const store = this.batchStore;
    try {
      const method = req.method ?? 'GET';
      if (id === undefined && method === 'POST') return this.send(res, 200, this.createBatch(raw), { messagesRoute: false });
      if (id === undefined && method === 'GET') return this.send(res, 200, store.list(url.searchParams), { messagesRoute: false });
      if (id !== undefined && action === undefined && method === 'GET') return this.send(res, 200, store.retrieve(id), { messagesRoute: false });
      if (id !== undefined && action === undefined && method === 'DELETE') return this.send(res, 200, store.delete(id), { messagesRoute: false });
      if (id !== undefined && action === 'cancel' && method === 'POST') return this.send(res, 200, store.cancel(id), { messagesRoute: false });
      if (id !== undefined && action === 'results' && method === 'GET') return await this.sendResults(res, store.results(id));
      return this.sendError(res, { status: 404, type: 'not_found_error', message: `Not found: ${method} ${url.pathname}` }, false);
    } catch (err) {
      if (!(err instanceof BatchApiError)) throw err;
      const errorCode = err.errorCode !== undefined ? { errorCode: err.errorCode } : {};
      return this.sendError(res, { status: err.status, type: err.type, message: err.message, ...errorCode }, false);
    }
  }

  private createBatch(raw: Buffer | null): MockMessageBatch {
    if (raw === null) throw new BatchApiError(413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${MAX_BATCH_BYTES} for a batch).`);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new BatchApiError(400, 'invalid_request_error', 'There was an error parsing the body of your request: invalid JSON');
    }
    const requests = validateBatchBody(json);
    // Spend limits refuse the whole batch at creation, as they refuse a live request; a batch
    // already accepted is not cut off part-way (the mock keeps that simple).
    const refused = this.spendError();
    if (refused) throw new BatchApiError(refused.status, refused.type, refused.message, refused.errorCode);
    const batch = this.batchStore.create(requests);
    this.stats.batchesCreated += 1;
    this.stats.batchRequests += requests.length;
    return batch;
  }

  /** JSONL, streamed with backpressure: a 100,000-line batch is large. */
  private async sendResults(res: ServerResponse, lines: Array<{ custom_id: string; result: MockBatchResult }>): Promise<void> {
    if (res.destroyed) return;
    res.writeHead(200, { 'request-id': this.nextRequestId(), 'content-type': 'application/x-jsonl' });
    let chunk = '';
    for (const line of lines) {
      chunk += JSON.stringify(line) + '\n';
      if (chunk.length < 64 * 1024) continue;
      if (res.destroyed) return;
      const ok = res.write(chunk);
      chunk = '';
      if (!ok) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    if (!res.destroyed) res.end(chunk);
  }

  /**
   * One batch request, answered as a live POST /v1/messages would be at time `t` (same validation,
   * model check, prompt cache, output lengths and usage), but with no admission against the live
   * buckets: batches have their own pool. Errors come as the API reports them inside a batch.
   */
  private answerBatchRequest(params: Record<string, unknown>, t: number): MockBatchResult {
    const errored = (e: { type: string; message: string }): MockBatchResult => ({
      type: 'errored',
      error: { type: 'error', error: { type: e.type, message: e.message }, request_id: null },
    });
    const checked = validateBody(params, true);
    if ('error' in checked) return errored(checked.error);
    const body = checked.body;
    // Live, an unknown model is a 404; inside a batch the API reports it as an invalid request.
    const unknownModel = this.modelError(body.model);
    if (unknownModel) return errored({ type: 'invalid_request_error', message: unknownModel.message });
    let plan: ReplyPlan;
    try {
      plan = this.plan(body, t);
    } catch (err) {
      return errored({ type: 'api_error', message: `mock internal error: ${String(err)}` });
    }
    this.requestCounter += 1;
    const message = this.reply(plan, t, this.requestCounter);
    message.usage.service_tier = 'batch'; // the API reports the tier a request ran in
    return { type: 'succeeded', message };
  }

  private batchSettled(result: MockBatchResult, params: Record<string, unknown>): void {
    const s = this.stats;
    if (result.type === 'errored') s.batchErrored += 1;
    else if (result.type === 'canceled') s.batchCanceled += 1;
    else if (result.type === 'expired') s.batchExpired += 1;
    else {
      const usage = result.message.usage;
      const cost = this.costOf(String(params.model), usage) * BATCH_PRICE_FACTOR;
      s.batchSucceeded += 1;
      s.batchInputTokens += usage.input_tokens;
      s.batchOutputTokens += usage.output_tokens;
      s.batchBilledUsd += cost;
      // One bill: spend limits see batch spend too.
      s.billedUsd += cost;
    }
  }

  // --- checks -----------------------------------------------------------------------------------

  private authError(req: IncomingMessage): ApiError | null {
    const expected = this.options.apiKey;
    if (expected === undefined) return null;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (req.headers['x-api-key'] === expected || bearer === expected) return null;
    return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
  }

  private modelError(model: string): ApiError | null {
    const known = this.options.knownModels;
    if (!known || known.includes(model) || known.includes(model.replace(DATED_SUFFIX, ''))) return null;
    return { status: 404, type: 'not_found_error', message: `model: ${model}` };
  }

  private spendError(): ApiError | null {
    const billed = this.stats.billedUsd;
    if (this.orgSpendLimitUsd !== undefined && billed >= this.orgSpendLimitUsd) {
      // No retry-after: waiting does not help until the month ends or the limit is raised.
      return {
        status: 429,
        type: 'rate_limit_error',
        errorCode: 'enforced_spend_limit_reached',
        message: 'Your organization has reached its monthly API spend limit. Raise the limit in the Console, or wait until next month, to continue.',
      };
    }
    if (this.usageLimitUsd !== undefined && billed >= this.usageLimitUsd) {
      return {
        status: 400,
        type: 'invalid_request_error',
        message: `You have reached your specified API usage limits. You will regain access on ${firstOfNextMonth(this.now())} at 00:00 UTC.`,
      };
    }
    return null;
  }

  /** A 429 when any bucket cannot admit the request now; retry-after covers the slowest of them. */
  private admissionError(chargedInput: number): ApiError | null {
    const { requests, input, output } = this.buckets;
    const checks: Array<{ what: string; ok: boolean; waitMs: number }> = [
      { what: `${requests.limit} requests per minute`, ok: requests.levelAt() >= 1, waitMs: requests.msUntilAvailable(1) },
      { what: `${input.limit} input tokens per minute`, ok: input.levelAt() >= chargedInput, waitMs: input.msUntilAvailable(chargedInput) },
      // Output is charged after generation, so admission only needs a positive level (retry once a token is back).
      { what: `${output.limit} output tokens per minute`, ok: output.levelAt() > 0, waitMs: output.msUntilAvailable(1) },
    ];
    const failing = checks.filter((c) => !c.ok);
    if (failing.length === 0) return null;
    const ms = Math.max(...failing.map((c) => c.waitMs));
    const tooBig = chargedInput > input.limit;
    return {
      status: 429,
      type: 'rate_limit_error',
      retryAfterSec: Math.min(RETRY_AFTER_CAP_SEC, Math.max(1, Math.ceil(ms / 1000))),
      message: tooBig
        ? `This request's ${chargedInput} input tokens exceed your organization's rate limit of ${input.limit} input tokens per minute; it cannot be admitted. Please reduce the prompt length.`
        : `This request would exceed your organization's rate limit of ${failing.map((c) => c.what).join(' and ')}. Please try again later.`,
    };
  }

  // --- prompt cache ----------------------------------------------------------------------------

  /** Longest unexpired breakpoint → read; the rest up to the last breakpoint → written, split by TTL. */
  private lookupCache(breakpoints: CacheBreakpoint[], t: number): ReplyPlan['cache'] {
    let hitIndex = -1;
    for (let i = breakpoints.length - 1; i >= 0; i--) {
      const expiry = this.cache.get(breakpoints[i]!.hash);
      if (expiry !== undefined && expiry > t) {
        hitIndex = i;
        break;
      }
    }
    const read = hitIndex >= 0 ? breakpoints[hitIndex]!.tokens : 0;
    let write5m = 0;
    let write1h = 0;
    let covered = read;
    for (const bp of breakpoints.slice(hitIndex + 1)) {
      const span = Math.max(0, bp.tokens - covered);
      if (bp.ttl === '1h') write1h += span;
      else write5m += span;
      covered = Math.max(covered, bp.tokens);
    }
    return { read, write5m, write1h, hitIndex };
  }

  private commitCache(breakpoints: CacheBreakpoint[], hitIndex: number, t: number): void {
    // A hit refreshes its entry; every later breakpoint is newly written.
    breakpoints.forEach((bp, i) => {
      if (i >= hitIndex) this.cache.set(bp.hash, t + TTL_MS[bp.ttl]);
    });
  }

  // --- billing ---------------------------------------------------------------------------------

  private costOf(model: string, usage: MockUsage): number {
    const known = this.pricing.costOf(model, usage);
    if (known !== null) return known;
    const fallback = this.options.fallbackPrice;
    if (!fallback) return 0;
    const input = usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
    return (input * fallback.input + usage.output_tokens * fallback.output) / 1_000_000;
  }

  // --- responses -------------------------------------------------------------------------------

  /** `messagesRoute`: a POST /v1/messages answer, which carries rate-limit headers and counts in the stats. */
  private sendError(res: ServerResponse, error: ApiError, messagesRoute = true): void {
    const requestId = this.nextRequestId();
    const details = error.errorCode ? { details: { error_code: error.errorCode } } : {};
    const body = { type: 'error', error: { type: error.type, message: error.message, ...details }, request_id: requestId };
    this.send(res, error.status, body, { messagesRoute, retryAfterSec: error.retryAfterSec, requestId });
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    opts: { messagesRoute: boolean; retryAfterSec?: number | undefined; requestId?: string },
  ): void {
    const headers: Record<string, string> = { 'request-id': opts.requestId ?? this.nextRequestId() };
    if (opts.messagesRoute) Object.assign(headers, this.rateLimitHeaders());
    if (opts.retryAfterSec !== undefined) headers['retry-after'] = String(opts.retryAfterSec);
    if (opts.messagesRoute) {
      this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
      if (status === 429) this.stats.rateLimited += 1;
    }
    sendJson(res, status, body, headers);
  }

  private nextRequestId(): string {
    this.requestCounter += 1;
    return `req_mock_${this.requestCounter}`;
  }

  /** The API's `anthropic-ratelimit-*` headers for the buckets as they are now. */
  rateLimitHeaders(): Record<string, string> {
    const t = this.now();
    const { requests, input, output } = this.buckets;
    const describe = (bucket: TokenBucket, round: (level: number) => number) => ({
      limit: String(bucket.limit),
      remaining: String(round(bucket.levelAt(t))),
      reset: rfc3339(t + Math.min(bucket.msUntilFull(), RETRY_AFTER_CAP_SEC * 1000)),
    });
    const toThousand = (level: number) => Math.max(0, Math.round(level / 1000) * 1000);
    const whole = (level: number) => Math.max(0, Math.floor(level));
    const fraction = (b: TokenBucket) => b.levelAt(t) / b.limit;
    const all = {
      requests: describe(requests, whole),
      'input-tokens': describe(input, toThousand),
      'output-tokens': describe(output, toThousand),
      // The most restrictive token limit in effect (a workspace limit in the real API).
      tokens: describe(fraction(input) <= fraction(output) ? input : output, toThousand),
    };
    const headers: Record<string, string> = {};
    for (const [name, h] of Object.entries(all)) {
      headers[`anthropic-ratelimit-${name}-limit`] = h.limit;
      headers[`anthropic-ratelimit-${name}-remaining`] = h.remaining;
      headers[`anthropic-ratelimit-${name}-reset`] = h.reset;
    }
    return headers;
  }

  /** Wait for simulated generation; resolves false if the server shuts down first. */
  private sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      this.pending.add(entry);
    });
  }
}

// --- helpers ---------------------------------------------------------------------------------------

function emptyStats(inFlight: number): MockStats {
  return {
    received: 0,
    receivedByKey: {},
    succeeded: 0,
    byStatus: {},
    rateLimited: 0,
    connectionResets: 0,
    abandoned: 0,
    hung: 0,
    malformedReplies: 0,
    inFlight,
    maxInFlight: inFlight,
    billedUsd: 0,
    inputTokensCharged: 0,
    outputTokensCharged: 0,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    countTokensRequests: 0,
    completionsByKey: {},
    firstRequestAt: null,
    lastCompletionAt: null,
    batchesCreated: 0,
    batchRequests: 0,
    batchSucceeded: 0,
    batchErrored: 0,
    batchCanceled: 0,
    batchExpired: 0,
    batchInputTokens: 0,
    batchOutputTokens: 0,
    batchBilledUsd: 0,
  };
}

/** Parse and validate a request body the way the API does, or say why it is refused. */
function parseBody(raw: Buffer | null, isCreate: boolean): { body: MockRequestBody } | { error: ApiError } {
  const json = parseJson(raw);
  return 'error' in json ? json : validateBody(json.value, isCreate);
}

/** The body as JSON, or the API's refusal of a body too large or not JSON. */
function parseJson(raw: Buffer | null): { value: unknown } | { error: ApiError } {
  if (raw === null) return { error: { status: 413, type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' } };
  try {
    return { value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { error: { status: 400, type: 'invalid_request_error', message: 'There was an error parsing the body of your request: invalid JSON' } };
  }
}

/** The API's checks of a parsed Messages body (also applied to each batch request's `params`). */
function validateBody(body: unknown, isCreate: boolean): { body: MockRequestBody } | { error: ApiError } {
  const bad = (message: string) => ({ error: { status: 400, type: 'invalid_request_error', message } });
  if (!isRecord(body)) return bad('request body must be a JSON object');
  if (typeof body.model !== 'string') return bad('model: Field required');
  if (isCreate && !(Number.isInteger(body.max_tokens) && (body.max_tokens as number) > 0)) {
    return bad('max_tokens: Input should be a positive integer');
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) return bad('messages: at least one message is required');
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m) || (m.role !== 'user' && m.role !== 'assistant')) return bad(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) return bad(`messages.${i}.content: Field required`);
  }
  if (isCreate) {
    const removed = REMOVED_SAMPLING_PARAMS.find((p) => p in body);
    if (removed) return bad(`${removed}: Extra inputs are not permitted`);
  }
  return { body: body as MockRequestBody };
}

function initialFraction(initial: InitialLevel | undefined): number {
  if (initial === undefined || initial === 'full') return 1;
  if (initial === 'drained') return 0;
  if (typeof initial === 'number' && initial >= 0 && initial <= 1) return initial;
  throw new RangeError(`initial must be 'full', 'drained' or a fraction 0..1, got ${String(initial)}`);
}

function injectedToError(injected: InjectedError): ApiError {
  const status = injected.status ?? 500;
  const type = injected.type ?? TYPE_BY_STATUS[status] ?? 'api_error';
  return {
    status,
    type,
    message: injected.message ?? `injected ${type}`,
    ...(injected.errorCode !== undefined ? { errorCode: injected.errorCode } : {}),
    ...(injected.retryAfterSec !== undefined ? { retryAfterSec: injected.retryAfterSec } : {}),
  };
}

/** Validate POST /_mock/configure; over HTTP `outputTokens` can only be a number. */
function parseRuntimeConfig(json: unknown): MockRuntimeConfig {
  if (!isRecord(json)) throw new Error('configure expects a JSON object');
  const allowed = ['limits', 'tenantLoad', 'latency', 'outputTokens', 'orgSpendLimitUsd', 'usageLimitUsd', 'batches'];
  const unknown = Object.keys(json).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new Error(`unknown option(s): ${unknown.join(', ')}`);
  for (const key of ['limits', 'tenantLoad', 'latency']) {
    const value = json[key];
    if (value === undefined) continue;
    if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'number')) throw new Error(`${key} must be an object of numbers`);
  }
  const batches = json.batches;
  if (batches !== undefined && (!isRecord(batches) || !Object.values(batches).every((v) => typeof v === 'number' || v === null))) {
    throw new Error('batches must be an object of numbers (or null)');
  }
  for (const key of ['outputTokens', 'orgSpendLimitUsd', 'usageLimitUsd']) {
    const value = json[key];
    if (value !== undefined && value !== null && typeof value !== 'number') throw new Error(`${key} must be a number or null`);
  }
  return json as MockRuntimeConfig;
}

function parseInjections(json: unknown): InjectedError[] {
  if (!Array.isArray(json) || !json.every(isRecord)) throw new Error('inject expects a JSON array of objects');
  for (const item of json) {
    if (item.malformed !== undefined && !MALFORMED_REPLIES.includes(item.malformed as MalformedReply)) {
      throw new Error(`malformed must be one of ${MALFORMED_REPLIES.join(', ')}`);
    }
    if (item.hang !== undefined && typeof item.hang !== 'boolean') throw new Error('hang must be true or false');
  }
  return json as InjectedError[];
}

/** The whole body, or null when it exceeds the route's size limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A whole Message as the API streams it: message_start, each block's start, delta and stop, message_delta with the usage, message_stop. */
export function messageEvents(message: MockMessage): string {
  const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const { content, stop_reason: stopReason, stop_sequence: stopSequence, usage } = message;
  const stopDetails = (message as unknown as Record<string, unknown>).stop_details;
  const parts = [event('message_start', { message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 0 } } })];
  content.forEach((block, index) => {
    parts.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    parts.push(event('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } }));
    parts.push(event('content_block_stop', { index }));
  });
  parts.push(event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: stopSequence, ...(stopDetails === undefined ? {} : { stop_details: stopDetails }) }, usage }));
  parts.push(event('message_stop', {}));
  return parts.join('');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendRaw(res, status, JSON.stringify(body), headers);
}

/** `text` as it is, labelled JSON (an injected `garbage-body` is not JSON). */
function sendRaw(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** RFC 3339 at whole seconds (rounded up, so "full again" is never early), e.g. 2026-11-03T12:00:05Z. */
function rfc3339(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function firstOfNextMonth(ms: number): string {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
