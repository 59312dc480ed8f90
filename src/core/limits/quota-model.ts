// The dispatcher's picture of the org's token buckets between two responses.
//
// The API reports each bucket only as a snapshot when a response comes back, rounded to the
// thousand. Between snapshots we model every bucket as the API does (continuous refill at
// limit/60 per second, up to the limit) and charge it with what our own requests will consume,
// so a burst of dispatches cannot overshoot in the gap between two header updates.
import type { Clock } from '../types';
import type { TierLimits } from '../tiers';
import { type Dimension, type LimitObservation, TOKEN_DIMENSIONS } from './rate-limit-headers';
import { type FloorSpec, resolveFloor } from './floors';

/** What one request is expected to consume. */
export interface Consumption {
  /** Input tokens the API will charge against ITPM (cache reads excluded), estimated. */
  inputTokens: number;
  /** Output tokens it is expected to generate (charged on completion). */
  outputTokens: number;
}

/** An in-flight request's hold on the buckets. */
export interface QuotaReservation {
  readonly dispatchedAt: number;
  readonly consumption: Consumption;
}

/** Which floor a request would cross. The dispatcher turns a refusal into a `Hold` (dispatch/hold.ts), the one vocabulary for holds. */
type FloorKind = 'soft' | 'hard';

export type AdmitDecision =
  | { ok: true }
  | { ok: false; hold: FloorKind; dimension: Dimension; waitMs: number };

export interface DimensionView {
  limit: number;
  /** Projected remaining now: refill included, our in-flight consumption subtracted. */
  remaining: number;
  /** When the bucket would be full again if nothing more were sent (epoch ms). */
  resetAt: number;
  softFloor: number;
  hardFloor: number;
}

export interface QuotaOptions {
  softFloor: FloorSpec;
  hardFloor: FloorSpec;
  clock: Clock;
  /** First guess at the limits (a tier preset), replaced by the first response's headers. */
  initialLimits?: TierLimits;
  /**
   * Dispatches this recent when a response arrives may not be in that response's numbers yet
   * (they were in flight to the server when it wrote its headers): charge them again. Counting
   * twice errs on the safe side.
   */
  confirmWindowMs?: number;
}

/** Token `-remaining` values are rounded to the nearest 1000: the true value may be 500 lower. */
const ROUNDING_MARGIN = 500;
const MS_PER_MINUTE = 60_000;

class Bucket {
  level: number;
  updatedAt: number;
  /** Consumption expected from in-flight requests that the API has not charged yet (output). */
  pending = 0;

  constructor(
    public limit: number,
    level: number,
    now: number,
  ) {
    this.level = level;
    this.updatedAt = now;
  }

  get ratePerMs(): number {
    return this.limit / MS_PER_MINUTE;
  }

  levelAt(now: number): number {
    return Math.min(this.limit, this.level + this.ratePerMs * Math.max(0, now - this.updatedAt));
  }

  /** Bring the level up to `now` before charging, so refill is capped exactly as the API caps it. */
  advance(now: number): void {
    this.level = this.levelAt(now);
    this.updatedAt = now;
  }

  charge(amount: number, now: number): void {
    this.advance(now);
    this.level -= amount;
  }

  projected(now: number): number {
    return this.levelAt(now) - this.pending;
  }

  msUntil(target: number, now: number): number {
    const deficit = target - this.projected(now);
    return deficit <= 0 ? 0 : Math.ceil(deficit / this.ratePerMs);
  }
}

export class QuotaModel {
  private readonly buckets = new Map<Dimension, Bucket>();
  private readonly inFlight = new Set<QuotaReservation>();
  private readonly clock: Clock;
  private readonly confirmWindowMs: number;
  private hardStopped = false;
  private observedOnce = false;

  constructor(private readonly options: QuotaOptions) {
    this.clock = options.clock;
    this.confirmWindowMs = options.confirmWindowMs ?? 250;
    const guess = options.initialLimits;
    if (guess) {
      const now = this.clock.now();
      this.buckets.set('requests', new Bucket(guess.requestsPerMinute, guess.requestsPerMinute, now));
      this.buckets.set('inputTokens', new Bucket(guess.inputTokensPerMinute, guess.inputTokensPerMinute, now));
      this.buckets.set('outputTokens', new Bucket(guess.outputTokensPerMinute, guess.outputTokensPerMinute, now));
    }
  }

  /** True once any response has told us the real limits. */
  get hasObservation(): boolean {
    return this.observedOnce;
  }

  get knowsLimits(): boolean {
    return this.buckets.size > 0;
  }

  private static amountFor(dimension: Dimension, c: Consumption): { now: number; later: number } {
    switch (dimension) {
      case 'requests':
        return { now: 1, later: 0 };
      case 'inputTokens':
        return { now: c.inputTokens, later: 0 };
      case 'outputTokens':
        return { now: 0, later: c.outputTokens };
      case 'tokens':
        return { now: c.inputTokens, later: c.outputTokens };
    }
  }

