// One retry budget for everything a dispatcher sends: a token bucket of `perMinute` retries,
// refilled continuously. When it is empty, retries wait for it instead of adding to a storm.
import type { Clock } from '../types';

export class RetryBudget {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {
    this.tokens = perMinute;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.updatedAt) * this.perMinute) / 60_000);
    this.updatedAt = now;
  }

  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until one retry is available (0 if one is). */
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
