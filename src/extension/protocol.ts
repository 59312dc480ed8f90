// The dashboard's contract, both ways: the one file the extension host and the webview share — the
// messages, and the model the host draws with (built in ./view-model, laid out by media/dashboard).
// Types only, besides the message guard: no `vscode`, no Node, nothing the page must not bundle.
// The model is plain JSON, already formatted for display; it never holds an API key.
import type { RunState } from '../core/dispatch/snapshot';

export type RunAction = 'pause' | 'resume' | 'stop';

export type Severity = 'ok' | 'warning' | 'error';

export type HostToWebview =
  | { type: 'model'; model: DashboardModel }
  // ── The results editor (one page per results file) ──
  /** The file's totals; sent on open and whenever the file grows. */
  | { type: 'results/totals'; totals: ResultsTotalsModel }
  /**
   * The rows the current query selects: `length` of them, in order. `generation` names this
   * selection; rows asked for under an older one are dropped. A grown file keeps the generation
   * when only rows were appended at the end of the file's own order, else it is a new one.
   */
  | { type: 'results/view'; generation: number; length: number; query: ResultsQueryModel }
  /** Rows `start`..`start + rows.length - 1` of the selection named by `generation`. */
  | { type: 'results/rows'; generation: number; start: number; rows: ResultRowModel[] }
  /** The detail of one row (by its `row`, the position in the file). */
  | { type: 'results/detail'; detail: ResultDetailModel }
  /** The file went away or cannot be read any more. */
  | { type: 'results/error'; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'control'; action: RunAction; runId: string }
  /** Open the run's input file at `line` (1-based). The host knows the file: the webview never sends paths. */
  | { type: 'openLocation'; runId: string; line: number }
  // ── The results editor ──
  | { type: 'results/query'; query: ResultsQueryModel }
  /** Ask for rows of the selection `generation` (at most MAX_ROWS_PER_REQUEST). */
  | { type: 'results/rows'; generation: number; start: number; count: number }
  | { type: 'results/detail'; row: number }
  /** Copy part of a row to the clipboard (the host reads it from the files: the page sends no text). */
  | { type: 'results/copy'; row: number; part: ResultsCopyPart }
  /** Open the input file at the request answered by this row. */
  | { type: 'results/openInput'; row: number }
  | { type: 'results/action'; action: ResultsAction }
  // ── The dashboard, again ──
  /** Open the results file of a run the dashboard shows (the host knows the file from the run's id). */
  | { type: 'openResults'; runId: string };

export type ResultsAction = 'rerunErrored' | 'submitErroredBatch' | 'exportCsv' | 'openAsText';
export type ResultsCopyPart = 'reply' | 'request' | 'error' | 'customId';

/** The most rows one `results/rows` request may ask for: the page holds a window, never the file. */
export const MAX_ROWS_PER_REQUEST = 500;

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
  /** A rehearsal's run: its spend is not real money (the spend meter already says so). */
  simulated: boolean;
  /** Whether to offer "Open results" (the run has ended and its results file can be opened). */
  canOpenResults: boolean;
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
  /** A rehearsal's dispatcher (the simulated API): nothing it spends is real money. */
  simulated: boolean;
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
  /** Runs remembered from before a reload, as finished cards built from their results files. */
  pastRuns: RunModel[];
  batches: BatchRowModel[];
}

// ── The results editor's model ─────────────────────────────────────────────

export type ResultStatusModel = 'succeeded' | 'errored' | 'canceled' | 'expired';
export type ResultsSortColumn = 'row' | 'customId' | 'status' | 'model' | 'inputTokens' | 'outputTokens' | 'costUsd' | 'latencyMs' | 'attempts';

export interface ResultsQueryModel {
  sort: ResultsSortColumn;
  descending: boolean;
  statuses: ResultStatusModel[];
  models: string[];
  search: string;
}

/** One table row, formatted for display. */
export interface ResultRowModel {
  /** Position in the file: the row's identity for detail, copy and openInput. */
  row: number;
  customId: string;
  status: ResultStatusModel;
  model: string;
  inputTokens: string;
  outputTokens: string;
  cost: string;
  latency: string;
  attempts: string;
  /** First line of the reply, or the error (type: message). */
  preview: string;
}

