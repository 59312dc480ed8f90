// The simulated API's time: one injected clock for its books (buckets, cache, reset headers,
// batches) and for the wait that stands for generation, so a test moves time instead of sleeping.
import { systemClock, type Clock } from '../core/types';

/** The clock the options ask for: `clock`, else `now` for the books with real timers, else the real one. */
export function mockClock(options: { clock?: Clock | undefined; now?: (() => number) | undefined }): Clock {
  const { clock, now } = options;
  if (clock !== undefined && now !== undefined) throw new TypeError('give the mock server `clock` or `now`, not both');
  if (clock !== undefined) return clock;
  if (now === undefined) return systemClock;
  return { now, setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms), clearTimeout: (handle) => systemClock.clearTimeout(handle) };
}

/** Waits on the clock that `shutdown` can end all at once, so closing never waits for generation. */
export class Waits {
  private readonly pending = new Set<{ timer: unknown; resolve: (done: boolean) => void }>();
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** Resolves true after `ms` on the clock, or false if the server shuts down first. */
  wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry = {
        timer: this.clock.setTimeout(() => {
          this.pending.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      this.pending.add(entry);
    });
  }

  shutdown(): void {
    this.closed = true;
    for (const p of this.pending) {
      this.clock.clearTimeout(p.timer);
      p.resolve(false);
    }
    this.pending.clear();
  }
}
