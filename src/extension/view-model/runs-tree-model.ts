// What the Runs and Batches views show, as plain data: each item's label, description, tooltip
// (markdown), icon and contextValue. Pure, so it is tested in plain Node; runs-view.ts and
// batches-view.ts only copy it onto TreeItems.
//
// contextValue is a space-separated list of words the manifest's `when` clauses match with
// `viewItem =~ /\bword\b/`: one item may carry several (a past run with errors and its input).
import type { RunSnapshot } from '../../core/dispatch/snapshot';
import { stateWords } from '../../core/dispatch/state-words';
import { formatUsd } from '../../core/format';
import type { ResultsTotals } from '../../core/results/result-rows';
import { isSimulatedResultsPath } from '../../core/results/paths';
import { batchRows, type BatchStatusInput } from './batch-status';
import { controlsFor, isLive, STATE_ICONS } from './run-state';
import { exact, fileName, sentence } from './text';

/** The words a `when` clause can test on an item's contextValue. */
const RunItemFlag = {
  live: 'liveRun',
  past: 'pastRun',
  canPause: 'canPause',
  canResume: 'canResume',
  canStop: 'canStop',
  /** The run's input file exists: it can be run again (resumed) or submitted as a batch. */
  hasInput: 'hasInput',
  /** Some lines errored: a resume retries exactly those. */
  hasErrored: 'hasErrored',
  simulated: 'simulated',
  batch: 'batch',
} as const;

/** A results file's totals as far as they are known: being counted, counted, or unreadable. */
export type TotalsState =
  | { state: 'counting' }
  | { state: 'ready'; totals: ResultsTotals }
  | { state: 'error'; message: string };

export interface TreeItemModel {
  id: string;
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
  /** A codicon name. */
  icon: string;
  contextValue: string;
}

/** Said wherever a rehearsal's money shows, so it never reads as real spend. */
export const SIMULATED_NOTE = 'Simulated — not real spend';

/** "$3.28", or "$3.28 simulated" for a rehearsal. */
export function spendText(usd: number, simulated: boolean): string {
  return simulated ? `${formatUsd(usd)} simulated` : formatUsd(usd);
}

export interface LiveRunInput {
  run: RunSnapshot;
  simulated: boolean;
}

/** A run of this session that is still going: state, progress "412/1,000", spend. */
export function liveRunItem({ run, simulated }: LiveRunInput): TreeItemModel {
  const done = run.succeeded + run.errored;
  const controls = controlsFor(run.state);
  const spend = spendText(run.spend.spentUsd, simulated);
  const cap = run.spend.capUsd !== undefined ? ` of ${formatUsd(run.spend.capUsd)}` : '';
  const flags = [
    RunItemFlag.live,
    controls.pause && RunItemFlag.canPause,
    controls.resume && RunItemFlag.canResume,
    controls.stop && RunItemFlag.canStop,
    simulated && RunItemFlag.simulated,
  ];
  const tooltip = [
    `**${run.label}** — ${stateWords(run.state)}`,
    '',
    `${exact(done)} of ${exact(run.total)} done: ${sentence([
      `${exact(run.succeeded)} succeeded`,
      run.errored > 0 && `${exact(run.errored)} errored`,
      run.resumed > 0 && `${exact(run.resumed)} done earlier`,
    ])}`,
    '',
    `Spend: ${spend}${cap}`,
    ...(simulated ? ['', SIMULATED_NOTE] : []),
    ...(run.detail ? ['', run.detail] : []),
  ];
  return {
    id: `live:${run.id}`,
    label: fileName(run.label),
    description: sentence([stateWords(run.state), `${exact(done)}/${exact(run.total)}`, spend]),
    tooltip: tooltip.join('\n'),
    icon: isLive(run.state) ? STATE_ICONS[run.state] : STATE_ICONS.finished,
    contextValue: words(flags),
  };
}

export interface PastRunInput {
  resultsPath: string;
  /** For people: the results file's workspace-relative path. */
  label: string;
  /** The input the results answer, when it exists (`inputPathForResults`). */
  inputPath: string | undefined;
  totals: TotalsState;
}

/** A rehearsal's file by its name, or any results file whose rows say they were simulated. */
export function isSimulatedResults(resultsPath: string, totals: TotalsState): boolean {
  return isSimulatedResultsPath(resultsPath) || (totals.state === 'ready' && totals.totals.simulatedRows > 0);
}

/** A results file in the workspace: its totals (or "…" while they are counted) and what can be done with it. */
export function pastRunItem(input: PastRunInput): TreeItemModel {
  const { totals } = input;
  const simulated = isSimulatedResults(input.resultsPath, totals);
  const t = totals.state === 'ready' ? totals.totals : undefined;
  const flags = [
    RunItemFlag.past,
    input.inputPath !== undefined && RunItemFlag.hasInput,
    t !== undefined && t.errored > 0 && RunItemFlag.hasErrored,
    simulated && RunItemFlag.simulated,
  ];
  const name = fileName(input.resultsPath);
  let description: string;
  let details: string[];
  if (totals.state === 'counting') {
    description = simulated ? '… · simulated' : '…';
    details = ['Counting…'];
  } else if (totals.state === 'error') {
    description = 'unreadable';
    details = [`Cannot read it: ${totals.message}`];
  } else {
    const tt = totals.totals;
    description = sentence([
      `${exact(tt.succeeded)} succeeded`,
      tt.errored > 0 && `${exact(tt.errored)} errored`,
      spendText(tt.costUsd, simulated),
    ]);
    details = [
      `${exact(tt.rows)} results: ${sentence([
        `${exact(tt.succeeded)} succeeded`,
        `${exact(tt.errored)} errored`,
        tt.canceled > 0 && `${exact(tt.canceled)} canceled`,
        tt.expired > 0 && `${exact(tt.expired)} expired`,
      ])}`,
      '',
      `Spend: ${spendText(tt.costUsd, simulated)}`,
      ...(tt.partialTail ? ['', 'The last line is still being written.'] : []),
      ...(tt.unreadable > 0 ? ['', `${exact(tt.unreadable)} lines are not results.`] : []),
    ];
  }
  const tooltip = [
    `**${input.label}**${simulated ? ' (simulated)' : ''}`,
    '',
    ...details,
    ...(simulated ? ['', SIMULATED_NOTE] : []),
    '',
    input.inputPath !== undefined ? `Input: ${fileName(input.inputPath)}` : 'Input: not found beside it',
  ];
  return {
    id: `past:${input.resultsPath}`,
    label: name,
    description,
    tooltip: tooltip.join('\n'),
    icon: simulated ? 'beaker' : t !== undefined && t.errored > 0 ? 'warning' : 'output',
    contextValue: words(flags),
  };
}

/** The Message Batches of each file: done/total, the counts and the expiry (batch-status's wording). */
export function batchItems(jobs: readonly BatchStatusInput[], now: number): TreeItemModel[] {
  return batchRows(jobs, now).map((row) => ({
    id: `batch:${row.id}`,
    label: row.name,
    description: sentence([`${exact(row.done)}/${exact(row.total)}`, row.detail]),
    tooltip: `**${row.name}** — Message Batches\n\n${row.detail}`,
    icon: row.ended ? 'pass' : 'package',
    contextValue: RunItemFlag.batch,
  }));
}

function words(flags: ReadonlyArray<string | false>): string {
  return flags.filter((f): f is string => typeof f === 'string').join(' ');
}
