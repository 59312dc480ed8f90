// When the dispatcher looks again without being called. It acts on events (a completion, a
// response's headers, input read) and, while it holds, on time: the moment a bucket has refilled
// past its floor, a pause ends, a shared wait is over or a retry falls due. One timer, set for the
// earliest of them: arming it for a later moment than it is already set changes nothing.
import type { Clock } from '../types';

export class WakeTimer {
  private timer: unknown;
  private at = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly wake: () => void,
  ) {}

  arm(at: number, now: number): void {
    if (at === Number.POSITIVE_INFINITY) return;
    if (this.timer !== undefined && this.at <= at) return;
    this.cancel();
    this.at = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.at = Number.POSITIVE_INFINITY;
      this.wake();
    }, Math.max(1, at - now));
  }

  cancel(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }
}
