// What a run's state means on the dashboard, one table per fact: is it live, how severe is the state
// by itself, which codicon stands for it, which controls apply. The words are core's (state-words).
import { TERMINAL_STATES, type RunState } from '../../core/dispatch/snapshot';
import type { RunAction, Severity } from '../protocol';

/** Still going (or paused): it has a future, so it counts for throughput, ETA and alarms. */
export function isLive(state: RunState): boolean {
  return !TERMINAL_STATES.has(state);
}

/** What a state says by itself; a run's severity adds its spend (see `runSeverity`). */
export const STATE_SEVERITY: Readonly<Record<RunState, Severity>> = {
  running: 'ok',
  holding: 'warning',
  'hard-stopped': 'error',
  'cooling-down': 'warning',
  paused: 'ok',
  stopping: 'ok',
  'budget-reached': 'error',
  finished: 'ok',
  stopped: 'ok',
  aborted: 'warning',
  'api-stopped': 'error',
  failed: 'error',
};

/** Codicon names. */
export const STATE_ICONS: Readonly<Record<RunState, string>> = {
  running: 'play-circle',
  holding: 'watch',
  'hard-stopped': 'stop-circle',
  'cooling-down': 'clock',
  paused: 'debug-pause',
  stopping: 'loading',
  'budget-reached': 'credit-card',
  finished: 'pass',
  stopped: 'circle-slash',
  aborted: 'circle-slash',
  'api-stopped': 'error',
  failed: 'error',
};

/** Pause a live run that is not already paused or stopping; resume a paused one; stop any live one not already stopping. */
export function controlsFor(state: RunState): Record<RunAction, boolean> {
  const live = isLive(state);
  return {
    pause: live && state !== 'paused' && state !== 'stopping',
    resume: state === 'paused',
    stop: live && state !== 'stopping',
  };
}
