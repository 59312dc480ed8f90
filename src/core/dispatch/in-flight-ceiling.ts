// How many requests may be in flight at once.
//
// Fixed when the user says so; otherwise Little's law: L = λ·W, where λ is the request rate the
// quota sustains (its refill, plus what a full bucket holds above the soft floor) and W the
// observed latency, plus headroom for latency spikes. The buckets themselves decide the *rate*
// (every dispatch is admitted against them); the ceiling only has to let enough requests be in
// flight for that rate — with 5 s replies and 100 req/s that is ~600, so a fixed cap of 64 left a
// high-tier quota 87% unused.
//
// Start and growth, and why:
//   - Before any response the limits are unknown: one probe (or, with a tier preset, a small
//     window), so a drained key meets one 429, not a burst of them.
//   - Those first requests stream, so their headers (limits, bucket levels) arrive when the API
//     admits them, not seconds later with the whole reply. From then on the buckets alone pace
//     what goes out (a full bucket takes a small job at once) up to the cap, and from the first
//     reply on the ceiling is Little's law: a fresh key with full buckets finishes a small job at
//     the pace its quota allows, not after a probe's round trip and a slow ramp.
//   - A 429 or 529 cuts the ceiling to half of what was in flight, and it grows back ×2 per round
//     trip (+1 per completion) until Little's law binds again: slower, never stopped. As in TCP,
//     one cut per round trip: the push-backs of requests that were already in the air when the
//     ceiling was cut are the same news, not new evidence (a 1 s burst of 529s with 600 in flight
//     is ~40 answers; cut for each, the ceiling fell to 1 and took ~10 round trips to regrow).
//   - The API refuses sharp ramp-ups on keys whose recent usage was low (429 `ramp_limit_exceeded`).
//     Once it says so, the rest of the run ramps gradually: half of what was in flight, ×1.5 per
//     round trip (+0.5 per completion), never faster again.

// The default cap (1,000 in flight, about 60 MB) is in core/config.ts with the other defaults.

export interface CeilingOptions {
  /** A fixed ceiling, or 'auto'. */
  maxInFlight: number | 'auto';
  /** The most 'auto' may choose. */
  cap: number;
  /** In flight before a response has told the limits and the latency. */
  initial?: number;
  /** Fraction added above λ·W. */
  headroom?: number;
}

export interface CeilingDecision {
  value: number;
  /** What binds it: a change of binding is worth a log line, a value that drifts with every completion is not. */
  by: 'fixed' | 'start' | 'buckets' | 'cap' | "Little's law" | 'recovery' | 'gradual';
  reason: string;
}

export type Pushback = 'rate-limited' | 'overloaded' | 'ramp-limited';

/** Weight of the newest sample in the latency average. */
const LATENCY_ALPHA = 0.2;
/** Growth per completion after a push-back: +1 per completion is ×2 per round trip. */
const RECOVERY_STEP = 1;
/** Growth per completion once the API refused a ramp-up: ×1.5 per round trip. */
const GRADUAL_STEP = 0.5;

export class InFlightCeiling {
  private latencyMs: number | undefined;
  /** After a 429/529: the most in flight while growing back; undefined once Little's law binds again. */
  private recovery: number | undefined;
  /** After `ramp_limit_exceeded`: the gradual ramp, for the rest of the run. */
  private gradual: number | undefined;
  private readonly headroom: number;
  private readonly initial: number;
  private last = 1;
  /** When the ceiling was last cut: push-backs for requests sent before then do not cut again. */
  private lastCutAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: CeilingOptions) {
    this.headroom = options.headroom ?? 0.25;
    this.initial = Math.max(1, Math.min(options.cap, options.initial ?? 1));
  }

  get averageLatencyMs(): number | undefined {
    return this.latencyMs;
  }

  recordSuccess(latencyMs: number): void {
    this.latencyMs = this.latencyMs === undefined ? latencyMs : this.latencyMs + LATENCY_ALPHA * (latencyMs - this.latencyMs);
    if (this.recovery !== undefined) this.recovery = Math.min(this.options.cap, this.recovery + RECOVERY_STEP);
    if (this.gradual !== undefined) this.gradual = Math.min(this.options.cap, this.gradual + GRADUAL_STEP);
  }

  /**
   * The API pushed back on a request sent at `sentAt` (answered at `now`): cut to half of what was
   * in flight, as TCP does on loss — once per round trip. Returns whether it cut.
   */
  recordPushback(currentInFlight: number, cause: Pushback, sentAt: number, now: number): boolean {
    if (sentAt < this.lastCutAt) return false;
    this.lastCutAt = now;
    const half = Math.max(1, Math.floor(Math.max(1, Math.min(this.last, currentInFlight)) / 2));
    this.recovery = Math.min(this.recovery ?? Number.POSITIVE_INFINITY, half);
    if (cause === 'ramp-limited') this.gradual = Math.min(this.gradual ?? Number.POSITIVE_INFINITY, half);
    return true;
  }

  /**
   * The ceiling now, given the rate (requests/s) the quota sustains, if known. `answered`: a
   * response (even a 429) has told the limits, which is all a fixed ceiling waits for.
   */
  decide(sustainableRate: number | undefined, answered = sustainableRate !== undefined): CeilingDecision {
    const cap = this.options.cap;
    const known = answered;
    if (this.options.maxInFlight !== 'auto') {
      // Even a fixed ceiling starts with the probe: the first answer says whether the buckets are full.
      const value = known ? this.options.maxInFlight : Math.min(this.options.maxInFlight, this.initial);
      return { value, by: known ? 'fixed' : 'start', reason: known ? `fixed at ${value}` : `${value} until a response tells the limits, then fixed at ${this.options.maxInFlight}` };
    }
    if (known && this.latencyMs === undefined) {
      // The first headers are in (a streamed request's come on admission), its reply is not: the
      // limits and the bucket levels are known, so the buckets alone pace what goes out — a full
      // bucket sends a small job at once — and Little's law takes over with the first latency.
      this.last = cap;
      return { value: cap, by: 'buckets', reason: `${cap} (the cap): the limits are known and the buckets pace until a reply tells the latency` };
    }
    if (sustainableRate === undefined || this.latencyMs === undefined) {
      this.last = this.initial;
      return { value: this.initial, by: 'start', reason: `${this.initial} until a response tells the limits and the latency, cap ${cap}` };
    }
    const little = sustainableRate * (this.latencyMs / 1000) * (1 + this.headroom);
    const target = Math.max(1, Math.ceil(little));
    // Grown back past what the quota needs: the cut is over.
    if (this.recovery !== undefined && this.recovery >= Math.min(cap, target)) this.recovery = undefined;
    const bounds: Array<[number, CeilingDecision['by'], string]> = [
      [cap, 'cap', 'cap'],
      [target, "Little's law", "Little's law"],
      [this.recovery === undefined ? Number.POSITIVE_INFINITY : Math.floor(this.recovery), 'recovery', 'recovery after a 429/529'],
      [this.gradual === undefined ? Number.POSITIVE_INFINITY : Math.floor(this.gradual), 'gradual', 'gradual ramp (the API refused a faster one)'],
    ];
    const [value, by, bound] = bounds.reduce((a, b) => (b[0] < a[0] ? b : a));
    this.last = Math.max(1, value);
    return {
      value: this.last,
      by,
      reason:
        `${this.last} by ${bound}: quota allows ${sustainableRate.toFixed(2)} req/s × ` +
        `${(this.latencyMs / 1000).toFixed(2)} s latency × ${(1 + this.headroom).toFixed(2)} headroom = ${little.toFixed(1)}; cap ${cap}`,
    };
  }
}
