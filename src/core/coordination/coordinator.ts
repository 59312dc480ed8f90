// Coordination of one org quota among everything that uses the key: VS Code windows, CLI runs,
// other machines. Each dispatcher always keeps its own QuotaModel (its picture of the buckets from
// its own headers, which drives its in-flight ceiling and its dashboard); that alone is the
// in-process coordination, the default, needing nothing installed. A shared coordinator adds one
// authority every participant asks before each dispatch, so that several dispatchers cannot each
// spend the same remaining tokens in the gap between two of their own responses.
import type { Consumption } from '../limits/quota-model';
import type { Dimension, LimitObservation } from '../limits/rate-limit-headers';

export interface SharedReserveRequest {
  /** Whose buckets it draws on (models/model-class.ts): the API keeps one set per model class. */
  modelClass: string;
  /** What the request is expected to charge (the dispatcher's estimate). */
  consumption: Consumption;
  /** Worst case for the daily budgets: USD (null: no known price) and tokens. */
  worstUsd: number | null;
  worstTokens: number;
  /** The run's share (0..1] of the class's refill, held across every process of this participant. */
  share?: number;
}

export type SharedReserveOutcome =
  /** Go. `lease` is undefined when the coordinator is running local-only (degraded). */
  | { ok: true; lease: string | undefined }
  | { ok: false; kind: 'soft' | 'hard'; dimension: Dimension; waitMs: number }
  /** The participant has taken its share of this bucket (every process under its name together). */
  | { ok: false; kind: 'share'; share: number; dimension: Dimension; waitMs: number; participant: string }
  | { ok: false; kind: 'cooldown' | 'paused'; waitMs: number }
  /** `waitMs` undefined: it can never fit today. */
  | { ok: false; kind: 'budget'; label: string; waitMs: number | undefined }
  | { ok: false; kind: 'stopped'; explanation: string }
  /** The shared store cannot be reached and local-only fallback is not allowed: hold and retry. */
  | { ok: false; kind: 'unavailable'; waitMs: number; detail: string };

export interface SharedSettlement {
  consumption: Consumption;
  usd: number | null;
  tokens: number;
}

/** One participant of the shared quota (`--participant`, default user@host) as the store sees it. */
export interface ParticipantView {
  name: string;
  /** Its share (0..1] of the class's limits, when it holds itself to one. */
  share: number | undefined;
  /** The largest fraction of one of the class's limits it took over about the last minute. */
  used: number;
}

export interface SharedView {
  inFlight: number;
  todayUsd: number;
  todayTokens: number;
  buckets: Partial<Record<Dimension, { limit: number; remaining: number }>>;
  /** Everyone who sent on this class lately, this process's participant included. */
  participants: ParticipantView[];
}

export interface SharedCoordinator {
  /** For logs: where the shared state lives, credentials hidden. */
  readonly description: string;
  reserve(request: SharedReserveRequest): Promise<SharedReserveOutcome>;
  /** The lease knows its model class. */
  settle(lease: string, actual: SharedSettlement): Promise<void>;
  /** `refused`: the API turned the request away before charging (429/529). `keepWorst`: it may have been billed. */
  release(lease: string, refused: boolean, keepWorst: boolean): Promise<void>;
  /** A response's headers, which describe its own model class's buckets. */
  observe(observation: LimitObservation, modelClass: string): Promise<void>;
  /** A 429/529 pauses every participant's new dispatches to this model class for this long. */
  coolDown(ms: number, modelClass: string): Promise<void>;
  setPaused(paused: boolean): Promise<void>;
  /** The API refused the key itself (auth, billing, spend limit): every participant stops. */
  stopAll(explanation: string): Promise<void>;
  /** The shared picture of one model class's buckets, with the in-flight count and today's spend. */
  view(modelClass: string): Promise<SharedView | undefined>;
  /** The participants of each class this process uses, as last read (refreshed in the background, for snapshots). */
  participants?(modelClass: string): readonly ParticipantView[] | undefined;
  close(): Promise<void>;
}
