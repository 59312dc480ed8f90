// One retry budget for everything a dispatcher sends, so retries can never become a storm of their
// own. As in Finagle's RetryBudget: a floor of `perMinute` retries, refilled continuously, plus a
// share (`ratio`) of the fresh requests sent in about the last minute — a fast job may retry a
// fixed fraction of its traffic, a slow one still gets its floor. When the budget is empty,
// retries wait for it. Retries after a 429/529 do not draw on it: the dispatcher's pause and the
// admitted probe after it already hold every request back until the API accepts one again.
import type { Clock } from '../types';
import { DEFAULTS } from '../config';

export interface RetryBudgetOptions {
  /** Retries per minute allowed whatever the traffic. */
  perMinute: number;
  /** Retries earned per fresh request (0.2 = one retry per five requests). */
  ratio?: number;
}

/** Deposits from fresh requests fade with this time constant: "about the last minute". */
const DEPOSIT_WINDOW_MS = 60_000;

export class RetryBudget {
  /** Retries a minute, the floor of the budget. */
  readonly perMinute: number;
  /** Retries earned per fresh request. */
  readonly ratio: number;
  private tokens: number;
  /** Fresh requests in about the last minute (decaying), which sets how far deposits may pile up. */
  private recentFresh = 0;
  private updatedAt: number;

  constructor(options: RetryBudgetOptions, private readonly clock: Clock) {
    this.perMinute = options.perMinute;
    this.ratio = options.ratio ?? DEFAULTS.retryBudgetRatio;
    this.tokens = this.perMinute;
    this.updatedAt = clock.now();
  }

  private get capacity(): number {
    return this.perMinute + this.ratio * this.recentFresh;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = now - this.updatedAt;
    if (elapsed <= 0) return;
    this.recentFresh *= Math.exp(-elapsed / DEPOSIT_WINDOW_MS);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perMinute) / 60_000);
    this.updatedAt = now;
  }

  /** A fresh (first-attempt) request went out: it earns `ratio` of a retry. */
  recordFresh(): void {
    this.refill();
    this.recentFresh++;
    this.tokens = Math.min(this.capacity, this.tokens + this.ratio);
  }

  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until one retry is available (0 if one is). Fresh requests may shorten it. */
  msUntilAvailable(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    if (this.perMinute <= 0) return Number.POSITIVE_INFINITY;
    return Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
  }

  get available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }
}
