// How a run's state reads to people. One table so the CLI's progress line and the extension's
// dashboard and status bar never describe the same state in two ways.
import type { RunState } from './snapshot';

const STATE_WORDS: Record<RunState, string> = {
  running: 'running',
  holding: 'holding at soft floor',
  'hard-stopped': 'stopped at hard floor',
  'cooling-down': 'cooling down after 429/529 or no connection',
  paused: 'paused',
  stopping: 'stopping',
  'budget-reached': 'budget reached',
  finished: 'finished',
  stopped: 'stopped',
  aborted: 'aborted',
  'api-stopped': 'stopped by the API',
  failed: 'failed',
};

export function stateWords(state: RunState): string {
  return STATE_WORDS[state];
}
