// What a refusal from the shared quota (Redis) means for this dispatcher: wait (and how long, and
// what to say), the run has reached a shared budget, or every participant stops. Kept apart from
// the dispatcher's loop, which only applies the answer.
import type { SharedReserveOutcome } from '../coordination/coordinator';
import type { DispatcherSnapshot } from './snapshot';
import { DIMENSION_LABELS } from './tightest-dimension';

/** Each ask is a round trip every participant makes: poll no faster than every 25–50 ms (jittered). */
export const SHARED_MIN_WAIT_MS = 25;

export type GrantRefusal =
  | { kind: 'wait'; hold: NonNullable<DispatcherSnapshot['hold']>; waitMs: number; detail: string }
  /** The run's next request can never fit a shared budget today. */
  | { kind: 'budget-reached'; label: string }
  /** Another participant stopped the key (its spend limit, a revoked key): so do we. */
  | { kind: 'stopped'; explanation: string };

/** `local`: the coordinator runs on this process's limits only (the store is away and that was allowed). */
export function refusalOf(outcome: Exclude<SharedReserveOutcome, { ok: true }>, local: boolean): GrantRefusal {
  const wait = (hold: NonNullable<DispatcherSnapshot['hold']>, waitMs: number, detail: string): GrantRefusal => ({ kind: 'wait', hold, waitMs, detail });
  switch (outcome.kind) {
    case 'soft':
    case 'hard':
      return wait(outcome.kind, outcome.waitMs,
        `${outcome.kind === 'hard' ? 'stopped at hard floor' : 'holding at soft floor'} (${local ? 'local limits only' : 'shared quota'}): ` +
          `${DIMENSION_LABELS[outcome.dimension]}; refilling for ${(outcome.waitMs / 1000).toFixed(1)} s`);
    case 'cooldown':
      return wait('cooldown', outcome.waitMs, `a 429/529 seen by a participant of the shared quota paused all new requests for ${(outcome.waitMs / 1000).toFixed(1)} s`);
    case 'paused':
      return wait('soft', outcome.waitMs, 'paused by another participant of the shared quota');
    case 'unavailable':
      return wait('hard', outcome.waitMs, `${outcome.detail}: holding new requests until it is back`);
    case 'budget':
      return outcome.waitMs !== undefined
        ? wait('soft', outcome.waitMs, `waiting for requests in flight to settle under the shared ${outcome.label}`)
        : { kind: 'budget-reached', label: outcome.label };
    case 'stopped':
      return { kind: 'stopped', explanation: outcome.explanation };
  }
}
