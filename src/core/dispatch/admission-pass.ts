// What one pass of the admission loop learns as it goes (dispatcher.ts `dispatchWhilePossible`):
// which model classes take nothing more and why, which runs their own share holds, which models
// found no fallback, the first hold met (the one told) and the earliest moment anything may change
// (when the loop looks again). A pass lasts one synchronous call; the next starts afresh.
import type { ClassLane, ClassLanes } from './class-lane';
import type { FallbackRouter } from './fallback';
import type { Hold } from './hold';
import type { LaneHold } from './lane-gate';
import type { Run } from './run';
import type { PendingItem } from './run-queue';
import { runHoldsOf } from './run-states';

export class AdmissionPass {
  /** The first hold met: the one the log and the UI tell. */
  hold: Hold | undefined;
  /** The earliest end of any hold met: when the loop must look again (a timer). */
  wakeAt = Number.POSITIVE_INFINITY;
  /** Runs whose own share (`maxShare`) holds them in this pass; the others go on. */
  readonly shareHeld = new Map<Run, Hold>();
  /** The classes that take nothing more in this pass, with their hold (none: a completion or an answer calls the loop again). */
  private readonly held = new Map<ClassLane, Hold | undefined>();
  /** Models whose lines found no fallback in this pass: their chains are held too, or their class has not waited long enough. */
  private readonly noFallback = new Set<string>();
  private accepting: ((item: PendingItem) => boolean) | undefined;

  constructor(
    readonly now: number,
    private readonly lanes: ClassLanes,
    private readonly fallback: FallbackRouter | undefined,
  ) {}

  /** Every class holds (the common case: one class at its ceiling) and none may pass on a line: no line need be looked at. */
  get everyClassHeld(): boolean {
    return this.held.size > 0 && this.held.size === this.lanes.size && !this.fallback;
  }

  get someClassFree(): boolean {
    return this.held.size < this.lanes.size;
  }

  /**
   * Which lines may still go, once a class holds: those of a free class, or with a fallback chain
   * still worth trying. The same function for the whole pass (the scan's cursor in RunQueue knows
   * a pass by it).
   */
  accept(): ((item: PendingItem) => boolean) | undefined {
    if (this.held.size === 0) return undefined;
    return (this.accepting ??= (item) => !this.held.has(this.lanes.of(item)) || (this.fallback?.hasChain(item) === true && !this.noFallback.has(item.request.params.model)));
  }

  /** A hold met, ending at `until` (none: something else calls the loop again). */
  met(hold: Hold | undefined, until: number | undefined): void {
    this.hold ??= hold;
    if (until !== undefined) this.wakeAt = Math.min(this.wakeAt, until);
  }

  classHeld(lane: ClassLane, laneHold: LaneHold): void {
    this.held.set(lane, laneHold.hold);
    this.met(laneHold.hold, laneHold.until);
  }

  /** A line of `model` found no class to go to instead. */
  noFallbackFor(model: string): void {
    this.noFallback.add(model);
  }

  /** The class asked the shared quota and takes nothing more until it answers. */
  awaitingAnswer(lane: ClassLane): void {
    this.held.set(lane, undefined);
  }

  shareHold(run: Run, hold: Hold, until: number): void {
    this.shareHeld.set(run, hold);
    this.wakeAt = Math.min(this.wakeAt, until);
  }

  /** At the end of the pass: each class's backlog, and what holds each run. */
  finish(runs: Iterable<Run>): Map<Run, Hold> {
    // A class with lines waiting at the end of the pass has a backlog; since when is what a fallback waits for.
    for (const lane of this.lanes.all()) lane.heldSince = this.held.has(lane) ? (lane.heldSince ?? this.now) : undefined;
    const runHolds = runHoldsOf(runs, this.held, this.lanes, this.now);
    for (const [run, shareHold] of this.shareHeld) if (!runHolds.has(run)) runHolds.set(run, shareHold);
    return runHolds;
  }
}
