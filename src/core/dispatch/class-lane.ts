// One model class's share of the dispatcher. The API keeps one set of RPM / ITPM / OTPM buckets per
// model class (models/model-class.ts), and a response's headers describe its own class only; so
// each class has its own picture of the buckets, its own estimate of what a request costs, its own
// in-flight ceiling (Little's law on its own rate and latency), its own pause after a 429/529 and
// its own count in flight. A Haiku line never waits for a Sonnet bucket, and a 429 on Opus does not
// pause Haiku. What stays the dispatcher's, across classes: the runs, their turns, the retry
// budget, the spend cap and the budgets.
import type { Clock } from '../types';
import type { SharedCoordinator } from '../coordination/coordinator';
import type { FloorSpec } from '../limits/floors';
import { QuotaModel } from '../limits/quota-model';
import type { TierLimits } from '../tiers';
import { ModelClasses, type ModelClass } from '../models/model-class';
import { CeilingControl } from './ceiling-control';
import { Cooldown } from './cooldown';
import { ConsumptionEstimator } from './estimator';
import { modelOf, type PendingItem } from './run-queue';
import { SharedGrants } from './shared-grant';
import type { Hold } from './hold';
import type { Run } from './run';

export interface LaneOptions {
  softFloor: FloorSpec;
  hardFloor: FloorSpec;
  maxInFlight: number | 'auto';
  maxInFlightCap: number;
  /** A tier preset's limits: every class's first guess (the API's tiers give each class the same). */
  initialLimits: TierLimits | undefined;
  clock: Clock;
  random: () => number;
  coordinator: SharedCoordinator | undefined;
}

export class ClassLane {
  readonly quota: QuotaModel;
  readonly estimator = new ConsumptionEstimator();
  readonly ceiling: CeilingControl;
  /** The pause after a 429/529 (or a failed connection), and the one request that goes first when it ends. */
  readonly cooldown: Cooldown<PendingItem>;
  /** With a shared coordinator: its answers, one ask at a time. */
  readonly grants: SharedGrants | undefined;
  inFlight = 0;
  /** Since when this class has had lines waiting at every pass (its backlog): what a fallback waits for. */
  heldSince: number | undefined;

  constructor(readonly modelClass: ModelClass, o: LaneOptions) {
    this.quota = new QuotaModel({ softFloor: o.softFloor, hardFloor: o.hardFloor, clock: o.clock, ...(o.initialLimits ? { initialLimits: o.initialLimits } : {}) });
    this.cooldown = new Cooldown(o.random);
    this.ceiling = new CeilingControl({ maxInFlight: o.maxInFlight, cap: o.maxInFlightCap, tierPreset: Boolean(o.initialLimits) }, this.quota, this.estimator);
    this.grants = o.coordinator && new SharedGrants(o.coordinator, modelClass, this.quota, o.clock, o.random);
  }
}

/** Every class met so far, each made on its first line. */
export class ClassLanes {
  // A Map: class names come from model ids, which are user input.
  private readonly lanes = new Map<ModelClass, ClassLane>();
  private readonly classes: ModelClasses;

  constructor(private readonly options: LaneOptions, classes?: ModelClasses) {
    this.classes = classes ?? new ModelClasses();
  }

  /** The lane an item goes through: its model's class (the fallback's, once moved). */
  of(item: PendingItem): ClassLane {
    return this.ofModel(modelOf(item));
  }

  ofModel(model: string): ClassLane {
    const modelClass = this.classes.classOf(model);
    let lane = this.lanes.get(modelClass);
    if (!lane) this.lanes.set(modelClass, (lane = new ClassLane(modelClass, this.options)));
    return lane;
  }

  all(): IterableIterator<ClassLane> {
    return this.lanes.values();
  }

  /** Once more than one class is in use, a hold says whose buckets it is. */
  named(hold: Hold, lane: ClassLane): Hold {
    return this.lanes.size > 1 ? ({ ...hold, modelClass: lane.modelClass } as Hold) : hold;
  }

  /** The runs with an item awaiting the shared coordinator's answer (one per class at most). */
  grantingRuns(): Set<Run> {
    const runs = new Set<Run>();
    for (const lane of this.lanes.values()) if (lane.grants?.granting) runs.add(lane.grants.granting);
    return runs;
  }

  get size(): number {
    return this.lanes.size;
  }
}
