// One model class's three rate-limit buckets (requests, input tokens, output tokens per minute;
// ./class-buckets keeps one set per class, as the API does) and the API's admission rule over
// them: a request is refused with a 429 when any bucket cannot take it now, with a retry-after that
// covers the slowest.
import { TIERS, isTierName } from '../core/tiers';
import { TokenBucket } from './token-bucket';
import type { ApiError, BucketLevels, InitialLevel, MockLimits, TenantLoad } from './types';

/** The longest retry-after the API sends, and how far ahead a reset header looks (its buckets refill in a minute). */
export const RETRY_AFTER_CAP_SEC = 60;

/** The published limits of a tier (`start`, `build`, `scale`), for `--simulate TIER`. */
export function limitsForTier(name: string): MockLimits {
  const key = name.toLowerCase();
  if (!isTierName(key)) throw new Error(`unknown tier "${name}" (known: ${Object.keys(TIERS).join(', ')})`);
  return { ...TIERS[key] };
}

export class ApiBuckets {
  private constructor(
    readonly requests: TokenBucket,
    readonly input: TokenBucket,
    readonly output: TokenBucket,
    private readonly now: () => number,
  ) {}

  /** Buckets at `limits`, each starting at the `initial` share of its limit. */
  static create(limits: MockLimits, initial: InitialLevel | undefined, now: () => number): ApiBuckets {
    const start = (limit: number) => limit * initialFraction(initial);
    const bucket = (limit: number) => new TokenBucket(limit, now, start(limit));
    return new ApiBuckets(bucket(limits.requestsPerMinute), bucket(limits.inputTokensPerMinute), bucket(limits.outputTokensPerMinute), now);
  }

  /** Independent buckets with these ones' limits, levels and tenant drain as they are now. */
  copy(): ApiBuckets {
    return new ApiBuckets(this.requests.copy(), this.input.copy(), this.output.copy(), this.now);
  }

  setLimits(limits: Partial<MockLimits>): void {
    if (limits.requestsPerMinute !== undefined) this.requests.setLimit(limits.requestsPerMinute);
    if (limits.inputTokensPerMinute !== undefined) this.input.setLimit(limits.inputTokensPerMinute);
    if (limits.outputTokensPerMinute !== undefined) this.output.setLimit(limits.outputTokensPerMinute);
  }

  setTenantLoad(load: TenantLoad): void {
    this.requests.setDrainPerSecond(load.requestsPerSec ?? 0);
    this.input.setDrainPerSecond(load.inputPerSec ?? 0);
    this.output.setDrainPerSecond(load.outputPerSec ?? 0);
  }

  levels(t = this.now()): BucketLevels {
    return { requests: this.requests.levelAt(t), inputTokens: this.input.levelAt(t), outputTokens: this.output.levelAt(t) };
  }

  /** A 429 when any bucket cannot admit the request now; retry-after covers the slowest of them. */
  admissionError(chargedInput: number): ApiError | null {
    const { requests, input, output } = this;
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

  /** An admitted request takes one request and its input now; output is charged after generation (`chargeOutput`). */
  admit(chargedInput: number): void {
    this.requests.take(1);
    this.input.take(chargedInput);
  }

  chargeOutput(outputTokens: number): void {
    this.output.take(outputTokens);
  }
}

function initialFraction(initial: InitialLevel | undefined): number {
  if (initial === undefined || initial === 'full') return 1;
  if (initial === 'drained') return 0;
  if (typeof initial === 'number' && initial >= 0 && initial <= 1) return initial;
  throw new RangeError(`initial must be 'full', 'drained' or a fraction 0..1, got ${String(initial)}`);
}
