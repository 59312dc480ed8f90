// The shared coordinator on Redis: every decision is one Lua script (redis-scripts.ts), so
// participants on any number of machines reserve from the same buckets atomically. In-flight
// requests hold leases that this process renews; a process that dies stops renewing, and its
// leases expire so the others absorb its share.
//
// Faults: commands fail fast while disconnected (no offline queue — a reservation that waited in
// a queue would be stale), ioredis reconnects with backoff meanwhile, and a failed reservation
// becomes "hold" — or "go on local limits only" when the user allowed that fallback.
import * as os from 'node:os';
import type { Redis } from 'ioredis';
import type { Clock } from '../types';
import { systemClock } from '../types';
import type { FloorSpec } from '../limits/floors';
import type { LimitObservation } from '../limits/rate-limit-headers';
import { QuotaModel } from '../limits/quota-model';
import { utcDay } from '../spend/daily-budget';
import { keyId } from '../key-id';
import type { ParticipantView, SharedCoordinator, SharedReserveOutcome, SharedReserveRequest, SharedSettlement, SharedView } from './coordinator';
import { COOL_DOWN, OBSERVE, RELEASE, RENEW, RESERVE, SETTLE, VIEW } from './redis-scripts';
import { redactUrl, redactUrlsIn } from '../redact';
import { equalJitterMs, exponentialMs } from '../backoff';

export type RedisFallback = 'hold' | 'local';

