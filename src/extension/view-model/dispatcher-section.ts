// One dispatcher's section (one API key, one quota): its hold, its gauges, in flight against the
// ceiling, the retry budget, and its runs' cards.
import type { ClassSnapshot, DispatcherSnapshot } from '../../core/dispatch/snapshot';
import type { ClassRowModel, DispatcherModel, ParticipantRowModel } from '../protocol';
import { cooldownText, holdSeverity, holdText } from './holds';
import { gaugesOf, inFlightMeter } from './meters';
import { runModel } from './run-card';
import { isLive } from './run-state';
import { dispatcherSeverity, worst } from './severity';
import { sentence } from './text';

/**
 * The retry budget as it is: what is available now, and how it refills. Not "N / perMinute": a
 * busy dispatcher also earns a share of its traffic, so 55 available against 30/min is no overflow.
 */
function retryBudgetCaption(budget: DispatcherSnapshot['retryBudget']): string {
  const share = Math.round(budget.ratio * 100);
  return `retry budget: ${budget.available} available (${budget.perMinute}/min${share > 0 ? ` + ${share}% of recent requests` : ''})`;
}

function classRow(c: ClassSnapshot, now: number): ClassRowModel {
  return { modelClass: c.modelClass, inFlight: inFlightMeter(c), gauges: gaugesOf(c, now), detail: cooldownText(c.cooldownUntil, now) ?? '' };
}

/** Each class's participants, busiest first: how much of the class's limits each took, against its share. */
function participantRows(classes: readonly ClassSnapshot[]): ParticipantRowModel[] {
  const percent = (x: number) => `${Math.round(x * 100)}%`;
  return classes.flatMap((c) =>
    (c.participants ?? []).map((p) => ({
      id: `${c.modelClass}\n${p.name}`,
      modelClass: c.modelClass,
      name: p.name,
      text: `${percent(p.used)} of the limit${p.share !== undefined ? ` · share ${percent(p.share)}` : ''}`,
    })),
  );
}

/** `id` is unique on the page; `label` names the key for people and is already redacted. */
export function dispatcherModel(id: string, label: string, snapshot: DispatcherSnapshot, now: number, simulated = false): DispatcherModel {
  const live = snapshot.runs.some((r) => isLive(r.state));
  return {
    id,
    label,
    // The status bar's verdict (live runs only, so a finished dispatcher stops alarming), plus its hold.
    severity: worst(dispatcherSeverity(snapshot), live ? holdSeverity(snapshot.hold) : 'ok'),
    stateText: holdText(snapshot),
    detail: sentence([snapshot.holdDetail, cooldownText(snapshot.cooldownUntil, now)]),
    inFlight: inFlightMeter(snapshot),
    caption: retryBudgetCaption(snapshot.retryBudget),
    gauges: gaugesOf(snapshot, now),
    classes: snapshot.classes.length > 1 ? snapshot.classes.map((c) => classRow(c, now)) : [],
    participants: participantRows(snapshot.classes),
    runs: snapshot.runs.map((r) => runModel(r, snapshot, now, simulated)),
    simulated,
  };
}
