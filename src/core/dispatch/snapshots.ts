// The dispatcher as one picture (DispatcherSnapshot), and how often that picture is sent.
import type { Clock } from '../types';
import type { SharedCoordinator } from '../coordination/coordinator';
import type { ClassLane } from './class-lane';
import { holdLevel, type Hold } from './hold';
import { tightestTokenDimension } from './tightest-dimension';
import type { RetryBudget } from './retry-budget';
import type { Run } from './run';
import type { ClassSnapshot, DispatcherSnapshot } from './snapshot';

interface SnapshotSources {
  hold: Hold | undefined;
  /** `describeHold(hold)`, already said once per change. */
  holdDetail: string | undefined;
  lanes: Iterable<ClassLane>;
  retryBudget: RetryBudget;
  runs: Iterable<Run>;
  /** With a shared quota: who else draws on each class, as last read. */
  coordinator?: Pick<SharedCoordinator, 'participants'> | undefined;
}

export function buildSnapshot(s: SnapshotSources, now: number): DispatcherSnapshot {
  const classes = [...s.lanes].map((lane) => classSnapshot(lane, now, s.coordinator));
  // One class (the common case) is the whole picture; with several, the top-level gauges show the
  // tightest (the one nearest a floor) and `classes` has each.
  const tightest = tightestClass(classes);
  const cooldowns = classes.map((c) => c.cooldownUntil).filter((t): t is number => t !== undefined);
  return {
    at: now,
    inFlight: classes.reduce((n, c) => n + c.inFlight, 0),
    ceiling: classes.length ? classes.reduce((n, c) => n + c.ceiling, 0) : 1,
    ceilingReason: tightest?.ceilingReason ?? 'not started',
    hold: holdLevel(s.hold),
    holdDetail: s.holdDetail,
    holdCause: s.hold,
    dimensions: tightest?.dimensions ?? {},
    classes,
    tightestClass: tightest?.modelClass,
    retryBudget: { available: s.retryBudget.available, perMinute: s.retryBudget.perMinute, ratio: s.retryBudget.ratio },
    cooldownUntil: cooldowns.length ? Math.max(...cooldowns) : undefined,
    runs: [...s.runs].map((r) => r.snapshot(now)),
  };
}

function classSnapshot(lane: ClassLane, now: number, coordinator: SnapshotSources['coordinator']): ClassSnapshot {
  const ceiling = lane.ceiling.current;
  const participants = coordinator?.participants?.(lane.modelClass);
  return {
    modelClass: lane.modelClass,
    inFlight: lane.inFlight,
    ceiling: ceiling.value,
    ceilingReason: ceiling.reason,
    dimensions: lane.quota.view(),
    cooldownUntil: lane.cooldown.pausedUntil(now),
    ...(participants ? { participants: [...participants] } : {}),
  };
}

/** The class whose tightest token bucket has the least left, as a share of its limit (the one-line views' rule). */
function tightestClass(classes: ClassSnapshot[]): ClassSnapshot | undefined {
  let best: { c: ClassSnapshot; share: number } | undefined;
  for (const c of classes) {
    const tight = tightestTokenDimension(c);
    const share = tight ? tight.view.remaining / tight.view.limit : Number.POSITIVE_INFINITY;
    if (!best || share < best.share) best = { c, share };
  }
  return best?.c;
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
