// What a run's finished requests add up to: successes and errors, the rate limits and overloads it
// met, its retries, the lines a fallback model answered, its last few errors and its pace, and the
// summary and snapshot made of them with the run's own state. Apart from the Run so its file keeps
// its state, its spend and its control; these counts only go up, through a method named for what happened.
import type { ResultError } from '../types';
import { RateMeter } from './rate-meter';
import type { RunErrorEntry, RunSnapshot } from './snapshot';
import type { PendingItem } from './run-queue';
import type { Run } from './run';
import type { RunSummary } from './run-api';

const RECENT_ERRORS = 50;

export class RunProgress {
  private readonly counts = { succeeded: 0, errored: 0, rateLimited: 0, overloaded: 0, retries: 0 };
  /** Lines answered by a fallback model, by `own → fallback`. */
  private readonly fallbacks = new Map<string, number>();
  private readonly meter = new RateMeter();
  private readonly recentErrors: RunErrorEntry[] = [];

  get succeeded(): number {
    return this.counts.succeeded;
  }

  get errored(): number {
    return this.counts.errored;
  }

  markRetry(): void {
    this.counts.retries++;
  }

  markRateLimited(): void {
    this.counts.rateLimited++;
  }

  markOverloaded(): void {
    this.counts.overloaded++;
  }

  recordSuccess(item: PendingItem, now: number): void {
    this.counts.succeeded++;
    this.countFallback(item);
    this.meter.record(now);
  }

  recordError(item: PendingItem, error: ResultError, now: number): void {
    this.counts.errored++;
    this.countFallback(item);
    this.meter.record(now);
    this.recentErrors.push({ customId: item.request.customId, line: item.request.line, message: `${error.error.type}: ${error.error.message}` });
    if (this.recentErrors.length > RECENT_ERRORS) this.recentErrors.shift();
  }

  private countFallback(item: PendingItem): void {
    if (item.model === undefined) return;
    const key = `${item.request.params.model} → ${item.model}`;
    this.fallbacks.set(key, (this.fallbacks.get(key) ?? 0) + 1);
  }

  summary(run: Run): RunSummary {
    return {
      state: run.state,
      detail: run.detail,
      total: run.total,
      succeeded: run.succeeded,
      errored: run.errored,
      resumed: run.resumed,
      unsent: run.unsent,
      spentUsd: run.ledger.view().spentUsd,
      rateLimited: this.counts.rateLimited,
      retries: this.counts.retries,
    };
  }

  snapshot(run: Run, now: number): RunSnapshot {
    const rate = this.meter.perSecond(now, run.startedAt);
    const left = run.total - run.finishedCount;
    return {
      id: run.id,
      label: run.label,
      priority: run.priority,
      state: run.state,
      detail: run.detail,
      holdCause: run.holdCause,
      inFlight: run.inFlight,
      total: run.total,
      succeeded: run.succeeded,
      errored: run.errored,
      resumed: run.resumed,
      unsent: run.unsent,
      rateLimited: this.counts.rateLimited,
      overloaded: this.counts.overloaded,
      retries: this.counts.retries,
      requestsPerSecond: rate,
      etaSeconds: left === 0 ? 0 : rate > 0 && run.endedAt === undefined ? left / rate : undefined,
      spend: run.ledger.view(),
      recentErrors: [...this.recentErrors],
      ...(this.fallbacks.size ? { fallbacks: Object.fromEntries(this.fallbacks) } : {}),
      startedAt: run.startedAt,
      endedAt: run.endedAt,
    };
  }
}