  /** Whether a request of this consumption may go out now, and if not, for how long to wait. */
  admit(c: Consumption): AdmitDecision {
    const now = this.clock.now();
    let worst: { dimension: Dimension; waitMs: number } | undefined;

    // Hard floor: once any token bucket falls under it, nothing goes out until every token bucket
    // has refilled past the soft floor (hysteresis, so we do not flap at the edge).
    for (const dimension of TOKEN_DIMENSIONS) {
      const bucket = this.buckets.get(dimension);
      if (bucket && bucket.projected(now) < this.hardFloor(dimension, bucket)) this.hardStopped = true;
    }
    if (this.hardStopped) {
      for (const dimension of TOKEN_DIMENSIONS) {
        const bucket = this.buckets.get(dimension);
        if (!bucket) continue;
        const waitMs = bucket.msUntil(this.softFloor(dimension, bucket), now);
        if (waitMs > 0 && (!worst || waitMs > worst.waitMs)) worst = { dimension, waitMs };
      }
      if (worst) return { ok: false, hold: 'hard', ...worst };
      this.hardStopped = false;
    }

    // Soft floor: the request may go out only if every bucket stays at or above its floor after it.
    for (const [dimension, bucket] of this.buckets) {
      const floor = dimension === 'requests' ? 0 : this.softFloor(dimension, bucket);
      const amount = QuotaModel.amountFor(dimension, c);
      // A request larger than the room above the floor still goes once the bucket is (nearly) full,
      // or it never would: "full" allows for the header's rounding.
      const margin = dimension === 'requests' ? 0 : ROUNDING_MARGIN;
      const need = Math.min(amount.now + amount.later, Math.max(1, bucket.limit - floor - margin));
      const waitMs = bucket.msUntil(floor + need, now);
      if (waitMs > 0 && (!worst || waitMs > worst.waitMs)) worst = { dimension, waitMs };
    }
    return worst ? { ok: false, hold: 'soft', ...worst } : { ok: true };
  }

  /** Charge the buckets for a request about to be sent. */
  reserve(c: Consumption): QuotaReservation {
    const now = this.clock.now();
    const reservation: QuotaReservation = { dispatchedAt: now, consumption: { ...c } };
    for (const [dimension, bucket] of this.buckets) {
      const amount = QuotaModel.amountFor(dimension, c);
      bucket.charge(amount.now, now);
      bucket.pending += amount.later;
    }
    this.inFlight.add(reservation);
    return reservation;
  }

  /** The request completed: replace the estimate with what the API actually charged. */
  settle(reservation: QuotaReservation, actual: Consumption): void {
    if (!this.inFlight.delete(reservation)) return;
    const now = this.clock.now();
    for (const [dimension, bucket] of this.buckets) {
      const estimated = QuotaModel.amountFor(dimension, reservation.consumption);
      const real = QuotaModel.amountFor(dimension, actual);
      bucket.pending -= estimated.later;
      // Input is charged at the start and adjusted to the real count; output is charged now.
      bucket.charge(real.now - estimated.now + real.later, now);
    }
  }

  /**
   * The request failed. `refused` means the API turned it away before charging anything (a 429);
   * otherwise (5xx, lost connection) the input may have been charged, so it stays charged.
   */
  release(reservation: QuotaReservation, refused: boolean): void {
    if (!this.inFlight.delete(reservation)) return;
    const now = this.clock.now();
    for (const [dimension, bucket] of this.buckets) {
      const estimated = QuotaModel.amountFor(dimension, reservation.consumption);
      bucket.pending -= estimated.later;
      if (refused) bucket.charge(-estimated.now, now);
    }
  }

  /**
   * Take in what a response's headers said. `sentAt`: when the request they answer was sent. The
   * API had admitted it, and (they travel in order) the ones sent before it; the ones sent after it
   * may still be on their way, so they stay charged on top of what the headers say. Without it, the
   * requests of the last moment (`confirmWindowMs`) are. A fixed window alone was not enough: with
   * hundreds of requests queued in the client, a 250 ms window forgot requests the API had not yet
   * seen, the model saw room that was not there, and an RPM-bound run met hundreds of 429s.
   */
  observe(observation: LimitObservation, sentAt?: number): void {
    const now = this.clock.now();
    let entries = Object.entries(observation.buckets) as Array<[Dimension, NonNullable<LimitObservation['buckets'][Dimension]>]>;
    if (entries.length === 0) return;
    if (QuotaModel.tokensMirrorsAnother(observation)) {
      // `tokens` reports the most restrictive limit in effect; when that is simply the input or the
      // output bucket, charging it too would count every request twice.
      entries = entries.filter(([dimension]) => dimension !== 'tokens');
      this.buckets.delete('tokens');
    }
    this.observedOnce = true;
    const unconfirmed = this.chargedAtStartSince(Math.min(now - this.confirmWindowMs, sentAt ?? Number.POSITIVE_INFINITY));
    for (const [dimension, reading] of entries) {
      let bucket = this.buckets.get(dimension);
      if (!bucket) {
        bucket = new Bucket(reading.limit, reading.limit, now);
        // Output already expected from requests in flight before this bucket was known.
        bucket.pending = [...this.inFlight].reduce((sum, r) => sum + QuotaModel.amountFor(dimension, r.consumption).later, 0);
        this.buckets.set(dimension, bucket);
      }
      bucket.limit = reading.limit;
      const margin = dimension === 'requests' ? 0 : Math.min(ROUNDING_MARGIN, reading.remaining);
      bucket.level = reading.remaining - margin - unconfirmed[dimension];
      bucket.updatedAt = now;
    }
  }

