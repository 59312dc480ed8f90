// What the dashboard draws, computed from the dispatchers' snapshots in plain Node (no `vscode`), so
// every number, percentage and severity is unit-tested here and the webview only lays it out.
// The model is plain JSON, already formatted for display. It never holds an API key: dispatchers are
// named by a label the caller has already redacted.
import { batchRows, type BatchRowModel, type BatchStatusInput } from './batch-status';
import type { DispatcherSnapshot, RunSnapshot, RunState } from '../../core/dispatch/snapshot';
import { TERMINAL_STATES } from '../../core/dispatch/snapshot';
import type { DimensionView } from '../../core/limits/quota-model';
import type { Dimension } from '../../core/limits/rate-limit-headers';
import type { SpendView } from '../../core/spend/spend-ledger';
import { tightestTokenDimension } from '../../core/dispatch/tightest-dimension';
import { stateWords } from '../../core/dispatch/state-words';
import { formatCount, formatDuration, formatUsd } from '../../core/format';
import { dimensionSeverity, dispatcherSeverity, runSeverity, spendSeverity, worst, type Severity } from './severity';

export type { Severity };

// ── Input ──────────────────────────────────────────────────────────────────

export interface HistorySample {
  at: number;
  requestsPerSecond: number;
  /** Remaining share (0..1) of the tightest token bucket, when any bucket is known. */
  remainingShare?: number;
}

export interface DashboardInput {
  /** `key` names the dispatcher for people (e.g. 'API key …a1b2', 'simulated'): already redacted. */
  snapshots: Array<{ key: string; snapshot: DispatcherSnapshot }>;
  daily: { spentUsd: number; budgetUsd?: number; tokens: number; tokenBudget?: number };
  history: HistorySample[];
  /** Message Batches being polled (or ended this session), per file. */
  batches?: BatchStatusInput[];
  now: number;
}

// ── Output ─────────────────────────────────────────────────────────────────

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
  controls: { pause: boolean; resume: boolean; stop: boolean };
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
  runs: RunModel[];
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

export interface DashboardModel {
  generatedAt: number;
  severity: Severity;
  summary: string;
  daily: { spend: MeterModel; tokens: MeterModel };
  chart: ChartModel;
  dispatchers: DispatcherModel[];
  batches: BatchRowModel[];
}

// ── Thresholds ─────────────────────────────────────────────────────────────
// Shared with the status bar (./severity), so the two never disagree about a run or a bucket.

export const CHART_WINDOW_MS = 5 * 60_000;
/** A gap this long between two samples breaks the chart's line instead of bridging it. */
const CHART_GAP_MS = 15_000;
const SHOWN_ERRORS = 10;