export interface RedisCoordinatorOptions {
  url: string;
  /** Only its hash is used: it namespaces the shared keys. */
  apiKey: string;
  softFloor: FloorSpec;
  hardFloor: FloorSpec;
  /** Daily budgets counted across every participant (USD, tokens). */
  dailyBudgetUsd?: number;
  dailyTokenBudget?: number;
  /** 'hold' (default): no shared store, no dispatch. 'local': carry on under local limits, with a warning. */
  fallback?: RedisFallback;
  /** Who this process is among those sharing the key (default user@host): runs held to a share hold it under this name together. */
  participant?: string;
  /** How long a lease outlives its last renewal. */
  leaseTtlMs?: number;
  connectTimeoutMs?: number;
  clock?: Clock;
  random?: () => number;
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const DEFAULT_LEASE_TTL_MS = 15_000;
const CONFIRM_WINDOW_MS = 250;
const STOP_TTL_MS = 10 * 60_000;
/** Participants who sent within this long are listed; how often this process reads them. */
const PARTICIPANT_SEEN_MS = 2 * 60_000;
const PARTICIPANTS_REFRESH_MS = 2_000;

/** user@host: who runs this, as a colleague would name them. */
function defaultParticipant(): string {
  let user = process.env.USER ?? process.env.USERNAME ?? 'user';
  try {
    user = os.userInfo().username || user;
  } catch {
    // No passwd entry (a container's arbitrary uid): the environment's name will do.
  }
  return `${user}@${os.hostname()}`;
}

interface Scripts {
  floorlineReserve(...args: Array<string | number>): Promise<[string, string, string]>;
  floorlineSettle(...args: Array<string | number>): Promise<number>;
  floorlineRelease(...args: Array<string | number>): Promise<number>;
  floorlineObserve(...args: Array<string | number>): Promise<number>;
  floorlineCoolDown(...args: Array<string | number>): Promise<number>;
  floorlineRenew(...args: Array<string | number>): Promise<number>;
  floorlineView(...args: Array<string | number>): Promise<[string, string, string, string[], string[]]>;
}

/** Connect, or fail with a clear error (or degrade to local-only, when allowed). */
export async function connectRedisCoordinator(options: RedisCoordinatorOptions): Promise<RedisCoordinator> {
  // Loaded only by a run that shares its quota: evaluating ioredis and its dependencies at start-up
  // cost every other run ~5 MB of memory for nothing.
  // An optional peer of the library: a program that never shares a quota installs nothing for it.
  let Redis: typeof import('ioredis').Redis;
  try {
    ({ Redis } = await import('ioredis'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' && (err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error(`sharing a quota through Redis (${redactUrl(options.url)}) needs the ioredis package: npm install ioredis`);
  }
  const coordinator = new RedisCoordinator(options, Redis);
  await coordinator.connect();
  return coordinator;
}

export class RedisCoordinator implements SharedCoordinator {
  readonly description: string;
  private readonly redis: Redis & Scripts;
  private readonly prefix: string;
  private readonly leaseTtlMs: number;
  private readonly fallback: RedisFallback;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: NonNullable<RedisCoordinatorOptions['onLog']>;
  /** Our leases in flight, with the model class whose buckets each holds. */
  private readonly leases = new Map<string, string>();
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private participantsTimer: ReturnType<typeof setInterval> | undefined;
  /** Who shares each class this process has used, as last read. */
  private readonly seen = new Map<string, ParticipantView[]>();
  private readonly classesUsed = new Set<string>();
  readonly participant: string;
  private readonly participantKey: string;
  private nextLease = 0;
  private readonly instance = Math.random().toString(36).slice(2, 10);
  private connected = false;
  private closed = false;

  constructor(
    private readonly options: RedisCoordinatorOptions,
    RedisClient: typeof Redis,
  ) {
    this.description = redactUrl(options.url);
    this.prefix = `floorline:{${keyId(options.apiKey)}}:`;
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.fallback = options.fallback ?? 'hold';
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.onLog ?? (() => undefined);
    this.participant = options.participant?.trim() || defaultParticipant();
    // Names are user input: encoded into keys and into the participants hash alike.
    this.participantKey = encodeURIComponent(this.participant);
    const redis = new RedisClient(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: options.connectTimeoutMs ?? 3_000,
      // Reconnect for ever, backing off to 5 s with jitter, so a restarted Redis is found again.
      retryStrategy: (times) => equalJitterMs(exponentialMs(times + 1, { baseMs: 100, capMs: 5_000 }), this.random),
    });
    redis.defineCommand('floorlineReserve', { numberOfKeys: 9, lua: RESERVE });
    redis.defineCommand('floorlineSettle', { numberOfKeys: 6, lua: SETTLE });
    redis.defineCommand('floorlineRelease', { numberOfKeys: 6, lua: RELEASE });
    redis.defineCommand('floorlineObserve', { numberOfKeys: 3, lua: OBSERVE });
    redis.defineCommand('floorlineCoolDown', { numberOfKeys: 1, lua: COOL_DOWN });
    redis.defineCommand('floorlineRenew', { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand('floorlineView', { numberOfKeys: 4, lua: VIEW });
    // Connection errors are reported through reserve's outcome and the log, never thrown at the process.
    redis.on('error', () => undefined);
    redis.on('ready', () => {
      if (!this.connected && !this.closed) this.log('info', `shared quota: connected to ${this.description}`);
      this.connected = true;
    });
    redis.on('close', () => {
      if (this.connected && !this.closed) this.log('warn', `shared quota: lost ${this.description}; new requests ${this.fallback === 'local' ? 'go on local limits only' : 'hold'} until it is back`);
      this.connected = false;
    });
    this.redis = redis as Redis & Scripts;
  }

  async connect(): Promise<void> {
    try {
      await this.redis.connect();
      await this.redis.ping();
    } catch (err) {
      // ioredis may quote the URL it was given, password and all.
      const why = redactUrlsIn(err instanceof Error ? err.message : String(err));
      if (this.fallback !== 'local') {
        this.redis.disconnect();
        throw new Error(`cannot reach Redis at ${this.description}: ${why}`);
      }
      this.log('warn', `shared quota: cannot reach Redis at ${this.description} (${why}); running on local limits only until it answers`);
    }
    this.renewTimer = setInterval(() => void this.renew(), Math.max(250, this.leaseTtlMs / 3));
    this.renewTimer.unref?.();
    this.participantsTimer = setInterval(() => void this.refreshParticipants(), PARTICIPANTS_REFRESH_MS);
    this.participantsTimer.unref?.();
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  /** A key of one model class's share: its buckets, their leases, its cool-down. Class names are user input: encoded. */
  private classKey(modelClass: string, name: string): string {
    return `${this.prefix}class:${encodeURIComponent(modelClass)}:${name}`;
  }

  /** What a lease's end touches (SETTLE's and RELEASE's KEYS): its class's books, today's spend, and this participant's share and usage. */
  private leaseKeys(modelClass: string): [string, string, string, string, string, string] {
    const key = (name: string) => this.classKey(modelClass, name);
    return [key('buckets'), key('leases'), key('lease-data'), this.spendKey(), key(`share:${this.participantKey}`), key('participants')];
  }

  private spendKey(): string {
    return this.key(`spend:${utcDay(this.clock.now())}`);
  }

  private unavailable(err: unknown): SharedReserveOutcome {
    if (this.fallback === 'local') return { ok: true, lease: undefined };
    const detail = `Redis at ${this.description} unavailable (${redactUrlsIn(err instanceof Error ? err.message : String(err))})`;
    return { ok: false, kind: 'unavailable', waitMs: 1_000, detail };
  }

  async reserve(request: SharedReserveRequest): Promise<SharedReserveOutcome> {
    const lease = `${this.instance}:${++this.nextLease}`;
    const key = (name: string) => this.classKey(request.modelClass, name);
    const floor = (spec: FloorSpec) => ('percent' in spec ? [spec.percent, 0] : [-1, spec.tokens]);
    let reply: [string, string, string];
    try {
      reply = await this.redis.floorlineReserve(
        key('buckets'), key('leases'), key('lease-data'), this.spendKey(),
        this.key('stop'), this.key('paused'), key('cooldown'), key(`share:${this.participantKey}`), key('participants'),
        lease, this.leaseTtlMs,
        Math.ceil(request.consumption.inputTokens), Math.ceil(request.consumption.outputTokens),
        ...floor(this.options.softFloor), ...floor(this.options.hardFloor),
        request.worstUsd ?? -1, request.worstTokens,
        this.options.dailyBudgetUsd ?? -1, this.options.dailyTokenBudget ?? -1,
        this.participantKey, request.share ?? 0,
      );
    } catch (err) {
      return this.unavailable(err);
    }
    const [verdict, detail, wait] = reply;
    const waitMs = Number(wait);
    switch (verdict) {
      case 'ok':
        this.classesUsed.add(request.modelClass);
        this.leases.set(lease, request.modelClass);
        return { ok: true, lease };
      case 'soft':
      case 'hard':
        return { ok: false, kind: verdict, dimension: detail as 'requests', waitMs };
      case 'share':
        return { ok: false, kind: 'share', share: request.share ?? 1, dimension: detail as 'requests', waitMs, participant: this.participant };
      case 'cooldown':
      case 'paused':
        return { ok: false, kind: verdict, waitMs };
      case 'budget':
        return { ok: false, kind: 'budget', label: detail, waitMs: waitMs < 0 ? undefined : waitMs };
      case 'stopped':
        return { ok: false, kind: 'stopped', explanation: detail };
      default:
        return { ok: false, kind: 'unavailable', waitMs: 1_000, detail: `unexpected reply from Redis: ${verdict}` };
    }
  }

  async settle(lease: string, actual: SharedSettlement): Promise<void> {
    const modelClass = this.leases.get(lease);
    if (modelClass === undefined) return;
    this.leases.delete(lease);
    // If this fails the lease expires: the request is then charged its estimate and its worst
    // case stays on the budget — conservative, never an overshoot.
    await this.redis
      .floorlineSettle(...this.leaseKeys(modelClass), lease,
        actual.consumption.inputTokens, actual.consumption.outputTokens, actual.usd ?? 0, actual.tokens, this.participantKey)
      .catch(() => undefined);
  }

  async release(lease: string, refused: boolean, keepWorst: boolean): Promise<void> {
    const modelClass = this.leases.get(lease);
    if (modelClass === undefined) return;
    this.leases.delete(lease);
    await this.redis
      .floorlineRelease(...this.leaseKeys(modelClass), lease, refused ? 1 : 0, keepWorst ? 1 : 0, this.participantKey)
      .catch(() => undefined);
  }

  async observe(observation: LimitObservation, modelClass: string): Promise<void> {
    const key = (name: string) => this.classKey(modelClass, name);
    const args: Array<string | number> = [];
    for (const [dimension, reading] of Object.entries(observation.buckets)) {
      if (!reading || (dimension === 'tokens' && QuotaModel.tokensMirrorsAnother(observation))) continue;
      args.push(dimension, reading.limit, reading.remaining);
    }
    if (args.length === 0) return;
    await this.redis.floorlineObserve(key('buckets'), key('leases'), key('lease-data'), CONFIRM_WINDOW_MS, ...args).catch(() => undefined);
  }

  async coolDown(ms: number, modelClass: string): Promise<void> {
    await this.redis.floorlineCoolDown(this.classKey(modelClass, 'cooldown'), Math.max(1, Math.ceil(ms))).catch(() => undefined);
  }

  async setPaused(paused: boolean): Promise<void> {
    await (paused ? this.redis.set(this.key('paused'), '1') : this.redis.del(this.key('paused'))).catch(() => undefined);
  }

  async stopAll(explanation: string): Promise<void> {
    await this.redis.set(this.key('stop'), explanation, 'PX', STOP_TTL_MS).catch(() => undefined);
  }

  async view(modelClass: string): Promise<SharedView | undefined> {
    try {
      const [inFlight, usd, tokens, flat, people] = await this.redis.floorlineView(
        this.classKey(modelClass, 'buckets'), this.classKey(modelClass, 'leases'), this.spendKey(), this.classKey(modelClass, 'participants'), PARTICIPANT_SEEN_MS,
      );
      const buckets: SharedView['buckets'] = {};
      for (let i = 0; i + 2 < flat.length; i += 3) {
        buckets[flat[i] as keyof SharedView['buckets']] = { limit: Number(flat[i + 1]), remaining: Math.max(0, Math.round(Number(flat[i + 2]))) };
      }
      const participants: ParticipantView[] = [];
      for (let i = 0; i + 2 < people.length; i += 3) {
        let name = people[i]!;
        try {
          name = decodeURIComponent(name);
        } catch {
          // Written by something else: shown as stored.
        }
        const share = Number(people[i + 1]);
        participants.push({ name, share: share > 0 ? share : undefined, used: Math.max(0, Number(people[i + 2]) || 0) });
      }
      participants.sort((a, b) => b.used - a.used || a.name.localeCompare(b.name));
      return { inFlight: Number(inFlight), todayUsd: Number(usd), todayTokens: Number(tokens), buckets, participants };
    } catch {
      return undefined;
    }
  }

  participants(modelClass: string): readonly ParticipantView[] | undefined {
    return this.seen.get(modelClass);
  }

  /** Re-reads who shares each class this process has sent on: what snapshots show, never awaited by them. */
  private async refreshParticipants(): Promise<void> {
    if (!this.connected) return;
    for (const modelClass of this.classesUsed) {
      const view = await this.view(modelClass);
      if (view) this.seen.set(modelClass, view.participants);
    }
  }

  private async renew(): Promise<void> {
    const byClass = new Map<string, string[]>();
    for (const [lease, modelClass] of this.leases) {
      const leases = byClass.get(modelClass);
      if (leases) leases.push(lease);
      else byClass.set(modelClass, [lease]);
    }
    await Promise.all(
      [...byClass].map(([modelClass, leases]) => this.redis.floorlineRenew(this.classKey(modelClass, 'leases'), this.leaseTtlMs, ...leases).catch(() => undefined)),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.participantsTimer) clearInterval(this.participantsTimer);
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
