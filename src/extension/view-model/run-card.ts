// One run's card: its state, progress, figures, spend against its cap, recent errors and controls.
import type { DispatcherSnapshot, RunSnapshot, RunState } from '../../core/dispatch/snapshot';
import type { SpendView } from '../../core/spend/spend-ledger';
import { stateWords } from '../../core/dispatch/state-words';
import { formatDuration, formatUsd } from '../../core/format';
import type { MeterModel, RunErrorModel, RunModel, RunStat } from '../protocol';
import type { TotalsState } from './runs-tree-model';
import { SIMULATED_NOTE } from './runs-tree-model';
import { runDetail } from './holds';
import { capMeter } from './meters';
import { controlsFor, isLive, STATE_ICONS, STATE_SEVERITY } from './run-state';
import { runSeverity, worst } from './severity';
import { exact, percentOf, sentence } from './text';

/** The newest errors a card lists; the caption says how many more there are. */
const SHOWN_ERRORS = 10;

function runSpend(spend: SpendView, state: RunState, simulated: boolean): MeterModel {
  const meter = simulatedMeter(capMeter('spend', 'Run spend', spend.spentUsd, spend.capUsd, formatUsd, spend.reservedUsd), simulated);
  // The dispatcher stops a run before the next request would cross the cap, often a few cents short
  // of it: the cap is reached all the same.
  return state === 'budget-reached' ? { ...meter, severity: 'error' } : meter;
}

/** A rehearsal's spend meter says so in its label, text and caption: it must never read as money spent. */
function simulatedMeter(meter: MeterModel, simulated: boolean): MeterModel {
  if (!simulated) return meter;
  return {
    ...meter,
    label: `${meter.label} (simulated)`,
    text: `${meter.text} simulated`,
    caption: sentence([SIMULATED_NOTE, meter.caption]),
    aria: { ...meter.aria, text: `${meter.aria.text}; ${SIMULATED_NOTE.toLowerCase()}` },
  };
}

function progressOf(run: RunSnapshot, live: boolean): RunModel['progress'] {
  const done = run.succeeded + run.errored;
  return {
    // An empty run that ended is complete, not at 0%.
    percent: run.total > 0 ? percentOf(done, run.total) : live ? 0 : 100,
    text: `${exact(done)} / ${exact(run.total)}`,
    caption: sentence([
      `${exact(run.succeeded)} succeeded`,
      run.errored > 0 && `${exact(run.errored)} errored`,
      run.resumed > 0 && `${exact(run.resumed)} done earlier`,
      !live && run.unsent > 0 && `${exact(run.unsent)} unsent`,
    ]),
  };
}

function statsOf(run: RunSnapshot, ceiling: number, live: boolean, now: number): RunStat[] {
  const elapsed = ((run.endedAt ?? now) - run.startedAt) / 1000;
  return [
    { label: 'In flight', value: live ? `${run.inFlight} / ${ceiling}` : '–', severity: 'ok' },
    { label: 'Rate', value: `${run.requestsPerSecond.toFixed(1)} req/s`, severity: 'ok' },
    live
      ? { label: 'ETA', value: formatDuration(run.etaSeconds), severity: 'ok' }
      : { label: 'Took', value: formatDuration(elapsed), severity: 'ok' },
    { label: '429s', value: exact(run.rateLimited), severity: run.rateLimited > 0 ? 'warning' : 'ok' },
    { label: 'Retries', value: exact(run.retries), severity: 'ok' },
    ...(run.overloaded > 0 ? [{ label: 'Overloaded', value: exact(run.overloaded), severity: 'warning' as const }] : []),
    // One stat per chain that moved lines: "Fallback opus-4-7 → sonnet-4-6: 120".
    ...Object.entries(run.fallbacks ?? {}).map(([moved, n]) => ({ label: `Fallback ${moved.replace(/claude-/g, '')}`, value: exact(n), severity: 'ok' as const })),
  ];
}

/** Newest first. */
function errorsOf(run: RunSnapshot): RunErrorModel[] {
  return run.recentErrors.slice(-SHOWN_ERRORS).reverse().map((e) => ({
    line: e.line,
    where: `line ${e.line}`,
    customId: e.customId,
    message: e.message,
  }));
}

