// A mock of the Anthropic Messages API that speaks the real wire format: the same bodies, error
// shapes and rate-limit headers, enforced by the same continuously refilled token buckets. It is
// both the integration-test fixture (the real SDK talks to it over 127.0.0.1) and the engine of the
// CLI's `--simulate` mode, which rehearses a job with no key and no cost. Node built-ins only.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Pricing } from '../pricing/pricing';
import { TIERS, isTierName, type TierLimits } from '../tiers';
import { DEFAULT_LATENCY, latencyMs, type LatencyModel } from './latency';
import { buildMessage, capOutput, type MockUsage, defaultOutputTokens, hashFraction, messageId } from './replies';
import { TokenBucket } from './token-bucket';
import { analyzePrompt, promptHash, type CacheBreakpoint, type CacheTtl } from './tokens';

export { REALISTIC_LATENCY, DEFAULT_LATENCY, type LatencyModel } from './latency';

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
}

/** What `configure()` and POST /_mock/configure may change while running. `null` clears a limit or option. */
export interface MockRuntimeConfig {
  limits?: Partial<MockLimits>;
  tenantLoad?: TenantLoad;
  latency?: Partial<LatencyModel>;
  outputTokens?: OutputTokensOption | null;
  orgSpendLimitUsd?: number | null;
  usageLimitUsd?: number | null;
}

/** A canned response for one upcoming request. `resetConnection` drops the socket without any response. */
export interface InjectedError {
  status?: number;
  type?: string;
  message?: string;
  errorCode?: string;
  retryAfterSec?: number;
  resetConnection?: boolean;
}

export interface MockStats {
  received: number;
  succeeded: number;
  byStatus: Record<string, number>;
  rateLimited: number;
  connectionResets: number;
  /** Requests whose client went away before the reply; still billed, as the real API would. */
  abandoned: number;
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
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats: () => api.snapshot(),
    configure: (partial) => api.configure(partial),
    injectErrors: (list) => api.inject(list),
    resetStats: () => api.resetStats(),
    levels: () => api.levels(),
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

const MAX_BODY_BYTES = 32 * 1024 * 1024; // the API's request size limit
const RETRY_AFTER_CAP_SEC = 60;
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

  constructor(private readonly options: MockServerOptions) {
    this.now = options.now ?? (() => Date.now());
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
  }

  inject(list: InjectedError[]): void {
    this.injections.push(...list);
  }

  resetStats(): void {
    // In-flight requests are state, not history: they still finish and must still be counted down.
    this.stats = emptyStats(this.stats.inFlight);
  }

  snapshot(): MockStats {
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
    const path = new URL(req.url ?? '/', 'http://mock').pathname;
    const raw = await readBody(req);
    const route = `${req.method} ${path}`;
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

    const injected = this.injections.shift();
    if (injected?.resetConnection) {
      this.stats.connectionResets += 1;
      req.socket.destroy();
      return;
    }
    if (injected) return this.sendError(res, injectedToError(injected));

    const auth = this.authError(req);
    if (auth) return this.sendError(res, auth);
    const parsed = parseBody(raw, true);
    if ('error' in parsed) return this.sendError(res, parsed.error);
    const body = parsed.body;
    const refused = this.modelError(body.model) ?? this.spendError();
    if (refused) return this.sendError(res, refused);

    const prompt = analyzePrompt(body);
    const cache = this.lookupCache(prompt.breakpoints);
    const cacheWrite = cache.write5m + cache.write1h;
    // Cache reads do not count toward ITPM; fresh input and cache writes do.
    const chargedInput = prompt.inputTokens - cache.read;
    // Decided before admission so a throwing `outputTokens` function cannot leave a request half-charged.
    const hash = promptHash(body);
    const wanted = typeof this.outputTokens === 'function' ? this.outputTokens(body)
      : typeof this.outputTokens === 'number' ? this.outputTokens
      : defaultOutputTokens(hash);
    const { outputTokens, stopReason } = capOutput(wanted, body.max_tokens);

    const limited = this.admissionError(chargedInput);
    if (limited) return this.sendError(res, limited);

    this.buckets.requests.take(1);
    this.buckets.input.take(chargedInput);
    this.stats.inputTokensCharged += chargedInput;
    this.stats.inFlight += 1;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);

    const finished = await this.sleep(latencyMs(this.latency, outputTokens, hashFraction(hash, 2)));
    if (!finished) return; // server closing: the socket is being destroyed

    // Generation happened, so it is charged and billed whether or not the client is still there.
    this.buckets.output.take(outputTokens);
    // The entry exists once the reply does: identical requests sent together all write, as with the real API.
    this.commitCache(prompt.breakpoints, cache.hitIndex);
    const message = buildMessage({
      id: messageId(hash, this.requestCounter + 1),
      model: body.model,
      hashHex: hash,
      outputTokens,
      stopReason,
      inputTokens: prompt.inputTokens - cache.read - cacheWrite,
      cacheRead: cache.read,
      cacheWrite5m: cache.write5m,
      cacheWrite1h: cache.write1h,
    });
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
    this.send(res, 200, message, { messagesRoute: true });
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
  private lookupCache(breakpoints: CacheBreakpoint[]): { read: number; write5m: number; write1h: number; hitIndex: number } {
    const t = this.now();
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

  private commitCache(breakpoints: CacheBreakpoint[], hitIndex: number): void {
    const t = this.now();
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
  private rateLimitHeaders(): Record<string, string> {
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
    succeeded: 0,
    byStatus: {},
    rateLimited: 0,
    connectionResets: 0,
    abandoned: 0,
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
  };
}

/** Parse and validate a request body the way the API does, or say why it is refused. */
function parseBody(raw: Buffer | null, isCreate: boolean): { body: MockRequestBody } | { error: ApiError } {
  const bad = (message: string) => ({ error: { status: 400, type: 'invalid_request_error', message } });
  if (raw === null) return { error: { status: 413, type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' } };
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return bad('There was an error parsing the body of your request: invalid JSON');
  }
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
    if (body.stream === true) return bad('streaming is not supported by the mock');
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
  const allowed = ['limits', 'tenantLoad', 'latency', 'outputTokens', 'orgSpendLimitUsd', 'usageLimitUsd'];
  const unknown = Object.keys(json).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new Error(`unknown option(s): ${unknown.join(', ')}`);
  for (const key of ['limits', 'tenantLoad', 'latency']) {
    const value = json[key];
    if (value === undefined) continue;
    if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'number')) throw new Error(`${key} must be an object of numbers`);
  }
  for (const key of ['outputTokens', 'orgSpendLimitUsd', 'usageLimitUsd']) {
    const value = json[key];
    if (value !== undefined && value !== null && typeof value !== 'number') throw new Error(`${key} must be a number or null`);
  }
  return json as MockRuntimeConfig;
}

function parseInjections(json: unknown): InjectedError[] {
  if (!Array.isArray(json) || !json.every(isRecord)) throw new Error('inject expects a JSON array of objects');
  return json as InjectedError[];
}

/** The whole body, or null when it exceeds the API's size limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
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
