// The dashboard's messages, both ways: the one file the extension host and the webview share.
// No `vscode` import: the webview bundle includes this file.
import type { DashboardModel } from './view-model/dashboard-model';

export type RunAction = 'pause' | 'resume' | 'stop';

export type HostToWebview = { type: 'model'; model: DashboardModel };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'control'; action: RunAction; runId: string }
  /** Open the run's input file at `line` (1-based). The host knows the file: the webview never sends paths. */
  | { type: 'openLocation'; runId: string; line: number };

const ACTIONS: ReadonlySet<string> = new Set<RunAction>(['pause', 'resume', 'stop']);
/** Run ids are short (`run-12`); anything long is not one of ours. */
const MAX_ID_LENGTH = 200;

function isRunId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function hasOnly(record: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(record).every((k) => keys.includes(k));
}

/**
 * Whether a message from the webview is one we handle, field by field. The webview renders data
 * from files and API errors, so its messages are treated as untrusted input.
 */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return hasOnly(m, ['type']);
    case 'control':
      return hasOnly(m, ['type', 'action', 'runId']) && typeof m.action === 'string' && ACTIONS.has(m.action) && isRunId(m.runId);
    case 'openLocation':
      return hasOnly(m, ['type', 'runId', 'line']) && isRunId(m.runId) && Number.isSafeInteger(m.line) && (m.line as number) >= 1;
    default:
      return false;
  }
}