/** What a state says by itself; a run's severity adds its spend (see `runSeverity`). */
const STATE_SEVERITY: Record<RunState, Severity> = {
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

const STATE_ICONS: Record<RunState, string> = {
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

// ── Formatting helpers ─────────────────────────────────────────────────────

/** Exact counts with thousands separators, independent of the machine's locale. */
function exact(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A share as a gauge position: 0..100, one decimal, never NaN. */
export function percentOf(value: number, limit: number): number {
  if (!(limit > 0) || !Number.isFinite(value)) return 0;
  return Math.round(Math.min(100, Math.max(0, (value / limit) * 100)) * 10) / 10;
}

function untilText(at: number, now: number): string {
  const seconds = (at - now) / 1000;
  return seconds < 1 ? 'full' : `full in ${formatDuration(seconds)}`;
}

function sentence(parts: Array<string | undefined | false>): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join(' · ');
}

// ── Gauges ─────────────────────────────────────────────────────────────────

const GAUGE_ORDER: Array<{ dimension: Dimension; label: string; unit: string }> = [
  { dimension: 'requests', label: 'Requests', unit: 'requests' },
  { dimension: 'inputTokens', label: 'Input tokens', unit: 'input tokens' },
  { dimension: 'outputTokens', label: 'Output tokens', unit: 'output tokens' },
  { dimension: 'tokens', label: 'Tokens', unit: 'tokens' },
];

function dimensionGauge(dimension: Dimension, label: string, unit: string, view: DimensionView, now: number): MeterModel {
  const tokens = dimension !== 'requests';
  const markers: MeterMarker[] = [];
  if (tokens && view.softFloor > 0) markers.push({ kind: 'soft', percent: percentOf(view.softFloor, view.limit), label: `soft floor ${formatCount(view.softFloor)}` });
  if (tokens && view.hardFloor > 0) markers.push({ kind: 'hard', percent: percentOf(view.hardFloor, view.limit), label: `hard floor ${formatCount(view.hardFloor)}` });
  const reset = untilText(view.resetAt, now);
  const text = `${formatCount(view.remaining)} / ${formatCount(view.limit)}`;
  return {
    id: dimension,
    label,
    text,
    percent: percentOf(view.remaining, view.limit),
    markers,
    caption: sentence([...markers.map((m) => m.label), reset]),
    severity: tokens ? dimensionSeverity(view) : 'ok',
    aria: {
      now: view.remaining,
      min: 0,
      max: view.limit,
      text: `${text} ${unit} remaining${markers.length ? `, ${markers.map((m) => m.label).join(', ')}` : ''}, ${reset}`,
    },
  };
}

function gaugesOf(snapshot: DispatcherSnapshot, now: number): MeterModel[] {
  const out: MeterModel[] = [];
  for (const { dimension, label, unit } of GAUGE_ORDER) {
    const view = snapshot.dimensions[dimension];
    if (view) out.push(dimensionGauge(dimension, label, unit, view, now));
  }
  return out;
}

/** Spend or tokens against an optional cap. */
function capMeter(id: string, label: string, used: number, cap: number | undefined, format: (n: number) => string, reserved = 0): MeterModel {
  // Judged on what is spent plus what is held for requests in flight, as the status bar judges it.
  const severity = spendSeverity(used + reserved, cap);
  const reservedText = reserved > 0 ? `${format(reserved)} reserved in flight` : undefined;
  if (cap === undefined) {
    return {
      id, label, text: format(used), percent: undefined, markers: [], severity,
      caption: sentence(['no cap', reservedText]),
      aria: { now: used, min: 0, max: used, text: `${format(used)} ${label.toLowerCase()}, no cap` },
    };
  }
  const percent = percentOf(used, cap);
  const text = `${format(used)} / ${format(cap)}`;
  return {
    id, label, text, percent, severity,
    extraPercent: reserved > 0 ? Math.max(0, Math.round((percentOf(used + reserved, cap) - percent) * 10) / 10) : undefined,
    markers: [],
    caption: sentence([`${Math.floor(percent)}% of cap`, reservedText]),
    aria: { now: used, min: 0, max: cap, text: `${text} ${label.toLowerCase()}, ${Math.floor(percent)}% of cap` },
  };
}

// ── Runs ───────────────────────────────────────────────────────────────────

function runSpend(spend: SpendView, state: RunState): MeterModel {
  const meter = capMeter('spend', 'Run spend', spend.spentUsd, spend.capUsd, formatUsd, spend.reservedUsd);
  // The dispatcher stops a run before the next request would cross the cap, often a few cents short
  // of it: the cap is reached all the same.
  return state === 'budget-reached' ? { ...meter, severity: 'error' } : meter;
}

/** Hold sentences are the dispatcher's: shown once on its section, not repeated on every run. */
function runDetail(run: RunSnapshot, holdDetail: string | undefined): string {
  if (!run.detail) return '';
  const holdState = run.state === 'holding' || run.state === 'hard-stopped' || run.state === 'cooling-down';
  return holdState && run.detail === holdDetail ? '' : run.detail;
}

function runModel(run: RunSnapshot, snapshot: DispatcherSnapshot, now: number): RunModel {
  const active = !TERMINAL_STATES.has(run.state);
  const done = run.succeeded + run.errored;
  const spend = runSpend(run.spend, run.state);
  const ceiling = snapshot.ceiling;
  const stateSeverity = STATE_SEVERITY[run.state];
  const elapsed = ((run.endedAt ?? now) - run.startedAt) / 1000;
  const errors = run.recentErrors.slice(-SHOWN_ERRORS).reverse().map((e) => ({
    line: e.line,
    where: `line ${e.line}`,
    customId: e.customId,
    message: e.message,
  }));
  return {
    id: run.id,
    label: run.label,
    priorityText: run.priority === 'normal' ? '' : `${run.priority} priority`,
    state: run.state,
    stateText: stateWords(run.state),
    stateSeverity,
    stateIcon: STATE_ICONS[run.state],
    detail: runDetail(run, snapshot.holdDetail),
    severity: worst(stateSeverity, runSeverity(run), spend.severity),
    active,
    progress: {
      percent: run.total > 0 ? percentOf(done, run.total) : active ? 0 : 100,
      text: `${exact(done)} / ${exact(run.total)}`,
      caption: sentence([
        `${exact(run.succeeded)} succeeded`,
        run.errored > 0 && `${exact(run.errored)} errored`,
        run.resumed > 0 && `${exact(run.resumed)} done earlier`,
        !active && run.unsent > 0 && `${exact(run.unsent)} unsent`,
      ]),
    },
    stats: [
      { label: 'In flight', value: active ? `${run.inFlight} / ${ceiling}` : '–', severity: 'ok' },
      { label: 'Rate', value: `${run.requestsPerSecond.toFixed(1)} req/s`, severity: 'ok' },
      active
        ? { label: 'ETA', value: formatDuration(run.etaSeconds), severity: 'ok' }
        : { label: 'Took', value: formatDuration(elapsed), severity: 'ok' },
      { label: '429s', value: exact(run.rateLimited), severity: run.rateLimited > 0 ? 'warning' : 'ok' },
      { label: 'Retries', value: exact(run.retries), severity: 'ok' },
      ...(run.overloaded > 0 ? [{ label: 'Overloaded', value: exact(run.overloaded), severity: 'warning' as const }] : []),
    ],
    spend,
    errors,
    errorsCaption: run.errored > errors.length ? `latest ${errors.length} of ${exact(run.errored)} errors` : '',
    controls: {
      pause: active && run.state !== 'paused' && run.state !== 'stopping',
      resume: run.state === 'paused',
      stop: active && run.state !== 'stopping',
    },
  };
}

// ── Dispatchers ────────────────────────────────────────────────────────────

function holdText(snapshot: DispatcherSnapshot): string {
  switch (snapshot.hold) {
    case 'soft': return stateWords('holding');
    case 'hard': return stateWords('hard-stopped');
    case 'cooldown': return stateWords('cooling-down');
    default: return snapshot.runs.some((r) => !TERMINAL_STATES.has(r.state)) ? 'dispatching' : 'idle';
  }
}

function holdSeverity(hold: DispatcherSnapshot['hold']): Severity {
  return hold === 'hard' ? 'error' : hold ? 'warning' : 'ok';
}

function dispatcherModel(id: string, key: string, snapshot: DispatcherSnapshot, now: number): DispatcherModel {
  const gauges = gaugesOf(snapshot, now);
  const cooldown = snapshot.cooldownUntil !== undefined && snapshot.cooldownUntil > now
    ? `new requests resume in ${formatDuration((snapshot.cooldownUntil - now) / 1000)}`
    : undefined;
  const inFlightText = `${snapshot.inFlight} / ${snapshot.ceiling}`;
  const active = snapshot.runs.some((r) => !TERMINAL_STATES.has(r.state));
  return {
    id,
    label: key,
    // The status bar's verdict (live runs only, so a finished dispatcher stops alarming), plus its hold.
    severity: worst(dispatcherSeverity(snapshot), active ? holdSeverity(snapshot.hold) : 'ok'),
    stateText: holdText(snapshot),
    detail: sentence([snapshot.holdDetail, cooldown]),
    inFlight: {
      id: 'inFlight',
      label: 'In flight',
      text: inFlightText,
      percent: percentOf(snapshot.inFlight, snapshot.ceiling),
      markers: [],
      caption: `ceiling: ${snapshot.ceilingReason}`,
      severity: 'ok',
      aria: { now: snapshot.inFlight, min: 0, max: Math.max(snapshot.ceiling, snapshot.inFlight), text: `${inFlightText} requests in flight` },
    },
    caption: retryBudgetCaption(snapshot.retryBudget),
    gauges,
    runs: snapshot.runs.map((r) => runModel(r, snapshot, now)),
  };
}

/**
 * The retry budget as it is: what is available now, and how it refills. Not "N / perMinute": a
 * busy dispatcher also earns a share of its traffic, so 55 available against 30/min is no overflow.
 */
function retryBudgetCaption(budget: DispatcherSnapshot['retryBudget']): string {
  const share = Math.round(budget.ratio * 100);
  return `retry budget: ${budget.available} available (${budget.perMinute}/min${share > 0 ? ` + ${share}% of recent requests` : ''})`;
}

/** DOM ids come from labels: two dispatchers with the same label still get distinct ids. */
function uniqueIds(keys: string[]): string[] {
  const seen = new Map<string, number>();
  return keys.map((k) => {
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return n === 1 ? k : `${k}#${n}`;
  });
}

// ── Chart ──────────────────────────────────────────────────────────────────

/** 1, 2 or 5 × 10ⁿ at or above `x`: an axis top people can read. */
function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(x));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= x) return step * magnitude;
  return 10 * magnitude;
}

