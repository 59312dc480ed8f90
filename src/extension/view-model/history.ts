// The chart's memory: what the host keeps between models, the one stateful part of the view-model.
import type { DispatcherSnapshot } from '../../core/dispatch/snapshot';
import { tightestTokenDimension } from '../../core/dispatch/tightest-dimension';
import { isLive } from './run-state';

/** How far back the chart looks, and so how long samples are kept. */
export const CHART_WINDOW_MS = 5 * 60_000;

export interface HistorySample {
  at: number;
  requestsPerSecond: number;
  /** Remaining share (0..1) of the tightest token bucket, when any bucket is known. */
  remainingShare?: number;
}

/** One chart sample from every dispatcher: total throughput, and the tightest bucket anywhere. */
export function sampleOf(snapshots: readonly DispatcherSnapshot[], at: number): HistorySample {
  let requestsPerSecond = 0;
  let remainingShare: number | undefined;
  for (const snapshot of snapshots) {
    for (const run of snapshot.runs) if (isLive(run.state)) requestsPerSecond += run.requestsPerSecond;
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

/** The last few minutes of samples, bounded in count and age. */
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
