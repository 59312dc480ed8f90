// The status bar item as data: text, tooltip (markdown) and severity. Pure, tested in plain Node;
// status-bar.ts only copies it onto the item.
import type { DispatcherSnapshot } from '../../core/dispatch/snapshot';
import { tightestTokenDimension, DIMENSION_LABELS } from '../../core/dispatch/tightest-dimension';
import { formatCount, formatDuration, formatUsd } from '../../core/format';
import { stateWords } from '../../core/dispatch/state-words';
import type { Severity } from '../protocol';
import { dispatcherSeverity, spendSeverity, worst } from './severity';
import { SIMULATED_NOTE, spendText } from './runs-tree-model';
import { fileName } from './text';

export interface StatusBarInput {
  /** `simulated`: a rehearsal's dispatcher, whose spend is not real money. */
  snapshots: Array<DispatcherSnapshot & { simulated?: boolean }>;
  daily: { spentUsd: number; budgetUsd: number | undefined; tokens: number; tokenBudget: number | undefined };
}

export interface StatusBarModel {
  text: string;
  tooltip: string;
  severity: Severity;
}

export function statusBarModel(input: StatusBarInput): StatusBarModel {
  const { daily } = input;
  const dailySeverity = worst(spendSeverity(daily.spentUsd, daily.budgetUsd), spendSeverity(daily.tokens, daily.tokenBudget));
  const dailyText = daily.budgetUsd !== undefined ? `${formatUsd(daily.spentUsd)}/${formatUsd(daily.budgetUsd)} today` : `${formatUsd(daily.spentUsd)} today`;
  const dailyLine =
    `Today (UTC): ${formatUsd(daily.spentUsd)}${daily.budgetUsd !== undefined ? ` of ${formatUsd(daily.budgetUsd)} budget` : ''}` +
    ` · ${formatCount(daily.tokens)} tokens${daily.tokenBudget !== undefined ? ` of ${formatCount(daily.tokenBudget)}` : ''}`;

  const live = input.snapshots.filter((s) => s.runs.some((r) => r.endedAt === undefined));
  if (live.length === 0) {
    return { text: `$(pulse) ${dailyText}`, tooltip: `**Floorline** — idle\n\n${dailyLine}\n\nClick to open the dashboard.`, severity: dailySeverity };
  }

  const runs = live.flatMap((s) => s.runs.filter((r) => r.endedAt === undefined).map((r) => ({ ...r, simulated: s.simulated === true })));
  const realRuns = runs.filter((r) => !r.simulated);
  const simulatedRuns = runs.filter((r) => r.simulated);
  const inFlight = live.reduce((n, s) => n + s.inFlight, 0);
  // Each dispatcher's tightest class is its top-level picture; of those, the tightest bucket.
  const tightest = live
    .map((s) => {
      const t = tightestTokenDimension(s);
      return t && { ...t, modelClass: s.classes.length > 1 ? s.tightestClass : undefined };
    })
    .filter((t) => t !== undefined)
    .sort((a, b) => a.view.remaining / a.view.limit - b.view.remaining / b.view.limit)[0];
  // Real and simulated spend are never added up: a rehearsal's dollars are shown apart, marked.
  const spent = realRuns.reduce((sum, r) => sum + r.spend.spentUsd, 0);
  const caps = realRuns.map((r) => r.spend.capUsd);
  const cap = caps.every((c) => c !== undefined) ? caps.reduce<number>((sum, c) => sum + (c ?? 0), 0) : undefined;
  const simulatedSpent = simulatedRuns.reduce((sum, r) => sum + r.spend.spentUsd, 0);

  const parts = [`${realRuns.length === 0 ? '$(beaker)' : '$(pulse)'} ${inFlight}`];
  if (tightest) parts.push(formatCount(tightest.view.remaining));
  if (realRuns.length > 0) parts.push(cap !== undefined ? `${formatUsd(spent)}/${formatUsd(cap)}` : formatUsd(spent));
  if (simulatedRuns.length > 0) parts.push(spendText(simulatedSpent, true));
  const text = parts.join(' · ') + (runs.length > 1 ? ` (${runs.length} runs)` : '');

  const lines = ['**Floorline**', ''];
  for (const r of runs) {
    lines.push(
      `- **${fileName(r.label)}** — ${stateWords(r.state)}: ${r.succeeded + r.errored}/${r.total}` +
        `${r.errored ? ` (${r.errored} errored)` : ''} · ${r.requestsPerSecond.toFixed(1)} req/s · ETA ${formatDuration(r.etaSeconds)} · ` +
        `${spendText(r.spend.spentUsd, r.simulated)}${r.spend.capUsd !== undefined ? ` of ${formatUsd(r.spend.capUsd)}` : ''}` +
        `${r.rateLimited ? ` · ${r.rateLimited}×429` : ''}`,
    );
  }
  lines.push('', `In flight: ${inFlight} (ceiling ${live.map((s) => s.ceiling).join(' + ')})`);
  if (tightest) {
    const v = tightest.view;
    const whose = tightest.modelClass ? `${tightest.modelClass} ` : '';
    lines.push(`Tightest: ${whose}${DIMENSION_LABELS[tightest.dimension]} ${formatCount(v.remaining)} of ${formatCount(v.limit)} left (soft floor ${formatCount(v.softFloor)}, hard ${formatCount(v.hardFloor)})`);
  }
  // With several model classes, each one's tightest bucket.
  for (const c of live.flatMap((s) => (s.classes.length > 1 ? s.classes : []))) {
    const t = tightestTokenDimension(c);
    lines.push(`- ${c.modelClass}: ${c.inFlight} in flight${t ? ` · ${DIMENSION_LABELS[t.dimension]} ${formatCount(t.view.remaining)} of ${formatCount(t.view.limit)} left` : ''}`);
  }
  const hold = live.find((s) => s.holdDetail)?.holdDetail;
  if (hold) lines.push(`Holding: ${hold}`);
  if (simulatedRuns.length > 0) lines.push('', `${SIMULATED_NOTE}: ${simulatedRuns.length === 1 ? 'the rehearsal\'s' : `${simulatedRuns.length} rehearsals'`} ${formatUsd(simulatedSpent)} is not counted in today's spend.`);
  lines.push('', dailyLine, '', 'Click to open the dashboard.');

  return { text, tooltip: lines.join('\n'), severity: worst(dailySeverity, ...live.map(dispatcherSeverity)) };
}
