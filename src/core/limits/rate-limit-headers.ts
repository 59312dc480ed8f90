// Reads what the API says about its own limits: the `anthropic-ratelimit-*` headers and `retry-after`.

export type Dimension = 'requests' | 'inputTokens' | 'outputTokens' | 'tokens';

export const DIMENSIONS: readonly Dimension[] = ['requests', 'inputTokens', 'outputTokens', 'tokens'];

/** The dimensions counted in tokens; floors apply to these (the requests dimension is exact and floorless). */
export const TOKEN_DIMENSIONS: readonly Dimension[] = ['inputTokens', 'outputTokens', 'tokens'];

const HEADER_PREFIX: Record<Dimension, string> = {
  requests: 'anthropic-ratelimit-requests',
  inputTokens: 'anthropic-ratelimit-input-tokens',
  outputTokens: 'anthropic-ratelimit-output-tokens',
  tokens: 'anthropic-ratelimit-tokens',
};

export interface BucketReading {
  limit: number;
  remaining: number;
  /** When the API says the bucket is full again (epoch ms), if it said. */
  resetAt: number | undefined;
}

export interface LimitObservation {
  buckets: Partial<Record<Dimension, BucketReading>>;
  /** `retry-after`, in ms, if present and valid. */
  retryAfterMs: number | undefined;
  requestId: string | undefined;
}

/** The subset of the Fetch `Headers` interface we need, so plain maps work in tests. */
export interface HeaderSource {
  get(name: string): string | null;
}

function finiteNumber(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function parseTime(text: string | null): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * `retry-after` is seconds (the API's form) or an HTTP date (allowed by RFC 9110). `retry-after-ms`
 * is a finer variant some gateways send; prefer it when present.
 */
export function parseRetryAfter(headers: HeaderSource, now: number): number | undefined {
  const ms = finiteNumber(headers.get('retry-after-ms'));
  if (ms !== undefined) return ms;
  const raw = headers.get('retry-after');
  const seconds = finiteNumber(raw);
  if (seconds !== undefined) return seconds * 1000;
  const at = parseTime(raw);
  return at === undefined ? undefined : Math.max(0, at - now);
}

export function parseRateLimitHeaders(headers: HeaderSource, now: number): LimitObservation {
  const buckets: Partial<Record<Dimension, BucketReading>> = {};
  for (const dimension of DIMENSIONS) {
    const prefix = HEADER_PREFIX[dimension];
    const limit = finiteNumber(headers.get(`${prefix}-limit`));
    const remaining = finiteNumber(headers.get(`${prefix}-remaining`));
    // A bucket is only useful with both numbers; a lone one would be guessing.
    if (limit === undefined || remaining === undefined || limit === 0) continue;
    buckets[dimension] = { limit, remaining: Math.min(remaining, limit), resetAt: parseTime(headers.get(`${prefix}-reset`)) };
  }
  return {
    buckets,
    retryAfterMs: parseRetryAfter(headers, now),
    requestId: headers.get('request-id') ?? undefined,
  };
}
