// Reads what the API says about its own limits: the `anthropic-ratelimit-*` headers and `retry-after`;
// and writes those headers (`encodeRateLimitHeaders`), for the simulated API, in the same format.

export type Dimension = 'requests' | 'inputTokens' | 'outputTokens' | 'tokens';

const DIMENSIONS: readonly Dimension[] = ['requests', 'inputTokens', 'outputTokens', 'tokens'];

/** The dimensions counted in tokens; floors apply to these (the requests dimension is exact and floorless). */
export const TOKEN_DIMENSIONS: readonly Dimension[] = ['inputTokens', 'outputTokens', 'tokens'];

const HEADER_PREFIX: Record<Dimension, string> = {
  requests: 'anthropic-ratelimit-requests',
  inputTokens: 'anthropic-ratelimit-input-tokens',
  outputTokens: 'anthropic-ratelimit-output-tokens',
  tokens: 'anthropic-ratelimit-tokens',
};

interface BucketReading {
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
 * is a finer variant some gateways send; prefer it when present. This is what the server said,
 * uncapped: whoever waits on it holds it to `MAX_SERVER_WAIT_MS` through `capServerWait`.
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

/**
 * The longest Floorline waits because a server said so: `retry-after` on a 429 or 529, the
 * cool-down it starts, a retry's delay. The API's own `retry-after` is seconds to about a minute
 * (its buckets refill continuously over a minute), and limits that do not refill in minutes (the
 * organisation's monthly spend limit) come without one and stop the run instead. A wait far longer
 * than that is a proxy's or a gateway's mistake, or a corrupted header: `retry-after: 99999999` would
 * otherwise pause the run for three years, in a process nobody is watching. Ten minutes is far past
 * any honest ask and short enough to cost little when the ask was wrong; if the API still needs
 * more time afterwards, the next answer says so and the wait starts again.
 */
export const MAX_SERVER_WAIT_MS = 10 * 60_000;

export interface ServerWait {
  /** What Floorline will wait: the server's ask, at most `MAX_SERVER_WAIT_MS`. */
  waitMs: number;
  /** The server's ask, when it was longer than that. */
  askedMs?: number;
}

/** A wait the server asked for, held to `MAX_SERVER_WAIT_MS`; the ask is kept when it was cut, to be reported. */
export function capServerWait(askedMs: number): ServerWait {
  return askedMs > MAX_SERVER_WAIT_MS ? { waitMs: MAX_SERVER_WAIT_MS, askedMs } : { waitMs: askedMs };
}

type WaitUnit = [ms: number, singular: string, plural: string];
const SECONDS: WaitUnit = [1_000, 's', 's'];
const WAIT_UNITS: readonly WaitUnit[] = [
  [365.25 * 86_400_000, 'year', 'years'],
  [86_400_000, 'day', 'days'],
  [3_600_000, 'hour', 'hours'],
  [60_000, 'min', 'min'],
];

/** A long wait in the largest unit that fits, to one decimal: `3.2 years`, `10 min`, `1 day`. */
export function describeWait(ms: number): string {
  const [unit, singular, plural] = WAIT_UNITS.find(([size]) => ms >= size) ?? SECONDS;
  const amount = Math.round((ms / unit) * 10) / 10;
  return `${amount} ${amount === 1 ? singular : plural}`;
}

/** The log line for a capped wait: `the API asked for a wait of 3.2 years; waiting 10 min at most`. */
export function cappedWaitNote(askedMs: number): string {
  return `the API asked for a wait of ${describeWait(askedMs)}; waiting ${describeWait(MAX_SERVER_WAIT_MS)} at most`;
}

/** One bucket as the API writes it: the numbers as sent (whole numbers) and when it is full again. */
export interface BucketHeaderValues {
  limit: number;
  remaining: number;
  /** When the bucket is full again (epoch ms). Written at whole seconds, rounded up. */
  resetAt: number;
}

/**
 * The `anthropic-ratelimit-*` headers for these buckets, in the API's format: the inverse of
 * `parseRateLimitHeaders` (the simulated API answers with it; a round-trip test holds the two
 * together). `limit` and `remaining` are written as given, so round them first as the API does.
 */
export function encodeRateLimitHeaders(buckets: Partial<Record<Dimension, BucketHeaderValues>>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const dimension of DIMENSIONS) {
    const bucket = buckets[dimension];
    if (bucket === undefined) continue;
    const prefix = HEADER_PREFIX[dimension];
    headers[`${prefix}-limit`] = String(bucket.limit);
    headers[`${prefix}-remaining`] = String(bucket.remaining);
    headers[`${prefix}-reset`] = formatResetTime(bucket.resetAt);
  }
  return headers;
}

/** RFC 3339 at whole seconds, rounded up so "full again" is never early: `2026-11-03T12:00:05Z`. */
function formatResetTime(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
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
