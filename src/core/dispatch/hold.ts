// A hold: why nothing new goes out right now, as data. Every cause the dispatcher can meet — a
// floor in its own picture of the buckets or in the shared quota, the pause after a 429/529, a
// participant's pause, the shared store being away, a budget, the retry budget — is one `Hold`,
// and `describeHold` is the only place that puts one into words. The log, the CLI and the
// dashboard all read those words; whoever needs to know whether two holds are the same compares
// `holdKey`s, never sentences.
import type { Dimension } from '../limits/rate-limit-headers';
import type { AdmitDecision, DimensionView } from '../limits/quota-model';
import { formatCount, formatUsd } from '../format';
import type { RunState } from './snapshot';
import { DIMENSION_LABELS } from './tightest-dimension';

/**
 * What slows every new request down: the API pushed back with a 429 (an empty bucket) or a 529 (an
 * overload), or it could not be reached at all (no connection: every request would fail the same way).
 */
export type PushbackCause = 'rate-limited' | 'overloaded' | 'unreachable';

/**
 * Whose picture of the buckets said no: this dispatcher's own model, the shared quota (Redis), or
 * the shared coordinator running on this process's limits only (the store is away, and the user
 * allowed that).
 */
type QuotaSource = 'own' | 'shared' | 'local-only';

/** A bucket as it stood when a floor held: what the log and the dashboard show beside it. */
interface BucketAtHold {
  remaining: number;
  limit: number;
  /** The floor that held (the soft or the hard one). */
  floor: number;
}

/**
 * The model class whose buckets hold (models/model-class.ts), named once a dispatcher sends to
 * more than one: each class has its own buckets, and its holds keep only its own lines waiting.
 */
interface OfClass {
  modelClass?: string;
}

export type Hold =
  /** The next request would take a bucket under its soft floor, or one is under its hard floor. */
  | ({ kind: 'soft-floor' | 'hard-floor'; quota: QuotaSource; dimension: Dimension; waitMs: number; bucket?: BucketAtHold } & OfClass)
  /** A 429/529 paused every new request for `waitMs` (from when it was seen): ours, or one a participant of the shared quota met. */
  | ({ kind: 'cooldown'; cause: PushbackCause | 'shared'; waitMs: number } & OfClass)
  /** After such a pause one request went out first; the rest wait for the API to accept it. */
  | ({ kind: 'probe'; cause: PushbackCause } & OfClass)
  /** The run's own share of its class's buckets (`--max-share`) is spent: that run waits, others go on. */
  /** `participant`: held across every process under that name (Redis); else this run alone. */
  | ({ kind: 'share'; share: number; participant?: string; dimension: Dimension; waitMs: number } & OfClass)
  /** Another participant of the shared quota paused every participant. */
  | { kind: 'paused' }
  /** The shared store cannot be reached, and running on local limits was not allowed. */
  | { kind: 'shared-unavailable'; detail: string }
  /** A shared budget is full until the requests in flight settle. */
  | { kind: 'spend-settling'; label: string }
  /** The retry budget is spent: due retries wait (fresh lines still go). */
  | { kind: 'retry-budget'; waitMs: number }
  /**
   * A run's next request would cross its spend cap or a budget (`shared`: the shared quota's
   * daily budget). Not the dispatcher's hold but the run's end: that run is budget-reached.
   */
  | { kind: 'spend-cap'; label: string; shared: boolean; model: string; worstCaseUsd: number | null; worstCaseTokens: number };

export type HoldKind = Hold['kind'];

/** Our own quota model said no: the floor it would cross, with the bucket as it stands (when it has seen one). */
export function floorHold(refusal: Extract<AdmitDecision, { ok: false }>, view: DimensionView | undefined): Hold {
  const bucket = view && { remaining: view.remaining, limit: view.limit, floor: refusal.hold === 'hard' ? view.hardFloor : view.softFloor };
  return { kind: refusal.hold === 'hard' ? 'hard-floor' : 'soft-floor', quota: 'own', dimension: refusal.dimension, waitMs: refusal.waitMs, ...(bucket ? { bucket } : {}) };
}

/**
 * How hard a hold is, in the three words the snapshot has always used (`DispatcherSnapshot.hold`):
 * a soft wait, a full stop, or a cool-down. The retry budget and a spend cap hold no run back, so
 * they have no level: the runs keep running (or end).
 */
export type HoldLevel = 'soft' | 'hard' | 'cooldown';

const LEVELS: Record<HoldKind, HoldLevel | undefined> = {
  'soft-floor': 'soft',
  'hard-floor': 'hard',
  cooldown: 'cooldown',
  probe: 'cooldown',
  share: 'soft',
  paused: 'soft',
  'shared-unavailable': 'hard',
  'spend-settling': 'soft',
  'retry-budget': undefined,
  'spend-cap': undefined,
};

