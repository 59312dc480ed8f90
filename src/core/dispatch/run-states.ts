// The run state machine: where a run stands after each pass of the dispatcher. A pure function of
// the run and of what the dispatcher is doing; the dispatcher applies the answer (and tells its
// listeners). A run ends once nothing of it is in the air and it has nothing more to send or was
// asked to stop; until then its state says why it is not sending, most pressing reason first.
import { plural } from '../format';
import { describeHold, HOLD_RUN_STATES, holdLevel, type Hold } from './hold';
import type { Run } from './run';
import type { PendingItem } from './run-queue';
import type { RunState } from './snapshot';

export interface DispatcherSituation {
  /** The API (or another participant of the shared quota) stopped the key: the explanation. */
  apiStopped: string | undefined;
  /** What holds each run whose next line could not go in the last pass (its model class's hold). */
  runHolds: ReadonlyMap<Run, Hold>;
  /** The runs whose next item awaits the shared coordinator's answer. */
  granting: ReadonlySet<Run>;
}

type RunStep =
  | { end: true; state: RunState; detail: string | undefined }
  | { end: false; state: RunState; detail: string | undefined; holdCause: Hold | undefined };

export function nextRunStep(run: Run, situation: DispatcherSituation): RunStep {
  // An item awaiting the shared coordinator is neither sent nor queued: the run is not done yet.
  const over = run.inFlight === 0 && !situation.granting.has(run) && (run.stopping || run.drained);
  return over ? endStep(run, situation.apiStopped) : liveStep(run, situation);
}

/** How it ended: the first cause that applies. */
function endStep(run: Run, apiStopped: string | undefined): RunStep {
  const end = (state: RunState, detail?: string): RunStep => ({ end: true, state, detail });
  if (run.failed) return end('failed', run.failureReason);
  if (apiStopped !== undefined) return end('api-stopped', apiStopped);
  if (run.state === 'budget-reached') return end('budget-reached', `${run.detail}; ${plural(run.unsent, 'line')} left unsent`);
  if (run.stopping && !run.drained) return end(run.aborted ? 'aborted' : 'stopped', `${plural(run.unsent, 'line')} left unsent`);
  return end('finished');
}

/** Still going: its own reason not to send first (its budget, a stop, a pause), then the dispatcher's hold. */
function liveStep(run: Run, s: DispatcherSituation): RunStep {
  const live = (state: RunState, detail?: string, holdCause?: Hold): RunStep => ({ end: false, state, detail, holdCause });
  if (run.state === 'budget-reached') return live('budget-reached', run.detail, run.holdCause);
  if (s.apiStopped !== undefined || run.stopping) return live('stopping', s.apiStopped);
  if (run.paused) return live('paused');
  const hold = s.runHolds.get(run);
  const level = holdLevel(hold);
  return level ? live(HOLD_RUN_STATES[level], describeHold(hold!), hold) : live('running');
}

/**
 * What holds each run after a pass: the hold of the model class of its next line, when that class
 * took nothing more (`held`). A run whose next line could go, or that has none waiting, is not held.
 */
export function runHoldsOf<Lane>(runs: Iterable<Run>, held: ReadonlyMap<Lane, Hold | undefined>, lanes: { of(item: PendingItem): Lane }, now: number): Map<Run, Hold> {
  const holds = new Map<Run, Hold>();
  if (held.size === 0) return holds;
  for (const run of runs) {
    if (!run.isDispatching) continue;
    const next = run.queue.peek(now);
    const hold = next && held.get(lanes.of(next));
    if (hold) holds.set(run, hold);
  }
  return holds;
}
