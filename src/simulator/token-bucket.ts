// A continuously replenished token bucket, the algorithm the API documents for its limits
// (capacity = the per-minute limit, refilled at limit/60 per second). Time is injected so the
// arithmetic is testable without sleeping.
//
// The level may go negative: output tokens are charged after they were generated, so a burst of
// long replies can overdraw the bucket. It never goes below -limit, so one pathological reply
// cannot lock the bucket for more than two minutes.
//
// A second tenant ("drain") can consume the same bucket at a constant rate. It is applied lazily
// and exactly: while the level is positive it falls/rises at (refill - drain); a tenant cannot take
// what is not there, so a level at or below zero rises at the plain refill rate and then sits at
// zero for as long as the drain exceeds the refill.

const MS_PER_MINUTE = 60_000;

export class TokenBucket {
  private _limit: number;
  private level: number;
  private at: number;
  private drainPerMs = 0;

  constructor(
    limit: number,
    private readonly now: () => number,
    initialLevel: number = limit,
  ) {
    assertLimit(limit);
    this._limit = limit;
    this.at = now();
    this.level = clamp(initialLevel, -limit, limit);
  }

  get limit(): number {
    return this._limit;
  }

  /** Refill per millisecond. */
  private get refillPerMs(): number {
    return this._limit / MS_PER_MINUTE;
  }

  /** The level at time `t` (default: now), without changing anything. Times before the last update read as the last update. */
  levelAt(t: number = this.now()): number {
    return this.evolve(this.level, Math.max(0, t - this.at));
  }

  /** Remove `amount` now. The level may go negative, but not below -limit. */
  take(amount: number): void {
    this.settle();
    this.level = Math.max(-this._limit, this.level - amount);
  }

  /** Milliseconds until the level reaches `amount`; 0 when it already has; Infinity when it never will by refill alone. */
  msUntilAvailable(amount: number): number {
    this.settle();
    const level = this.level;
    if (level >= amount) return 0;
    if (amount > this._limit) return Infinity;
    const refill = this.refillPerMs;
    // Below zero the tenant takes nothing, so the level climbs at the full refill rate.
    if (amount <= 0) return (amount - level) / refill;
    const toZero = level < 0 ? -level / refill : 0;
    const net = refill - this.drainPerMs;
    if (net <= 0) return Infinity;
    return toZero + (amount - Math.max(0, level)) / net;
  }

  /** Milliseconds until the bucket is full again (Infinity while a tenant drains it at or above the refill rate). */
  msUntilFull(): number {
    return this.msUntilAvailable(this._limit);
  }

  /** Change the limit. The level keeps its absolute value, clamped to the new range. */
  setLimit(limit: number): void {
    assertLimit(limit);
    this.settle();
    this._limit = limit;
    this.level = clamp(this.level, -limit, limit);
  }

  /** An independent bucket with this one's limit, level and tenant drain as they are now: what a
   *  model class seen for the first time starts from (see ./class-buckets). */
  copy(): TokenBucket {
    const twin = new TokenBucket(this._limit, this.now, this.levelAt());
    twin.drainPerMs = this.drainPerMs;
    return twin;
  }

  /** A second tenant consuming this bucket continuously, in units per second (0 to stop). */
  setDrainPerSecond(perSecond: number): void {
    if (!(perSecond >= 0) || !Number.isFinite(perSecond)) throw new RangeError(`drain must be a finite number ≥ 0, got ${perSecond}`);
    this.settle();
    this.drainPerMs = perSecond / 1000;
  }

  /** Fold the elapsed time into the stored level, so a later rate change applies only from now on. */
  private settle(): void {
    const t = this.now();
    if (t > this.at) {
      this.level = this.evolve(this.level, t - this.at);
      this.at = t;
    }
  }

  private evolve(level: number, dt: number): number {
    if (dt <= 0) return level;
    const refill = this.refillPerMs;
    const drain = this.drainPerMs;
    if (level < 0) {
      // Climb at the plain refill rate until zero, then continue with the net rate for the rest.
      const toZero = -level / refill;
      if (dt <= toZero) return level + refill * dt;
      return this.evolve(0, dt - toZero);
    }
    const net = refill - drain;
    if (net >= 0) return Math.min(this._limit, level + net * dt);
    return Math.max(0, level + net * dt);
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function assertLimit(limit: number): void {
  if (!(limit > 0) || !Number.isFinite(limit)) throw new RangeError(`a bucket limit must be a finite number > 0, got ${limit}`);
}
