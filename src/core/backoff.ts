// The one backoff: an exponential step with a cap, and the two ways Floorline jitters it. Every
// wait that grows with failures (a retry, a 429/529 pause, a lost connection, Redis reconnects)
// is built from these, so "how fast does it back off" has one answer.

export interface BackoffOptions {
  /** The first step. */
  baseMs: number;
  /** No step is longer. */
  capMs: number;
}

/** Step `n` (1 for the first): `baseMs`, doubling each time after, never above `capMs`. */
export function exponentialMs(n: number, { baseMs, capMs }: BackoffOptions): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, n - 1));
}

/**
 * Full jitter, uniform in [0, ms]: many requests retrying the same failure spread over the whole
 * window instead of returning as one wave (the AWS analysis; it finishes the work soonest).
 */
export function fullJitterMs(ms: number, random: () => number): number {
  return Math.ceil(random() * ms);
}

/**
 * Equal jitter, uniform in [ms/2, ms]: a pause that must last at least half its step (a key-wide
 * pause after an overload, a reconnect), yet not end at the same moment for every process.
 */
export function equalJitterMs(ms: number, random: () => number): number {
  return Math.ceil(ms * (0.5 + 0.5 * random()));
}
