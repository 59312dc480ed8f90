// Fallback chains (opt-in): a line whose model has a chain may go to another model when its own
// class holds lines back. A spill-over, not a switch: the line's own class keeps taking what its
// buckets allow; only lines it cannot take in time go elsewhere — once the class has had lines
// waiting at every pass for `afterMs` (a backlog, not a moment's pacing), or answers 529 again and
// again. The line goes to the first model of `[its own, ...chain]` whose class has room now, is
// repriced there before its spend is reserved, and its result names both models. Lines whose model
// has no chain never move, and an error is never a reason to move (400s are the line's fault).
import type { Consumption } from '../limits/quota-model';
import type { ClassLane, ClassLanes } from './class-lane';
import type { FallbackOptions } from './dispatcher-api';
import type { Hold } from './hold';
import type { Run } from './run';
import type { PendingItem } from './run-queue';

export class FallbackRouter {
  constructor(
    private readonly options: FallbackOptions,
    private readonly lanes: ClassLanes,
    /** Whether this class holds a request of this consumption back now (the dispatcher's rule). */
    private readonly holds: (lane: ClassLane, consumption: Consumption, now: number) => boolean,
  ) {}

  hasChain(item: PendingItem): boolean {
    return this.options.chains.has(item.request.params.model);
  }

  /**
   * Where `item`, held by its class `lane` (`hold`), may go instead: the item is moved there (and
   * repriced); `undo` moves it back if it cannot go after all. Undefined: it waits.
   */
  find(run: Run, item: PendingItem, lane: ClassLane, hold: Hold, now: number): { lane: ClassLane; consumption: Consumption; undo: () => void } | undefined {
    const own = item.request.params.model;
    const chain = this.options.chains.get(own);
    if (!chain) return undefined;
    const backlogged = lane.heldSince !== undefined && now - lane.heldSince >= this.options.afterMs;
    const overloaded = (hold.kind === 'cooldown' || hold.kind === 'probe') && lane.cooldown.repeatedOverloads;
    if (!backlogged && !overloaded) return undefined;
    for (const model of [own, ...chain]) {
      const next = this.lanes.ofModel(model);
      if (next === lane) continue;
      const consumption = next.estimator.estimate(item.shape);
      if (this.holds(next, consumption, now)) continue;
      return { lane: next, consumption, undo: run.moveTo(item, model) };
    }
    return undefined;
  }
}
