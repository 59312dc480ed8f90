// What a refusal from the shared quota (Redis) means for this dispatcher: wait (on which hold, and
// how long), the run has reached a shared budget, or every participant stops. Kept apart from
// the dispatcher's loop, which only asks and applies the answer.
import type { Clock } from '../types';
import type { SharedCoordinator, SharedReserveOutcome } from '../coordination/coordinator';
import type { Consumption, QuotaModel } from '../limits/quota-model';
import type { Hold } from './hold';
import type { Run } from './run';
import type { PendingItem } from './run-queue';

/** Each ask is a round trip every participant makes: poll no faster than every 25–50 ms (jittered). */
const SHARED_MIN_WAIT_MS = 25;

export type GrantRefusal =
  | { kind: 'wait'; hold: Hold; waitMs: number }
  /** The run's next request can never fit a shared budget today. */
  | { kind: 'budget-reached'; label: string }
  /** Another participant stopped the key (its spend limit, a revoked key): so do we. */
  | { kind: 'stopped'; explanation: string };

/** Ask for one request's capacity. A store that throws is an unavailable store: hold, and ask again in a second. */
function askForGrant(coordinator: SharedCoordinator, modelClass: string, consumption: Consumption, worst: { usd: number | null; tokens: number }, share: number | undefined): Promise<SharedReserveOutcome> {
  return coordinator
    .reserve({ modelClass, consumption, worstUsd: worst.usd, worstTokens: worst.tokens, ...(share !== undefined ? { share } : {}) })
    .catch((err: unknown): SharedReserveOutcome => ({ ok: false, kind: 'unavailable', waitMs: 1_000, detail: String(err) }));
}

/** `local`: the coordinator runs on this process's limits only (the store is away and that was allowed). */
export function refusalOf(outcome: Exclude<SharedReserveOutcome, { ok: true }>, local: boolean): GrantRefusal {
  const wait = (hold: Hold, waitMs: number): GrantRefusal => ({ kind: 'wait', hold, waitMs });
  switch (outcome.kind) {
    case 'soft':
    case 'hard':
      return wait({ kind: outcome.kind === 'hard' ? 'hard-floor' : 'soft-floor', quota: local ? 'local-only' : 'shared', dimension: outcome.dimension, waitMs: outcome.waitMs }, outcome.waitMs);
    case 'cooldown':
      return wait({ kind: 'cooldown', cause: 'shared', waitMs: outcome.waitMs }, outcome.waitMs);
    case 'share':
      return wait({ kind: 'share', share: outcome.share, participant: outcome.participant, dimension: outcome.dimension, waitMs: outcome.waitMs }, outcome.waitMs);
    case 'paused':
      return wait({ kind: 'paused' }, outcome.waitMs);
    case 'unavailable':
      return wait({ kind: 'shared-unavailable', detail: outcome.detail }, outcome.waitMs);
    case 'budget':
      return outcome.waitMs !== undefined ? wait({ kind: 'spend-settling', label: outcome.label }, outcome.waitMs) : { kind: 'budget-reached', label: outcome.label };
    case 'stopped':
      return { kind: 'stopped', explanation: outcome.explanation };
  }
}

/** When to ask again after a wait: never sooner than the floor, jittered so that participants held together do not all come back at once. */
function askAgainAt(now: number, waitMs: number, random: () => number): number {
  return now + Math.max(waitMs, SHARED_MIN_WAIT_MS) + random() * SHARED_MIN_WAIT_MS;
}

/** The shared quota's answer, as the dispatcher applies it. No `refusal` with `go` false: granted, but the run may not send any more (paused, stopped). */
export type GrantAnswer = { go: true; lease: string | undefined } | { go: false; refusal?: GrantRefusal };

/**
 * The shared quota's side of admission. One ask at a time, in schedule order: while it is out the
 * dispatcher sends nothing else, and the asking run is not done (its item is neither sent nor
 * queued). The wait a refusal asked for holds every run until it ends.
 */
export class SharedGrants {
  private asking: Run | undefined;
  private lastWait: { until: number; hold: Hold } | undefined;

  constructor(
    private readonly coordinator: SharedCoordinator,
    /** The model class whose shared buckets this asks for. */
    private readonly modelClass: string,
    private readonly quota: QuotaModel,
    private readonly clock: Clock,
    private readonly random: () => number,
  ) {}

  /** The run whose item awaits the answer. */
  get granting(): Run | undefined {
    return this.asking;
  }

  /** The wait the last refusal asked for (it may be over: see `holdAt`). */
  get wait(): { until: number; hold: Hold } | undefined {
    return this.lastWait;
  }

  /** The wait the last refusal asked for, while it lasts. */
  holdAt(now: number): { until: number; hold: Hold } | undefined {
    return this.lastWait && this.lastWait.until > now ? this.lastWait : undefined;
  }

  /**
   * Ask for one item's capacity; `apply` the answer, then `after`. `mayGo` is asked when the answer
   * comes, since a pause or a stop may have come meanwhile: a lease granted but not used is
   * returned at once.
   */
  ask(run: Run, item: PendingItem, consumption: Consumption, mayGo: () => boolean, apply: (answer: GrantAnswer) => void, after: () => void): void {
    this.asking = run;
    askForGrant(this.coordinator, this.modelClass, consumption, { usd: item.worstCaseUsd, tokens: item.worstCaseTokens }, run.maxShare)
      .then((outcome) => apply(this.answer(outcome, consumption, mayGo)))
      .finally(() => {
        this.asking = undefined;
        after();
      });
  }

  private answer(granted: SharedReserveOutcome, consumption: Consumption, mayGo: () => boolean): GrantAnswer {
    let outcome = granted;
    // Without a lease the coordinator is running on local limits only (the store is away and the
    // user allowed that): our own model decides, as it does without a coordinator.
    const local = outcome.ok && outcome.lease === undefined;
    if (local) {
      const admit = this.quota.admit(consumption);
      if (!admit.ok) outcome = { ok: false, kind: admit.hold, dimension: admit.dimension, waitMs: admit.waitMs };
    }
    if (outcome.ok && mayGo()) {
      this.lastWait = undefined;
      return { go: true, lease: outcome.lease };
    }
    if (outcome.ok) {
      if (outcome.lease) void this.coordinator.release(outcome.lease, true, false);
      return { go: false };
    }
    const refusal = refusalOf(outcome, local);
    if (refusal.kind === 'wait') this.lastWait = { until: askAgainAt(this.clock.now(), refusal.waitMs, this.random), hold: refusal.hold };
    return { go: false, refusal };
  }
}
