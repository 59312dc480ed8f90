// What the fronts draw: one serialisable picture of the dispatcher and its runs. The CLI's progress
// line, the extension's status bar and its dashboard all render exactly this.
import type { Dimension, } from '../limits/rate-limit-headers';
import type { DimensionView } from '../limits/quota-model';
import type { SpendView } from '../spend/spend-ledger';
import type { Hold, HoldLevel } from './hold';
import type { ParticipantView } from '../coordination/coordinator';

export type Priority = 'high' | 'normal' | 'background';

export type RunState =
  | 'running'
  /** Waiting: a token bucket's projected remaining is under the soft floor (in-flight requests finish). */
  | 'holding'
  /** Full stop: a bucket fell under the hard floor; waiting until it refills past the soft floor. */
  | 'hard-stopped'
  /** A 429 paused every new dispatch until its retry-after. */
  | 'cooling-down'
  | 'paused'
  /** Graceful stop asked: in-flight requests are finishing. */
  | 'stopping'
  /** The next request would cross the spend cap: nothing more is sent. */
  | 'budget-reached'
  | 'finished'
  | 'stopped'
  | 'aborted'
  /** The API refused the key, the org hit its spend limit …: the whole run stopped at once. */
  | 'api-stopped'
  /** The input could not be read (e.g. changed since validation). */
  | 'failed';

export const TERMINAL_STATES: ReadonlySet<RunState> = new Set(['finished', 'stopped', 'aborted', 'api-stopped', 'failed', 'budget-reached']);

export interface RunErrorEntry {
  customId: string;
  line: number;
  message: string;
}

export interface RunSnapshot {
  id: string;
  label: string;
  priority: Priority;
  state: RunState;
  /** A sentence for humans: why it is holding, why it stopped. */
  detail: string | undefined;
  /**
   * The hold behind that sentence, as data: the dispatcher's hold while the run is holding,
   * hard-stopped or cooling down; the budget it reached when it is budget-reached.
   */
  holdCause: Hold | undefined;
  inFlight: number;
  /** Requests in this run (resumed ones excluded). */
  total: number;
  succeeded: number;
  errored: number;
  /** Already done in an earlier run of the same file (resume). */
  resumed: number;
  /** Lines not sent (yet): what a stop or the budget left for a later resume. */
  unsent: number;
  rateLimited: number;
  overloaded: number;
  retries: number;
  /** Completions per second over the last minute. */
  requestsPerSecond: number;
  etaSeconds: number | undefined;
  spend: SpendView;
  recentErrors: RunErrorEntry[];
  /** Lines answered by a fallback model, by `own → fallback` (absent: none). */
  fallbacks?: Record<string, number>;
  startedAt: number;
  endedAt: number | undefined;
}

/** One model class's buckets and in-flight window (each class has its own: models/model-class.ts). */
export interface ClassSnapshot {
  modelClass: string;
  inFlight: number;
  ceiling: number;
  ceilingReason: string;
  dimensions: Partial<Record<Dimension, DimensionView>>;
  cooldownUntil: number | undefined;
  /** With a shared quota (Redis): everyone who drew on this class lately, and their shares. */
  participants?: ParticipantView[];
}

export interface DispatcherSnapshot {
  at: number;
  /** Every class together. */
  inFlight: number;
  /** The sum of the classes' ceilings. */
  ceiling: number;
  /** The tightest class's. */
  ceilingReason: string;
  /** How hard the dispatcher holds now (its runs read holding, hard-stopped or cooling-down). */
  hold: HoldLevel | undefined;
  /** The hold in words (`describeHold(holdCause)`). */
  holdDetail: string | undefined;
  /** What the dispatcher waits for, as data; it may have no level (a spent retry budget holds no run back). */
  holdCause: Hold | undefined;
  /** The tightest class's buckets (the one nearest a floor): with one class in use, its buckets. */
  dimensions: Partial<Record<Dimension, DimensionView>>;
  /** Each model class in use, in the order first met. */
  classes: ClassSnapshot[];
  /** The class `dimensions` shows (undefined before the first line). */
  tightestClass: string | undefined;
  /**
   * The shared retry budget: `available` retries now, out of a budget refilled at `perMinute` plus
   * `ratio` of the fresh requests sent in about the last minute — so `available` may exceed `perMinute`.
   */
  retryBudget: { available: number; perMinute: number; ratio: number };
  /** The latest end of any class's pause after a push-back. */
  cooldownUntil: number | undefined;
  runs: RunSnapshot[];
}
