// Hold sentences: what a dispatcher says when it holds requests back, and where it is said. The
// dispatcher's section carries the sentence once; its holding runs do not repeat it. Whether a
// run's hold is its dispatcher's is decided on the holds themselves (core's `sameHold`), never by
// comparing their sentences.
import { sameHold, type Hold } from '../../core/dispatch/hold';
import type { DispatcherSnapshot, RunSnapshot, RunState } from '../../core/dispatch/snapshot';
import { stateWords } from '../../core/dispatch/state-words';
import { formatDuration } from '../../core/format';
import type { Severity } from '../protocol';
import { isLive } from './run-state';

type HoldLevel = DispatcherSnapshot['hold'];

/** The run states a dispatcher's hold puts its runs in. */
const HOLD_STATES: ReadonlySet<RunState> = new Set(['holding', 'hard-stopped', 'cooling-down']);

/** The dispatcher's state in words: its hold, else whether it has anything to send. */
export function holdText(snapshot: Pick<DispatcherSnapshot, 'hold' | 'runs'>): string {
  switch (snapshot.hold) {
    case 'soft': return stateWords('holding');
    case 'hard': return stateWords('hard-stopped');
    case 'cooldown': return stateWords('cooling-down');
    default: return snapshot.runs.some((r) => isLive(r.state)) ? 'dispatching' : 'idle';
  }
}

export function holdSeverity(hold: HoldLevel): Severity {
  return hold === 'hard' ? 'error' : hold ? 'warning' : 'ok';
}

/** "new requests resume in 12s" while a 429's cool-down lasts. */
export function cooldownText(cooldownUntil: number | undefined, now: number): string | undefined {
  return cooldownUntil !== undefined && cooldownUntil > now ? `new requests resume in ${formatDuration((cooldownUntil - now) / 1000)}` : undefined;
}

/** A run's own sentence, or '' when it only repeats its dispatcher's hold. */
export function runDetail(run: Pick<RunSnapshot, 'state' | 'detail' | 'holdCause'>, dispatcherHold: Hold | undefined): string {
  if (!run.detail) return '';
  return HOLD_STATES.has(run.state) && sameHold(run.holdCause, dispatcherHold) ? '' : run.detail;
}
