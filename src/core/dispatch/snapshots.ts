// The dispatcher as one picture (DispatcherSnapshot), and how often that picture is sent.
import type { Clock } from '../types';
import type { QuotaModel } from '../limits/quota-model';
import type { Cooldown } from './cooldown';
import { holdLevel, type Hold } from './hold';
import type { CeilingDecision } from './in-flight-ceiling';
import type { RetryBudget } from './retry-budget';
import type { Run } from './run';
import type { DispatcherSnapshot } from './snapshot';

interface SnapshotSources {
  inFlight: number;
  ceiling: CeilingDecision;
  hold: Hold | undefined;
  /** `describeHold(hold)`, already said once per change. */
  holdDetail: string | undefined;
  quota: QuotaModel;
  retryBudget: RetryBudget;
  retryBudgetPerMinute: number;
  cooldown: Cooldown<unknown>;
  runs: Iterable<Run>;
}

export function buildSnapshot(s: SnapshotSources, now: number): DispatcherSnapshot {
  return {
    at: now,
    inFlight: s.inFlight,
    ceiling: s.ceiling.value,
    ceilingReason: s.ceiling.reason,
    hold: holdLevel(s.hold),
    holdDetail: s.holdDetail,
    holdCause: s.hold,
    dimensions: s.quota.view(),
    retryBudget: { available: s.retryBudget.available, perMinute: s.retryBudgetPerMinute, ratio: s.retryBudget.ratio },
    cooldownUntil: s.cooldown.pausedUntil(now),
    runs: [...s.runs].map((r) => r.snapshot(now)),
  };
}

/**
 * Snapshots at most once per interval, and the last change is never lost: a change inside the
 * interval is sent when it ends. A busy dispatcher changes thousands of times a second; the
 * dashboard and the progress line need a few pictures a second.
 */
export class SnapshotThrottle {
  private timer: unknown;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly send: () => void,
  ) {}

  /** Send one now (a run ended: that is news at once). */
  sendNow(): void {
    this.lastAt = this.clock.now();
    this.send();
  }

  /** Something changed: send now if the interval has passed, else once it has. */
  changed(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastAt + this.intervalMs - this.clock.now();
    if (wait <= 0) return this.sendNow();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.sendNow();
    }, wait);
    // A pending snapshot never keeps the process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }
}
