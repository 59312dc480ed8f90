// The in-flight ceiling as the dispatcher applies it: the controller (in-flight-ceiling.ts, its
// arithmetic) started with the right window, fed the rate the quota can sustain for the requests
// seen so far, and watched for changes worth telling (news.ts). Apart from the dispatcher so its
// loop asks one question — how many may be in flight now — and not how that is worked out.
import type { QuotaModel } from '../limits/quota-model';
import type { ConsumptionEstimator } from './estimator';
import { InFlightCeiling, type CeilingDecision, type Pushback } from './in-flight-ceiling';
import { CeilingWatch } from './news';

/**
 * A tier preset is only a guess at the limits, not at how full the buckets are: a small window,
 * so a drained key meets a few 429s at most before the first headers arrive.
 */
const START_WINDOW_WITH_PRESET = 8;
/** A full bucket is spent down to its soft floor over about this long, on top of the refill. */
const SPEND_HORIZON_MS = 3_000;

export class CeilingControl {
  private readonly controller: InFlightCeiling;
  private readonly watch = new CeilingWatch({ value: 1, by: 'start', reason: 'not started' });

  constructor(
    options: { maxInFlight: number | 'auto'; cap: number; tierPreset: boolean },
    private readonly quota: QuotaModel,
    private readonly estimator: ConsumptionEstimator,
  ) {
    this.controller = new InFlightCeiling({ maxInFlight: options.maxInFlight, cap: options.cap, initial: options.tierPreset ? START_WINDOW_WITH_PRESET : 1 });
  }

  /** The decision last taken (what a snapshot shows). */
  get current(): CeilingDecision {
    return this.watch.current;
  }

  /** The ceiling now; `news` when it moved enough to be told. */
  decide(): { decision: CeilingDecision; news: boolean } {
    // Until a first response tells us the limits and how full the buckets are, the ceiling's start window.
    const rate = this.quota.hasObservation && this.estimator.average ? this.quota.spendableRate(this.estimator.average, SPEND_HORIZON_MS) : undefined;
    const decision = this.controller.decide(rate, this.quota.hasObservation);
    return { decision, news: this.watch.update(decision) };
  }

  recordSuccess(latencyMs: number): void {
    this.controller.recordSuccess(latencyMs);
  }

  recordPushback(currentInFlight: number, cause: Pushback, sentAt: number, now: number): void {
    this.controller.recordPushback(currentInFlight, cause, sentAt, now);
  }
}
