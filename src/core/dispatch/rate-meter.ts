// Completions per second over a sliding window, for the rate and the ETA.

export class RateMeter {
  private readonly times: number[] = [];
  private head = 0;

  constructor(private readonly windowMs = 60_000) {}

  record(at: number): void {
    this.times.push(at);
  }

  perSecond(now: number, since: number): number {
    const from = now - this.windowMs;
    while (this.head < this.times.length && (this.times[this.head] ?? 0) < from) this.head++;
    // Compact now and then so the array does not grow with the run.
    if (this.head > 4096) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    const span = Math.min(this.windowMs, now - since);
    return span <= 0 ? 0 : ((this.times.length - this.head) * 1000) / span;
  }
}