export interface ResultsTotalsModel {
  fileName: string;
  /** e.g. "1,204 results" */
  rowsText: string;
  counts: Record<ResultStatusModel, number>;
  /** e.g. "$3.28" — or "$3.28 simulated" for a rehearsal's file. */
  spendText: string;
  /** Some or all rows come from a rehearsal: their spend is not real money. */
  simulated: boolean;
  tokens: Array<{ label: string; value: string }>;
  latencyText: string;
  models: Array<{ model: string; rows: number }>;
  /** The last line is being written (a live run appends): the view follows. */
  growing: boolean;
  /** Lines that are not results, said plainly ('' when none). */
  warning: string;
  /** Whether the input file was found (for Re-run, Submit as batch and the request in the detail). */
  hasInput: boolean;
  /** Whether this workspace may start runs (trusted). */
  canRun: boolean;
}

export interface ReplyBlockModel {
  kind: 'text' | 'thinking' | 'tool_use' | 'tool_result' | 'other';
  /** e.g. "Text", "Thinking", "Tool use: get_weather". */
  title: string;
  body: string;
}

export interface ResultDetailModel {
  row: number;
  line: number;
  customId: string;
  status: ResultStatusModel;
  /** Label/value pairs: model (and fallback), usage, cost, latency, attempts, stop reason. */
  facts: Array<{ label: string; value: string }>;
  /** The request from the input file, pretty-printed; or why it is not shown. */
  request: { line: number; json: string } | { missing: string };
  reply: ReplyBlockModel[];
  /** For a failure: the error envelope, pretty-printed. */
  error: string | undefined;
}

// ── Guarding what the page sends ───────────────────────────────────────────

const ACTIONS: ReadonlySet<string> = new Set<RunAction>(['pause', 'resume', 'stop']);
/** Run ids are short (`run-12`); anything long is not one of ours. */
const MAX_ID_LENGTH = 200;

function isRunId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

const RESULTS_ACTIONS: ReadonlySet<string> = new Set<ResultsAction>(['rerunErrored', 'submitErroredBatch', 'exportCsv', 'openAsText']);
const COPY_PARTS: ReadonlySet<string> = new Set<ResultsCopyPart>(['reply', 'request', 'error', 'customId']);
const SORT_COLUMNS: ReadonlySet<string> = new Set<ResultsSortColumn>(['row', 'customId', 'status', 'model', 'inputTokens', 'outputTokens', 'costUsd', 'latencyMs', 'attempts']);
const STATUSES: ReadonlySet<string> = new Set<ResultStatusModel>(['succeeded', 'errored', 'canceled', 'expired']);
/** Searches and model names are short; a page sending megabytes is not ours. */
const MAX_TEXT_LENGTH = 1000;
const MAX_MODELS = 100;

function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isShortString(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TEXT_LENGTH;
}

function isResultsQuery(value: unknown): value is ResultsQueryModel {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const q = value as Record<string, unknown>;
  return (
    hasOnly(q, ['sort', 'descending', 'statuses', 'models', 'search']) &&
    typeof q.sort === 'string' && SORT_COLUMNS.has(q.sort) &&
    typeof q.descending === 'boolean' &&
    Array.isArray(q.statuses) && q.statuses.length <= STATUSES.size && q.statuses.every((s) => typeof s === 'string' && STATUSES.has(s)) &&
    Array.isArray(q.models) && q.models.length <= MAX_MODELS && q.models.every(isShortString) &&
    isShortString(q.search)
  );
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
    case 'results/query':
      return hasOnly(m, ['type', 'query']) && isResultsQuery(m.query);
    case 'results/rows':
      return (
        hasOnly(m, ['type', 'generation', 'start', 'count']) && isIndex(m.generation) && isIndex(m.start) &&
        isIndex(m.count) && (m.count as number) >= 1 && (m.count as number) <= MAX_ROWS_PER_REQUEST
      );
    case 'results/detail':
    case 'results/openInput':
      return hasOnly(m, ['type', 'row']) && isIndex(m.row);
    case 'results/copy':
      return hasOnly(m, ['type', 'row', 'part']) && isIndex(m.row) && typeof m.part === 'string' && COPY_PARTS.has(m.part);
    case 'results/action':
      return hasOnly(m, ['type', 'action']) && typeof m.action === 'string' && RESULTS_ACTIONS.has(m.action);
    case 'openResults':
      return hasOnly(m, ['type', 'runId']) && isRunId(m.runId);
    default:
      return false;
  }
}
