// What the simulated API tells about its buckets in every POST /v1/messages answer: the levels as the
// API rounds them, written by core's `encodeRateLimitHeaders` (the parser's other half).
import { encodeRateLimitHeaders, type BucketHeaderValues } from '../core/limits/rate-limit-headers';
import { RETRY_AFTER_CAP_SEC, type ApiBuckets } from './buckets';
import type { TokenBucket } from './token-bucket';

/** The API's `anthropic-ratelimit-*` headers for the buckets as they are at `t`. */
export function rateLimitHeaders(buckets: ApiBuckets, t: number): Record<string, string> {
  const { requests, input, output } = buckets;
  const describe = (bucket: TokenBucket, round: (level: number) => number): BucketHeaderValues => ({
    limit: bucket.limit,
    remaining: round(bucket.levelAt(t)),
    resetAt: t + Math.min(bucket.msUntilFull(), RETRY_AFTER_CAP_SEC * 1000),
  });
  // Tokens are reported to the nearest thousand, requests exactly; never below zero.
  const toThousand = (level: number) => Math.max(0, Math.round(level / 1000) * 1000);
  const whole = (level: number) => Math.max(0, Math.floor(level));
  const fraction = (b: TokenBucket) => b.levelAt(t) / b.limit;
  return encodeRateLimitHeaders({
    requests: describe(requests, whole),
    inputTokens: describe(input, toThousand),
    outputTokens: describe(output, toThousand),
    // The most restrictive token limit in effect (a workspace limit in the real API).
    tokens: describe(fraction(input) <= fraction(output) ? input : output, toThousand),
  });
}
