// Stride scheduling between the runs that share one dispatcher (one quota). Each run has a pass;
// the run with the lowest pass that has something to send goes next, and every dispatch moves its
// pass on by 1/weight. A high-priority run so sends four requests for a background run's one, a
// normal run two, and none starves: a run that waited falls behind in pass and is picked first.
import type { Run } from './run';
import type { PendingItem } from './run-queue';
import type { Priority } from './snapshot';

const PRIORITY_WEIGHT: Record<Priority, number> = { high: 4, normal: 2, background: 1 };

export class StrideSchedule {
  private readonly passes = new Map<Run, number>();

  /** A new run joins at the current front of the schedule: neither starved nor allowed to burst. */
  join(run: Run, others: Iterable<Run>): void {
    let front = Number.POSITIVE_INFINITY;
    for (const other of others) if (!other.isTerminal) front = Math.min(front, this.passOf(other));
    this.passes.set(run, front === Number.POSITIVE_INFINITY ? 0 : front);
  }

  /** The run is gone from the dispatcher: its place is not kept. */
  leave(run: Run): void {
    this.passes.delete(run);
  }

  /** The run sent one request: its turn comes again after 1/weight. */
  charge(run: Run): void {
    this.passes.set(run, this.passOf(run) + 1 / PRIORITY_WEIGHT[run.priority]);
  }

  /**
   * The run whose turn it is (lowest pass among those with something to send at `now`), with that
   * item; `accept` passes over items that may not go now (their model class has no room), and
   * `lookFurther` says another class has room (see RunQueue.peek); `skip`: runs that wait for their
   * own share in this pass.
   */
  next(runs: Iterable<Run>, now: number, retriesAllowed: boolean, accept?: (item: PendingItem) => boolean, lookFurther = false, skip?: { has(run: Run): boolean }): { run: Run; item: PendingItem } | undefined {
    let best: { run: Run; item: PendingItem; pass: number } | undefined;
    for (const run of runs) {
      if (!run.isDispatching || run.budgetWait || skip?.has(run)) continue;
      const item = run.queue.peek(now, retriesAllowed, accept, lookFurther);
      if (!item) continue;
      const pass = this.passOf(run);
      if (!best || pass < best.pass) best = { run, item, pass };
    }
    return best && { run: best.run, item: best.item };
  }

  private passOf(run: Run): number {
    return this.passes.get(run) ?? 0;
  }
}

/** Some dispatching run has a retry due at `now` (one the spent retry budget holds back). */
export function hasDueRetry(runs: Iterable<Run>, now: number): boolean {
  for (const run of runs) if (run.isDispatching && run.queue.nextRetryAt <= now) return true;
  return false;
}

/** When the earliest retry of a dispatching run falls due (Infinity if none). */
export function nextRetryDue(runs: Iterable<Run>): number {
  let at = Number.POSITIVE_INFINITY;
  for (const run of runs) if (run.isDispatching) at = Math.min(at, run.queue.nextRetryAt);
  return at;
}