function segments(samples: HistorySample[], from: number, pick: (s: HistorySample) => number | undefined): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  let current: Array<[number, number]> = [];
  let lastAt = Number.NEGATIVE_INFINITY;
  for (const s of samples) {
    const y = pick(s);
    if (y === undefined || !Number.isFinite(y) || s.at - lastAt > CHART_GAP_MS) {
      if (current.length) out.push(current);
      current = [];
    }
    if (y !== undefined && Number.isFinite(y)) {
      const x = Math.round(((s.at - from) / CHART_WINDOW_MS) * 1000) / 1000;
      current.push([x, Math.round(Math.min(1, Math.max(0, y)) * 1000) / 1000]);
    }
    lastAt = s.at;
  }
  if (current.length) out.push(current);
  return out;
}

function chartModel(history: HistorySample[], snapshots: DispatcherSnapshot[], now: number): ChartModel {
  const from = now - CHART_WINDOW_MS;
  const samples = history.filter((s) => s.at >= from && s.at <= now).sort((a, b) => a.at - b.at);
  const top = niceCeil(Math.max(0, ...samples.map((s) => s.requestsPerSecond)));
  const last = samples[samples.length - 1];
  let tightest: { share: number; soft: number } | undefined;
  for (const snapshot of snapshots) {
    const t = tightestTokenDimension(snapshot);
    if (!t || !(t.view.limit > 0)) continue;
    const share = t.view.remaining / t.view.limit;
    if (!tightest || share < tightest.share) tightest = { share, soft: t.view.softFloor / t.view.limit };
  }
  const rpsNowText = last ? `${last.requestsPerSecond.toFixed(1)} req/s` : '–';
  const shareNowText = last?.remainingShare !== undefined ? `${Math.round(last.remainingShare * 100)}% left` : '–';
  return {
    windowText: `${Math.round(CHART_WINDOW_MS / 60_000)} min ago`,
    rps: segments(samples, from, (s) => s.requestsPerSecond / top),
    share: segments(samples, from, (s) => s.remainingShare),
    softFloorY: tightest && Math.round(tightest.soft * 1000) / 1000,
    rpsScaleText: `${top} req/s`,
    rpsNowText,
    shareNowText,
    summary: samples.length
      ? `Throughput now ${rpsNowText}, peak ${Math.max(...samples.map((s) => s.requestsPerSecond)).toFixed(1)} req/s; tightest token bucket ${shareNowText}.`
      : 'No throughput recorded yet.',
  };
}

