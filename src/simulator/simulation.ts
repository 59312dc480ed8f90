// The simulated API's state, one part per concern, and what every route shares: its clock, the
// answers (request ids, rate-limit headers, counted by status) and the checks before any work
// (key, model, spend). The routes themselves live in ./messages-endpoint, ./batch-routes and
// ./control; ./server serves them over HTTP.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModelClass } from '../core/models/model-class';
import type { Clock } from '../core/types';
import type { MockBatchResult, MockMessageBatch } from './batch-wire';
import { BatchStore } from './batches';
import { BATCH_PRICE_FACTOR, Billing } from './billing';
import { ClassBuckets } from './class-buckets';
import { mockClock, Waits } from './clock';
import { FaultQueue, type InjectedError } from './faults';
import { rateLimitHeaders } from './headers';
import { sendJson } from './http';
import { DEFAULT_LATENCY, type LatencyModel } from './latency';
import { PromptCache } from './prompt-cache';
import { StatsBook, type MockStats } from './stats';
import type { ApiError, BucketLevels, MockRuntimeConfig, MockServerOptions, OutputTokensOption } from './types';

const DATED_SUFFIX = /-\d{8}$/;

/** How batch requests are answered and settled: given by ./batch-routes, which needs the simulation itself. */
export interface BatchAnswers {
  answer(sim: Simulation, params: Record<string, unknown>, t: number): MockBatchResult;
  settled(sim: Simulation, result: MockBatchResult, params: Record<string, unknown>): void;
}

export class Simulation {
  readonly clock: Clock;
  readonly stats = new StatsBook();
  /** One set of rate-limit buckets per model class, as the API keeps them. */
  readonly buckets: ClassBuckets;
  readonly cache = new PromptCache();
  readonly billing: Billing;
  readonly faults = new FaultQueue();
  /** Replies being generated, ended at once by `shutdown`. */
  readonly generation: Waits;
  readonly batches: BatchStore;
  latency: LatencyModel;
  outputTokens: OutputTokensOption | undefined;
  private requestCounter = 0;

  constructor(
    private readonly options: MockServerOptions,
    batchAnswers: BatchAnswers,
  ) {
    this.clock = mockClock(options);
    const now = () => this.clock.now();
    this.generation = new Waits(this.clock);
    this.batches = new BatchStore(
      {
        now,
        answer: (params, t) => batchAnswers.answer(this, params, t),
        settled: (result, params) => batchAnswers.settled(this, result, params),
      },
      options.batches,
    );
    this.buckets = new ClassBuckets(options, now);
    this.billing = new Billing(options);
    this.latency = { ...DEFAULT_LATENCY, ...options.latency };
    this.outputTokens = options.outputTokens;
  }

  now(): number {
    return this.clock.now();
  }

  // --- control surface ---------------------------------------------------------------------

  configure(partial: MockRuntimeConfig): void {
    // Each of these two checks all it is given before changing anything (a bad value is a 400, not half a change).
    if (partial.classLimits) this.buckets.setClassLimits(partial.classLimits);
    if (partial.limits) this.buckets.setDefaultLimits(partial.limits);
    if (partial.tenantLoad !== undefined) this.buckets.setTenantLoad(partial.tenantLoad);
    if (partial.latency !== undefined) this.latency = { ...this.latency, ...partial.latency };
    if (partial.outputTokens !== undefined) this.outputTokens = partial.outputTokens ?? undefined;
    if (partial.orgSpendLimitUsd !== undefined) this.billing.orgSpendLimitUsd = partial.orgSpendLimitUsd ?? undefined;
    if (partial.usageLimitUsd !== undefined) this.billing.usageLimitUsd = partial.usageLimitUsd ?? undefined;
    if (partial.batches !== undefined) this.batches.configure(partial.batches);
  }

  /** The server's own URL, for the batches' `results_url`; set once it listens. */
  setBaseUrl(url: string): void {
    this.batches.baseUrl = url;
  }

  inject(list: InjectedError[]): void {
    this.faults.inject(list);
  }

