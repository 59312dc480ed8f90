// The dashboard's contract, both ways: the one file the extension host and the webview share — the
// messages, and the model the host draws with (built in ./view-model, laid out by media/dashboard).
// Types only, besides the message guard: no `vscode`, no Node, nothing the page must not bundle.
// The model is plain JSON, already formatted for display; it never holds an API key.
import type { RunState } from '../core/dispatch/snapshot';

export type RunAction = 'pause' | 'resume' | 'stop';

export type Severity = 'ok' | 'warning' | 'error';

export type HostToWebview = { type: 'model'; model: DashboardModel };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'control'; action: RunAction; runId: string }
  /** Open the run's input file at `line` (1-based). The host knows the file: the webview never sends paths. */
  | { type: 'openLocation'; runId: string; line: number };

// ── The model ──────────────────────────────────────────────────────────────

export interface MeterMarker {
  kind: 'soft' | 'hard';
  /** Position from the left, 0..100. */
  percent: number;
  label: string;
}

/** One horizontal gauge; `percent` undefined means there is no limit to draw against (text only). */
export interface MeterModel {
  id: string;
  label: string;
  /** e.g. "41k / 400k". */
  text: string;
  percent: number | undefined;
  /** A second, lighter segment after the first (spend reserved for requests in flight). */
  extraPercent?: number;
  markers: MeterMarker[];
  /** Small print under the gauge: floors, reset time. */
  caption: string;
  severity: Severity;
  /** For `role="meter"`: raw numbers and a sentence a screen reader can say. */
  aria: { now: number; min: number; max: number; text: string };
}

export interface RunErrorModel {
  line: number;
  where: string;
  customId: string;
  message: string;
}

export interface RunStat {
  label: string;
  value: string;
  severity: Severity;
}

export interface RunModel {
  id: string;
  label: string;
  /** Empty for normal priority: only the unusual is worth the space. */
  priorityText: string;
  state: RunState;
  stateText: string;
  /** The state alone (paused is fine even when the spend is near its cap): colours the state words. */
  stateSeverity: Severity;
  /** A codicon name. */
  stateIcon: string;
  detail: string;
  severity: Severity;
  active: boolean;
  progress: { percent: number; text: string; caption: string };
  stats: RunStat[];
  spend: MeterModel;
  errors: RunErrorModel[];
  errorsCaption: string;
  controls: Record<RunAction, boolean>;
}

/** One model class's row of gauges: each class has its own buckets and in-flight window. */
export interface ClassRowModel {
  modelClass: string;
  inFlight: MeterModel;
  gauges: MeterModel[];
  /** Its pause after a 429/529, while it lasts ('' otherwise). */
  detail: string;
}

export interface DispatcherModel {
  id: string;
  label: string;
  severity: Severity;
  stateText: string;
  detail: string;
  inFlight: MeterModel;
  /** Why the ceiling is what it is, and the retry budget. */
  caption: string;
  gauges: MeterModel[];
  /** One row per model class once more than one is in use (then `inFlight` and `gauges` are not shown). */
  classes: ClassRowModel[];
  /** With a shared quota (Redis): who draws on each class and how much, against their shares. */
  participants: ParticipantRowModel[];
  runs: RunModel[];
}

export interface ParticipantRowModel {
  id: string;
  modelClass: string;
  name: string;
  /** e.g. "24% of the limit · share 25%". */
  text: string;
}

export interface ChartModel {
  windowText: string;
  /** Line segments (broken where samples are missing), points in 0..1 (x: old→now, y: bottom→top). */
  rps: Array<Array<[number, number]>>;
  share: Array<Array<[number, number]>>;
  /** Where the tightest bucket's soft floor sits on the share scale (0..1). */
  softFloorY: number | undefined;
  rpsScaleText: string;
  rpsNowText: string;
  shareNowText: string;
  /** What the chart says, for screen readers. */
  summary: string;
}

/** One file's Message Batches: a progress bar and the counts per state. */
export interface BatchRowModel {
  id: string;
  name: string;
  done: number;
  total: number;
  /** "2 batches · 90 succeeded · 8 errored · … · expires in 24 h", or "ended — …". */
  detail: string;
  ended: boolean;
}

export interface DashboardModel {
  generatedAt: number;
  severity: Severity;
  summary: string;
  daily: { spend: MeterModel; tokens: MeterModel };
  chart: ChartModel;
  dispatchers: DispatcherModel[];
  batches: BatchRowModel[];
}

// ── Guarding what the page sends ───────────────────────────────────────────

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