export function holdLevel(hold: Hold | undefined): HoldLevel | undefined {
  return hold && LEVELS[hold.kind];
}

/** The state a dispatcher's hold puts its live runs in. */
export const HOLD_RUN_STATES: Readonly<Record<HoldLevel, RunState>> = {
  soft: 'holding',
  hard: 'hard-stopped',
  cooldown: 'cooling-down',
};

export function pushbackWords(cause: PushbackCause): string {
  if (cause === 'unreachable') return 'no connection to the API';
  return cause === 'rate-limited' ? 'a 429 (rate limited)' : 'a 529 (overloaded)';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const QUOTA_WORDS: Record<QuotaSource, string> = { own: '', shared: ' (shared quota)', 'local-only': ' (local limits only)' };

/** The hold in one sentence, as the log, the CLI and the dashboard say it. Pure. */
export function describeHold(hold: Hold): string {
  const sentence = holdSentence(hold);
  return 'modelClass' in hold && hold.modelClass !== undefined ? `${hold.modelClass}: ${sentence}` : sentence;
}

function holdSentence(hold: Hold): string {
  switch (hold.kind) {
    case 'soft-floor':
    case 'hard-floor': {
      const level = hold.kind === 'hard-floor' ? 'hard' : 'soft';
      const b = hold.bucket;
      return `${level === 'hard' ? 'stopped at hard floor' : 'holding at soft floor'}${QUOTA_WORDS[hold.quota]}: ${DIMENSION_LABELS[hold.dimension]}` +
        `${b ? ` ${formatCount(b.remaining)} of ${formatCount(b.limit)} left, ${level} floor ${formatCount(b.floor)}` : ''}; refilling for ${seconds(hold.waitMs)}`;
    }
    case 'cooldown':
      return `${hold.cause === 'shared' ? 'a 429/529 seen by a participant of the shared quota' : pushbackWords(hold.cause)} paused all new requests for ${seconds(hold.waitMs)}`;
    case 'probe':
      return `after ${pushbackWords(hold.cause)}, one request went out first; the rest wait for the API to accept it`;
    case 'share':
      return `held to ${hold.participant ? `${hold.participant}'s` : 'its'} ${Math.round(hold.share * 100)}% share: ${DIMENSION_LABELS[hold.dimension]}; next in ${seconds(hold.waitMs)}`;
    case 'paused':
      return 'paused by another participant of the shared quota';
    case 'shared-unavailable':
      return `${hold.detail}: holding new requests until it is back`;
    case 'spend-settling':
      return `waiting for requests in flight to settle under the shared ${hold.label}`;
    case 'retry-budget':
      return `retry budget spent; next retry in ${seconds(hold.waitMs)}`;
    case 'spend-cap':
      if (hold.shared) return `the next request (worst case ${hold.worstCaseUsd === null ? 'unpriced' : formatUsd(hold.worstCaseUsd)}) would cross the shared ${hold.label}`;
      if (hold.worstCaseUsd === null) return `model '${hold.model}' has no known price, so it cannot be sent under the ${hold.label}`;
      return `the next request (worst case ${formatUsd(hold.worstCaseUsd)}, ${hold.worstCaseTokens} tokens) would cross the ${hold.label}`;
  }
}

/**
 * What a hold is, without what changes while it lasts (the seconds left, the bucket's level): two
 * holds with the same key are the same wait, however their sentences read a moment apart.
 */
export function holdKey(hold: Hold): string {
  switch (hold.kind) {
    case 'soft-floor':
    case 'hard-floor':
      return `${hold.kind}/${hold.quota}/${hold.dimension}/${hold.modelClass ?? ''}`;
    case 'cooldown':
    case 'probe':
      return `${hold.kind}/${hold.cause}/${hold.modelClass ?? ''}`;
    case 'share':
      return `${hold.kind}/${hold.dimension}/${hold.modelClass ?? ''}`;
    case 'shared-unavailable':
      return `${hold.kind}/${hold.detail}`;
    case 'spend-settling':
      return `${hold.kind}/${hold.label}`;
    case 'spend-cap':
      return `${hold.kind}/${hold.shared ? 'shared' : 'own'}/${hold.label}`;
    case 'paused':
    case 'retry-budget':
      return hold.kind;
  }
}

/** Both holds given and the same wait. */
export function sameHold(a: Hold | undefined, b: Hold | undefined): boolean {
  return a !== undefined && b !== undefined && holdKey(a) === holdKey(b);
}
