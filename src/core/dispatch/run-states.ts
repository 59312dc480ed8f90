// The run state machine: where a run stands after each pass of the dispatcher. A pure function of
// the run and of what the dispatcher is doing; the dispatcher applies the answer (and tells its
// listeners). A run ends once nothing of it is in the air and it has nothing more to send or was
// asked to stop; until then its state says why it is not sending, most pressing reason first.
import { plural } from '../format';
import { HOLD_RUN_STATES, holdLevel, type Hold } from './hold';
import type { Run } from './run';
import type { RunState } from './snapshot';

export interface DispatcherSituation {
  /** The API (or another participant of the shared quota) stopped the key: the explanation. */
  apiStopped: string | undefined;
  /** What the dispatcher holds for now, and its sentence. */
  hold: Hold | undefined;
  holdDetail: string | undefined;
  /** The run whose next item awaits the shared coordinator's answer. */
  granting: Run | undefined;
}

type RunStep =
  | { end: true; state: RunState; detail: string | undefined }
  | { end: false; state: RunState; detail: string | undefined; holdCause: Hold | undefined };

export function nextRunStep(run: Run, situation: DispatcherSituation): RunStep {
  // An item awaiting the shared coordinator is neither sent nor queued: the run is not done yet.
  const over = run.inFlight === 0 && run !== situation.granting && (run.stopping || run.drained);
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
  const level = holdLevel(s.hold);
  return level ? live(HOLD_RUN_STATES[level], s.holdDetail, s.hold) : live('running');
}
