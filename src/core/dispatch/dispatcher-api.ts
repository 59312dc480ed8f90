// The dispatcher's face to its callers: what it is built from (with the defaults filled in from
// core/config.ts, the one place they live) and what it tells its listeners.
import { systemClock, type Clock } from '../types';
import { DEFAULTS } from '../config';
import { requestTimeoutMs } from '../client/messages-client';
import type { TierLimits } from '../tiers';
import type { ModelClasses } from '../models/model-class';
import type { MessagesClient } from '../client/messages-client';
import type { FloorSpec } from '../limits/floors';
import type { SharedCoordinator } from '../coordination/coordinator';
import type { CeilingDecision } from './in-flight-ceiling';
import type { DispatcherSnapshot, RunState } from './snapshot';

export interface FallbackOptions {
  /** Model → the models to try instead, in order. */
  chains: ReadonlyMap<string, readonly string[]>;
  afterMs: number;
}

export interface DispatcherOptions {
  client: MessagesClient;
  clock?: Clock;
  /** Jitter source, injectable for deterministic tests. */
  random?: () => number;
  /** A number, or 'auto' (Little's law). */
  maxInFlight?: number | 'auto';
  /** The most 'auto' may choose. */
  maxInFlightCap?: number;
  softFloor?: FloorSpec;
  hardFloor?: FloorSpec;
  /** First guess at the limits (of every model class) before a response brings the real ones. */
  initialLimits?: TierLimits;
  /** Which buckets each model draws on (default: the built-in table, models/model-class.ts). */
  modelClasses?: ModelClasses;
  /**
   * Fallback chains (opt-in): a line whose model is a key may go to the next model of its chain
   * whose class has room, once its own class has held lines back for `afterMs` or answers 529
   * repeatedly. Lines of other models never move.
   */
  fallback?: FallbackOptions;
  maxAttempts?: number;
  retryBudgetPerMinute?: number;
  /** Retries earned per fresh request on top of the per-minute floor. */
  retryBudgetRatio?: number;
  /** Per-request timeout for a request of this max_tokens. */
  timeoutMs?: (maxTokens: number) => number;
  /** How often snapshots are emitted at most. */
  snapshotIntervalMs?: number;
  /**
   * One quota shared with other processes and machines (Redis). Without it this dispatcher
   * coordinates only the runs it owns, from its own headers.
   */
  coordinator?: SharedCoordinator;
}

/** Every option settled: the caller's, else the default. */
export function withDefaults(options: DispatcherOptions) {
  return {
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    maxInFlight: options.maxInFlight ?? DEFAULTS.maxInFlight,
    maxInFlightCap: options.maxInFlightCap ?? DEFAULTS.maxInFlightCap,
    softFloor: options.softFloor ?? DEFAULTS.softFloor,
    hardFloor: options.hardFloor ?? DEFAULTS.hardFloor,
    maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
    retryBudgetPerMinute: options.retryBudgetPerMinute ?? DEFAULTS.retryBudgetPerMinute,
    retryBudgetRatio: options.retryBudgetRatio ?? DEFAULTS.retryBudgetRatio,
    timeoutMs: options.timeoutMs ?? requestTimeoutMs,
    snapshotIntervalMs: options.snapshotIntervalMs ?? 250,
  };
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  message: string;
  runId?: string;
}

export interface RetryEvent {
  runId: string;
  customId: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export type DispatcherEvents = {
  log: [LogEntry];
  snapshot: [DispatcherSnapshot];
  state: [runId: string, state: RunState, detail: string | undefined];
  retry: [RetryEvent];
  ceiling: [CeilingDecision];
};
