// How many requests may be in flight at once.
//
// Fixed when the user says so; otherwise Little's law: L = λ·W, where λ is the request rate the
// quota sustains and W the observed latency, plus headroom for latency spikes. Never above the
// user's cap, and never faster than a gradual ramp: the API refuses sharp ramp-ups, and the first
// requests tell us nothing about latency yet.

export interface CeilingOptions {
  /** A fixed ceiling, or 'auto'. */
  maxInFlight: number | 'auto';
  /** The most 'auto' may choose. */
  cap: number;
  /** Where the ramp starts before anything has completed. */
  initial?: number;
  /** Fraction added above λ·W. */
  headroom?: number;
  /** Ramp growth per successful completion (0.5 ≈ ×1.5 per round trip). */
  rampStep?: number;
}

export interface CeilingDecision {
  value: number;
  reason: string;
}

/** Weight of the newest sample in the latency average. */
const LATENCY_ALPHA = 0.2;

export class InFlightCeiling {
  private latencyMs: number | undefined;
  private ramp: number;
  private readonly headroom: number;
  private readonly rampStep: number;

  constructor(private readonly options: CeilingOptions) {
    this.ramp = Math.min(options.cap, options.initial ?? 4);
    this.headroom = options.headroom ?? 0.25;
    this.rampStep = options.rampStep ?? 0.5;
  }

  get averageLatencyMs(): number | undefined {
    return this.latencyMs;
  }

  recordSuccess(latencyMs: number): void {
    this.latencyMs = this.latencyMs === undefined ? latencyMs : this.latencyMs + LATENCY_ALPHA * (latencyMs - this.latencyMs);
    this.ramp = Math.min(this.options.cap, this.ramp + this.rampStep);
  }

  /** The API pushed back (429 or overload): halve the ramp, as TCP does on loss. */
  recordPushback(currentInFlight: number): void {
    this.ramp = Math.max(1, Math.floor(Math.min(this.ramp, Math.max(1, currentInFlight)) / 2));
  }

  /** The ceiling now, given the rate (requests/s) the quota sustains, if known. */
  decide(sustainableRate: number | undefined): CeilingDecision {
    if (this.options.maxInFlight !== 'auto') {
      return { value: this.options.maxInFlight, reason: `fixed at ${this.options.maxInFlight}` };
    }
    const cap = this.options.cap;
    const ramp = Math.max(1, Math.floor(this.ramp));
    if (sustainableRate === undefined || this.latencyMs === undefined) {
      return { value: Math.min(cap, ramp), reason: `ramping (${ramp}) until limits and latency are known, cap ${cap}` };
    }
    const little = sustainableRate * (this.latencyMs / 1000) * (1 + this.headroom);
    const littleCeiling = Math.max(1, Math.ceil(little));
    const value = Math.min(cap, ramp, littleCeiling);
    const bound = value === cap ? 'cap' : value === ramp ? 'ramp' : "Little's law";
    return {
      value,
      reason:
        `${value} by ${bound}: quota allows ${sustainableRate.toFixed(2)} req/s × ` +
        `${(this.latencyMs / 1000).toFixed(2)} s latency × ${(1 + this.headroom).toFixed(2)} headroom = ${little.toFixed(1)}; ramp ${ramp}; cap ${cap}`,
    };
  }
}