// ── The model ──────────────────────────────────────────────────────────────

function summaryOf(runs: RunModel[]): string {
  if (runs.length === 0) return 'No runs yet';
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.stateText, (counts.get(r.stateText) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(' · ');
}

export function toDashboardModel(input: DashboardInput): DashboardModel {
  const { now } = input;
  const ids = uniqueIds(input.snapshots.map((s) => s.key));
  const dispatchers = input.snapshots.map((s, i) => dispatcherModel(ids[i] ?? s.key, s.key, s.snapshot, now));
  const runs = dispatchers.flatMap((d) => d.runs);
  const daily = {
    spend: capMeter('dailySpend', 'Spend today', input.daily.spentUsd, input.daily.budgetUsd, formatUsd),
    tokens: capMeter('dailyTokens', 'Tokens today', input.daily.tokens, input.daily.tokenBudget, formatCount),
  };
  return {
    generatedAt: now,
    // Like the status bar: today's budgets and the live dispatchers. A run that ended badly stays red
    // on its own card without keeping the whole page in alarm.
    severity: worst(daily.spend.severity, daily.tokens.severity, ...dispatchers.map((d) => d.severity)),
    summary: summaryOf(runs),
    daily,
    chart: chartModel(input.history, input.snapshots.map((s) => s.snapshot), now),
    dispatchers,
    batches: batchRows(input.batches ?? [], now),
  };
}

// ── History ────────────────────────────────────────────────────────────────

/** One chart sample from every dispatcher: total throughput, and the tightest bucket anywhere. */
export function sampleOf(snapshots: readonly DispatcherSnapshot[], at: number): HistorySample {
  let requestsPerSecond = 0;
  let remainingShare: number | undefined;
  for (const snapshot of snapshots) {
    for (const run of snapshot.runs) if (!TERMINAL_STATES.has(run.state)) requestsPerSecond += run.requestsPerSecond;
    const t = tightestTokenDimension(snapshot);
    if (t && t.view.limit > 0) {
      const share = t.view.remaining / t.view.limit;
      remainingShare = remainingShare === undefined ? share : Math.min(remainingShare, share);
    }
  }
  return remainingShare === undefined ? { at, requestsPerSecond } : { at, requestsPerSecond, remainingShare };
}

export interface HistoryOptions {
  /** How far back samples are kept. */
  windowMs?: number;
  /** Samples closer than this replace the newest one, so the buffer's size follows time, not update rate. */
  minIntervalMs?: number;
  /** A hard bound whatever the clock does. */
  maxSamples?: number;
}

/** The chart's memory: the last few minutes of samples, bounded in count and age. */
export class HistoryBuffer {
  private readonly samples: HistorySample[] = [];
  private readonly windowMs: number;
  private readonly minIntervalMs: number;
  private readonly maxSamples: number;

  constructor(options: HistoryOptions = {}) {
    this.windowMs = options.windowMs ?? CHART_WINDOW_MS;
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
    this.maxSamples = options.maxSamples ?? 2 * Math.ceil(this.windowMs / Math.max(1, this.minIntervalMs)) + 2;
  }

  get size(): number {
    return this.samples.length;
  }

  push(sample: HistorySample): void {
    const last = this.samples[this.samples.length - 1];
    if (last && sample.at < last.at) return; // out of order: the chart only moves forward
    const beforeLast = this.samples[this.samples.length - 2];
    // Keep the newest reading fresh without adding a point per update: it is replaced until it
    // lies `minIntervalMs` past the one before it, and only then does a new point start.
    if (last && beforeLast && last.at - beforeLast.at < this.minIntervalMs) this.samples[this.samples.length - 1] = { ...sample };
    else this.samples.push({ ...sample });
    this.trim(sample.at);
  }

  record(snapshots: readonly DispatcherSnapshot[], at: number): void {
    this.push(sampleOf(snapshots, at));
  }

  /** Samples within the window ending at `now` (a copy). */
  toArray(now?: number): HistorySample[] {
    const from = (now ?? this.samples[this.samples.length - 1]?.at ?? 0) - this.windowMs;
    return this.samples.filter((s) => s.at >= from).map((s) => ({ ...s }));
  }

  clear(): void {
    this.samples.length = 0;
  }

  private trim(now: number): void {
    const from = now - this.windowMs;
    let drop = 0;
    while (drop < this.samples.length && (this.samples[drop]?.at ?? 0) < from) drop++;
    drop = Math.max(drop, this.samples.length - this.maxSamples);
    if (drop > 0) this.samples.splice(0, drop);
  }
}
