// What the dashboard draws, computed from the dispatchers' snapshots in plain Node (no `vscode`), so
// every number, percentage and severity is unit-tested and the webview only lays it out. Each
// section has its own file beside this one; the model's types are the contract in ../protocol.
// The model never holds an API key: dispatchers are named by a label the caller already redacted.
import type { DispatcherSnapshot } from '../../core/dispatch/snapshot';
import { formatCount, formatUsd } from '../../core/format';
import type { DashboardModel, RunModel } from '../protocol';
import { batchRows, type BatchStatusInput } from './batch-status';
import { chartModel } from './chart';
import { dispatcherModel } from './dispatcher-section';
import type { HistorySample } from './history';
import { capMeter } from './meters';
import { pastRunModel, type PastRunCardInput } from './run-card';
import { worst } from './severity';

export interface DashboardInput {
  /** `key` names the dispatcher for people (e.g. 'API key …a1b2', 'simulated'): already redacted. */
  snapshots: Array<{ key: string; snapshot: DispatcherSnapshot; simulated?: boolean }>;
  daily: { spentUsd: number; budgetUsd?: number; tokens: number; tokenBudget?: number };
  history: HistorySample[];
  /** Runs remembered from before a reload (not among the dispatchers' runs), most recent first. */
  pastRuns?: PastRunCardInput[];
  /** Message Batches being polled (or ended this session), per file. */
  batches?: BatchStatusInput[];
  now: number;
}

/**
 * "2 holding at soft floor · 1 paused": how many runs are in each state, in order of first sight;
 * then how many are remembered from before a reload.
 */
function summaryOf(runs: RunModel[], past: number): string {
  if (runs.length === 0 && past === 0) return 'No runs yet';
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.stateText, (counts.get(r.stateText) ?? 0) + 1);
  const parts = [...counts].map(([state, n]) => `${n} ${state}`);
  if (past > 0) parts.push(`${past} earlier`);
  return parts.join(' · ');
}

/** The page keys sections by id: two dispatchers with the same label still get distinct ids. */
function uniqueIds(keys: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return keys.map((k) => {
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return n === 1 ? k : `${k}#${n}`;
  });
}

export function toDashboardModel(input: DashboardInput): DashboardModel {
  const { now } = input;
  const ids = uniqueIds(input.snapshots.map((s) => s.key));
  const dispatchers = input.snapshots.map((s, i) => dispatcherModel(ids[i] ?? s.key, s.key, s.snapshot, now, s.simulated === true));
  const pastRuns = (input.pastRuns ?? []).map(pastRunModel);
  const daily = {
    spend: capMeter('dailySpend', 'Spend today', input.daily.spentUsd, input.daily.budgetUsd, formatUsd),
    tokens: capMeter('dailyTokens', 'Tokens today', input.daily.tokens, input.daily.tokenBudget, formatCount),
  };
  return {
    generatedAt: now,
    // Like the status bar: today's budgets and the live dispatchers. A run that ended badly stays red
    // on its own card without keeping the whole page in alarm.
    severity: worst(daily.spend.severity, daily.tokens.severity, ...dispatchers.map((d) => d.severity)),
    summary: summaryOf(dispatchers.flatMap((d) => d.runs), pastRuns.length),
    daily,
    chart: chartModel(input.history, input.snapshots.map((s) => s.snapshot), now),
    dispatchers,
    pastRuns,
    batches: batchRows(input.batches ?? [], now),
  };
}