  static tokensMirrorsAnother(observation: LimitObservation): boolean {
    const tokens = observation.buckets.tokens;
    if (!tokens) return false;
    return [observation.buckets.inputTokens, observation.buckets.outputTokens].some(
      (other) => other !== undefined && other.limit === tokens.limit && other.remaining === tokens.remaining,
    );
  }

  /** What requests dispatched after `since` charged at their start (requests, input tokens). */
  private chargedAtStartSince(since: number): Record<Dimension, number> {
    const total: Record<Dimension, number> = { requests: 0, inputTokens: 0, outputTokens: 0, tokens: 0 };
    for (const r of this.inFlight) {
      if (r.dispatchedAt <= since) continue;
      for (const dimension of Object.keys(total) as Dimension[]) {
        total[dimension] += QuotaModel.amountFor(dimension, r.consumption).now;
      }
    }
    return total;
  }

  /** The request rate the limits sustain for requests of this average consumption (per second). */
  sustainableRate(average: Consumption): number | undefined {
    return this.rateOver(average, Number.POSITIVE_INFINITY);
  }

  /**
   * The request rate the buckets allow over the next `horizonMs`: the refill, plus what lies above
   * the soft floor spread over the horizon. Equal to `sustainableRate` when a bucket is at its floor;
   * higher while a bucket is full, so a full bucket is spent rather than left standing.
   */
  spendableRate(average: Consumption, horizonMs: number): number | undefined {
    return this.rateOver(average, horizonMs);
  }

  private rateOver(average: Consumption, horizonMs: number): number | undefined {
    const now = this.clock.now();
    let rate: number | undefined;
    for (const [dimension, bucket] of this.buckets) {
      const amount = QuotaModel.amountFor(dimension, average);
      const perRequest = amount.now + amount.later;
      if (perRequest <= 0) continue;
      const floor = dimension === 'requests' ? 0 : this.softFloor(dimension, bucket);
      const surplus = Number.isFinite(horizonMs) ? Math.max(0, bucket.projected(now) - floor) / (horizonMs / 1000) : 0;
      const r = (bucket.limit / 60 + surplus) / perRequest;
      rate = rate === undefined ? r : Math.min(rate, r);
    }
    return rate;
  }

  get isHardStopped(): boolean {
    return this.hardStopped;
  }

  /**
   * The bucket a single request is larger than, whole: no wait can make room for it. (Input is the
   * estimate; the caller confirms with the API's 429 before giving up on the request.)
   */
  largerThanBucket(c: Consumption): { dimension: Dimension; limit: number } | undefined {
    for (const dimension of ['inputTokens', 'tokens'] as const) {
      const bucket = this.buckets.get(dimension);
      if (bucket && QuotaModel.amountFor(dimension, c).now > bucket.limit) return { dimension, limit: bucket.limit };
    }
    return undefined;
  }

  view(): Partial<Record<Dimension, DimensionView>> {
    const now = this.clock.now();
    const out: Partial<Record<Dimension, DimensionView>> = {};
    for (const [dimension, bucket] of this.buckets) {
      const remaining = bucket.projected(now);
      out[dimension] = {
        limit: bucket.limit,
        remaining: Math.max(0, Math.round(remaining)),
        resetAt: now + Math.max(0, Math.ceil((bucket.limit - remaining) / bucket.ratePerMs)),
        softFloor: dimension === 'requests' ? 0 : this.softFloor(dimension, bucket),
        hardFloor: dimension === 'requests' ? 0 : this.hardFloor(dimension, bucket),
      };
    }
    return out;
  }

  private softFloor(_dimension: Dimension, bucket: Bucket): number {
    return resolveFloor(this.options.softFloor, bucket.limit);
  }

  private hardFloor(_dimension: Dimension, bucket: Bucket): number {
    return Math.min(resolveFloor(this.options.hardFloor, bucket.limit), this.softFloor(_dimension, bucket));
  }
}