export function runModel(run: RunSnapshot, snapshot: Pick<DispatcherSnapshot, 'ceiling' | 'holdCause'>, now: number, simulated = false): RunModel {
  const live = isLive(run.state);
  const spend = runSpend(run.spend, run.state, simulated);
  const stateSeverity = STATE_SEVERITY[run.state];
  const errors = errorsOf(run);
  return {
    id: run.id,
    label: run.label,
    priorityText: run.priority === 'normal' ? '' : `${run.priority} priority`,
    state: run.state,
    stateText: stateWords(run.state),
    stateSeverity,
    stateIcon: STATE_ICONS[run.state],
    detail: runDetail(run, snapshot.holdCause),
    severity: worst(stateSeverity, runSeverity(run), spend.severity),
    active: live,
    progress: progressOf(run, live),
    stats: statsOf(run, snapshot.ceiling, live, now),
    spend,
    errors,
    errorsCaption: run.errored > errors.length ? `latest ${errors.length} of ${exact(run.errored)} errors` : '',
    controls: controlsFor(run.state),
    simulated,
    // Every run the manager started has a results file; it is worth opening once the run has ended.
    canOpenResults: !live,
  };
}

/** A run remembered from before a reload: what its results file says, as a finished card. */
export interface PastRunCardInput {
  /** Opaque (the page sends it back to open the results; never a path). */
  id: string;
  label: string;
  simulated: boolean;
  /** The state it ended in; undefined when VS Code closed while it ran. */
  ended?: RunState | undefined;
  /** Lines it had to answer, when known. */
  total?: number | undefined;
  totals: TotalsState;
}

const NO_CONTROLS: RunModel['controls'] = { pause: false, resume: false, stop: false };

export function pastRunModel(p: PastRunCardInput): RunModel {
  const t = p.totals.state === 'ready' ? p.totals.totals : undefined;
  // Rows written by a rehearsal are not real money, whatever the run was remembered as.
  const simulated = p.simulated || (t?.simulatedRows ?? 0) > 0;
  // A run that never reported its end was cut short by VS Code closing: it reads as stopped, and says so.
  const state: RunState = p.ended ?? 'stopped';
  const spend = simulatedMeter(capMeter('spend', 'Run spend', t?.costUsd ?? 0, undefined, formatUsd), simulated);
  const done = t ? t.succeeded + t.errored + t.canceled + t.expired : 0;
  return {
    id: p.id,
    label: p.label,
    priorityText: '',
    state,
    stateText: p.ended ? stateWords(p.ended) : 'interrupted when VS Code closed',
    stateSeverity: p.ended ? STATE_SEVERITY[p.ended] : 'warning',
    stateIcon: STATE_ICONS[state],
    detail:
      p.totals.state === 'error'
        ? `Its results file cannot be read: ${p.totals.message}`
        : p.ended
          ? 'Before this window was reloaded: its results file\'s totals.'
          : 'VS Code closed while it ran: running the file again resumes it.',
    severity: t && t.errored > 0 ? 'warning' : 'ok',
    active: false,
    progress: t
      ? {
          percent: p.total ? Math.min(100, (100 * done) / p.total) : 100,
          text: p.total ? `${exact(done)} of ${exact(p.total)} results` : `${exact(done)} results`,
          caption: sentence([
            `${exact(t.succeeded)} succeeded`,
            t.errored > 0 && `${exact(t.errored)} errored`,
            t.canceled > 0 && `${exact(t.canceled)} canceled`,
            t.expired > 0 && `${exact(t.expired)} expired`,
          ]),
        }
      : { percent: 0, text: p.totals.state === 'counting' ? '…' : '–', caption: p.totals.state === 'counting' ? 'counting…' : '' },
    stats: [],
    spend: t ? spend : { ...spend, text: p.totals.state === 'counting' ? '…' : '–' },
    errors: [],
    errorsCaption: '',
    controls: NO_CONTROLS,
    simulated,
    canOpenResults: p.totals.state !== 'error',
  };
}