  resetStats(): void {
    this.stats.reset();
  }

  snapshot(): MockStats {
    this.batches.advance(); // batch requests due by now are counted and billed before anyone looks
    return this.stats.snapshot();
  }

  /** One class's levels (default: the class of the most recent request; see `ClassBuckets.view`). */
  levels(modelClass?: ModelClass): BucketLevels {
    return this.buckets.levels(modelClass);
  }

  classLevels(): Record<ModelClass, BucketLevels> {
    return this.buckets.classLevels();
  }

  /** The API's `anthropic-ratelimit-*` headers for one class's buckets as they are now (default: as `levels`). */
  rateLimitHeaders(modelClass?: ModelClass): Record<string, string> {
    return rateLimitHeaders(this.buckets.view(modelClass), this.now());
  }

  batchList(): MockMessageBatch[] {
    return this.batches.all();
  }

  /** Stop every pending reply so `close()` need not wait for simulated generation. */
  shutdown(): void {
    this.generation.shutdown();
  }

  // --- answers -------------------------------------------------------------------------------

  nextRequestId(): string {
    this.requestCounter += 1;
    return `req_mock_${this.requestCounter}`;
  }

  /** The number the next request id will carry (a reply's message id uses it before it is sent). */
  peekSequence(): number {
    return this.requestCounter + 1;
  }

  /** Takes a number for a batch answer, which is never sent with a request id of its own. */
  takeSequence(): number {
    this.requestCounter += 1;
    return this.requestCounter;
  }

  /** `messagesRoute`: a POST /v1/messages answer, which carries rate-limit headers (of `modelClass`,
   *  the request's, when its body names a model) and counts in the stats. */
  sendError(res: ServerResponse, error: ApiError, messagesRoute = true, modelClass?: ModelClass): void {
    const requestId = this.nextRequestId();
    const details = error.errorCode ? { details: { error_code: error.errorCode } } : {};
    const body = { type: 'error', error: { type: error.type, message: error.message, ...details }, request_id: requestId };
    this.send(res, error.status, body, { messagesRoute, retryAfterSec: error.retryAfterSec, requestId, modelClass });
  }

  send(
    res: ServerResponse,
    status: number,
    body: unknown,
    opts: { messagesRoute: boolean; retryAfterSec?: number | undefined; requestId?: string; modelClass?: ModelClass | undefined },
  ): void {
    const headers: Record<string, string> = { 'request-id': opts.requestId ?? this.nextRequestId() };
    if (opts.messagesRoute) Object.assign(headers, this.rateLimitHeaders(opts.modelClass));
    if (opts.retryAfterSec !== undefined) headers['retry-after'] = String(opts.retryAfterSec);
    if (opts.messagesRoute) this.stats.answered(status);
    sendJson(res, status, body, headers);
  }

  internalError(res: ServerResponse, err: unknown): void {
    if (res.headersSent || res.destroyed) return;
    this.sendError(res, { status: 500, type: 'api_error', message: `mock internal error: ${String(err)}` }, false);
  }

  // --- checks -----------------------------------------------------------------------------------

  authError(req: IncomingMessage): ApiError | null {
    const expected = this.options.apiKey;
    if (expected === undefined) return null;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (req.headers['x-api-key'] === expected || bearer === expected) return null;
    return { status: 401, type: 'authentication_error', message: 'invalid x-api-key' };
  }

  modelError(model: string): ApiError | null {
    const known = this.options.knownModels;
    if (!known || known.includes(model) || known.includes(model.replace(DATED_SUFFIX, ''))) return null;
    return { status: 404, type: 'not_found_error', message: `model: ${model}` };
  }

  spendError(): ApiError | null {
    return this.billing.spendError(this.stats.billedUsd, this.now());
  }

  /** USD a succeeded batch request is billed: half the list price. */
  batchCost(model: string, result: MockBatchResult): number {
    return result.type === 'succeeded' ? this.billing.costOf(model, result.message.usage) * BATCH_PRICE_FACTOR : 0;
  }
}
