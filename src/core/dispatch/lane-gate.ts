// Whether one model class may send a line now and, if not, why and until when: the gate the
// dispatcher's loop asks of each line's class. In order: its in-flight ceiling (Little's law,
// ceiling-control.ts) or a shared ask already out, the pause after a push-back (cooldown.ts), the
// shared quota's wait (shared-grant.ts), and its own buckets' floors (quota-model.ts).
import type { SharedCoordinator } from '../coordination/coordinator';
import type { Consumption } from '../limits/quota-model';
import type { ClassLane, ClassLanes } from './class-lane';
import { floorHold, type Hold } from './hold';
import type { CeilingDecision } from './in-flight-ceiling';

/**
 * A class that may not send now: the hold to tell (none when only an answer or a completion can
 * change things, and either calls the loop again), and when to look again (none: the same).
 */
export interface LaneHold {
  hold: Hold | undefined;
  until: number | undefined;
}

export class LaneGate {
  constructor(
    private readonly lanes: ClassLanes,
    private readonly coordinator: SharedCoordinator | undefined,
    /** Told each time a class's ceiling moves. */
    private readonly onCeiling: (lane: ClassLane, decision: CeilingDecision) => void,
  ) {}

  /** Why `lane` may not send a line costing `consumption` now, if it may not. */
  holdOf(lane: ClassLane, consumption: Consumption, now: number): LaneHold | undefined {
    if (lane.grants?.granting || lane.inFlight >= this.ceiling(lane).value) return { hold: undefined, until: undefined };
    const pushedBack = lane.cooldown.hold(now);
    // Without an end time the probe is out: its headers, or its answer, call the loop again.
    if (pushedBack) return { hold: this.lanes.named(pushedBack.hold, lane), until: pushedBack.until };
    const sharedWait = lane.grants?.holdAt(now);
    if (sharedWait) return { hold: sharedWait.hold, until: sharedWait.until };
    // With a shared coordinator its answer is the one that counts: our own model has not seen
    // what the other participants sent since our last response.
    if (this.coordinator) return undefined;
    const admit = lane.quota.admit(consumption);
    if (admit.ok) return undefined;
    return { hold: this.lanes.named(floorHold(admit, lane.quota.view()[admit.dimension]), lane), until: now + admit.waitMs };
  }

  private ceiling(lane: ClassLane): CeilingDecision {
    const { decision, news } = lane.ceiling.decide();
    if (news) this.onCeiling(lane, decision);
    return decision;
  }
}
