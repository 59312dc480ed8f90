// The simulated API's public shapes: how it is started, what may change while it runs, and the
// handle `startMockServer` returns. Re-exported by ./mock-server, the module everyone imports.
import type { TierLimits } from '../core/tiers';
import type { Clock } from '../core/types';
import type { MockMessageBatch } from './batch-wire';
import type { BatchOptions, BatchRuntimeConfig } from './batches';
import type { InjectedError } from './faults';
import type { LatencyModel } from './latency';
import type { MockStats } from './stats';

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
  /** The default limits: of every model class that has none of its own in `classLimits`. */
  limits: MockLimits;
  /**
   * Per model class (`opus`, `sonnet`, `haiku`, or an unknown model's alias: the names core's
   * `ModelClasses.classOf` gives), limits over `limits`, field by field. The API keeps one set of
   * buckets per class; so does the mock. A model id as a key is refused (name its class).
   */
  classLimits?: Record<string, Partial<MockLimits>>;
  /** Every class's buckets at start (a class first seen later has refilled since, as if it had been there). */
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
  /** Another tenant, at these rates on every model class's buckets. */
  tenantLoad?: TenantLoad;
  /** USD per million tokens for models the price table does not know (else they bill $0). */
  fallbackPrice?: { input: number; output: number };
  /**
   * Time for everything the mock does: buckets, cache expiry, reset headers, batches, and the wait
   * for simulated generation (its latency). Default: the real clock. A test passes a fake one
   * (`sinon.clock.create(...)`) and moves it instead of sleeping.
   */
  clock?: Clock;
  /** Time for the books only (buckets, cache expiry, headers, batches) while latency keeps real
   *  timers: what the bench's time compression needs. Not together with `clock`. */
  now?: () => number;
  /** Message Batches timing (on the mock's clock): each request finishes at a random moment in
   *  [minMs, maxMs] after creation (default 50..500); `expiresAfterMs` (default 24 h) expires the rest. */
  batches?: BatchOptions;
}

/** What `configure()` and POST /_mock/configure may change while running. `null` clears a limit or option. */
export interface MockRuntimeConfig {
  /** New default limits: they apply to every class, save the limits a class has of its own. */
  limits?: Partial<MockLimits>;
  /** Merged into each named class's own limits (its buckets are made now if need be); `null` drops a
   *  class's own limits, and it follows the defaults again. */
  classLimits?: Record<string, Partial<MockLimits> | null>;
  /** Replaces the tenant load, on every class's buckets. */
  tenantLoad?: TenantLoad;
  latency?: Partial<LatencyModel>;
  outputTokens?: OutputTokensOption | null;
  orgSpendLimitUsd?: number | null;
  usageLimitUsd?: number | null;
  /** Applies to batches created afterwards; existing batches keep their schedule. */
  batches?: BatchRuntimeConfig;
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
  /**
   * One model class's bucket levels (`haiku`, …), by default the class of the most recent request
   * admitted or refused by the buckets. A class with no buckets yet (before any request, say) reads
   * as it would be if used now: the default limits, from `initial`, refilled since the start.
   */
  levels(modelClass?: string): BucketLevels;
  /** Every class with buckets (seen by a request, or given limits of its own), by class name. */
  classLevels(): Record<string, BucketLevels>;
  /** The `anthropic-ratelimit-*` headers a response to `modelClass` would carry now (default: as
   *  `levels`), for proxies that answer in its place. */
  rateLimitHeaders(modelClass?: string): Record<string, string>;
  /** Every Message Batch as GET /v1/messages/batches/:id would show it now (oldest first). */
  batches(): MockMessageBatch[];
  close(): Promise<void>;
}

/** A refusal as the API words it: the status, the error type and message, and what goes with them. */
export interface ApiError {
  status: number;
  type: string;
  message: string;
  errorCode?: string;
  retryAfterSec?: number;
}
