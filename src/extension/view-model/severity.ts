// When the status bar and the dashboard turn to warning or error. One place, so both always agree.
// Pure (no `vscode`): unit-tested in plain Node.
import type { DimensionView } from '../../core/limits/quota-model';
import type { DispatcherSnapshot, RunSnapshot } from '../../core/dispatch/snapshot';
// `Severity` itself lives with the dashboard's contract (../protocol): the page colours by it.
import type { Severity } from '../protocol';

/** "Near the soft floor": remaining within 20% above it. */
const NEAR_FLOOR_FACTOR = 1.2;
/** "Near a cap": 80% of it spent. */
const NEAR_CAP_SHARE = 0.8;

export function worst(...levels: Severity[]): Severity {
  return levels.includes('error') ? 'error' : levels.includes('warning') ? 'warning' : 'ok';
}

export function dimensionSeverity(view: DimensionView): Severity {
  if (view.remaining <= view.hardFloor) return 'error';
  if (view.remaining < view.softFloor * NEAR_FLOOR_FACTOR) return 'warning';
  return 'ok';
}

export function spendSeverity(spent: number, cap: number | undefined): Severity {
  if (cap === undefined) return 'ok';
  if (spent >= cap - 1e-9) return 'error';
  if (spent >= cap * NEAR_CAP_SHARE) return 'warning';
  return 'ok';
}

export function runSeverity(run: RunSnapshot): Severity {
  if (run.state === 'budget-reached' || run.state === 'api-stopped' || run.state === 'hard-stopped') return 'error';
  return spendSeverity(run.spend.spentUsd + run.spend.reservedUsd, run.spend.capUsd);
}

/** A dispatcher's severity, judged on the runs still going (a finished run no longer alarms). */
export function dispatcherSeverity(snapshot: DispatcherSnapshot): Severity {
  const active = snapshot.runs.filter((r) => r.endedAt === undefined);
  if (active.length === 0) return 'ok';
  const dims = (['inputTokens', 'outputTokens', 'tokens'] as const).map((d) => snapshot.dimensions[d]).filter((v): v is DimensionView => v !== undefined);
  return worst(snapshot.hold === 'hard' ? 'error' : 'ok', ...dims.map(dimensionSeverity), ...active.map(runSeverity));
}
