// The Message Batches API of the mock: batch objects, progress over time, cancel, expiry and
// results, in the real wire format (./batch-wire, which also checks a create body). How each request is answered (and billed) is the
// mock server's business: it passes `answer` and `settled` hooks, so a batch line gets exactly what
// a live POST /v1/messages would have got, without touching the live rate-limit buckets.
//
// Progress is computed lazily from the injected clock whenever anything looks (no timers), so a
// fake clock drives batches as exactly as it drives the buckets. Node built-ins only.
import { createHash, randomBytes } from 'node:crypto';
import { BatchApiError, type BatchRequest, type MockBatchCounts, type MockBatchResult, type MockBatchResultLine, type MockMessageBatch } from './batch-wire';

export interface BatchOptions {
  /** Earliest a request finishes, in ms after its batch was created. Default 50. */
  minMs?: number;
  /** Latest a request finishes (each picks a uniformly random moment in between). Default 500. */
  maxMs?: number;
  /** Requests not finished this long after creation end as `expired`; default 24 h, as the API's. */
  expiresAfterMs?: number;
  /** Requests that may wait in processing across all batches (the batch pool's queue limit); absent: unlimited. */
  maxQueuedRequests?: number;
  /** Fault: the next this-many creates are refused with 529 `overloaded_error`; nothing is created. */
  refuseCreates?: number;
  /**
   * Fault: the next this-many creates are processed (the batch exists, runs and is billed) but
   * their answer is lost: the client gets a 504 `timeout_error` instead of the batch, as when a
   * gateway gives up on an API that did the work. A client that resends makes a second batch.
   * `batches()` lists such a batch; the server's `batchesCreated` stat counts answered creates only.
   */
  loseCreateAnswers?: number;
}

const FAULT_KEYS = ['refuseCreates', 'loseCreateAnswers'] as const;
type FaultKey = (typeof FAULT_KEYS)[number];

/** `configure()` form: `maxQueuedRequests: null` removes the queue limit; a fault set to null or 0 is off. */
export type BatchRuntimeConfig = Omit<BatchOptions, 'maxQueuedRequests' | FaultKey> & { [K in 'maxQueuedRequests' | FaultKey]?: number | null };

// Real ms, so tests finish quickly; the real API takes minutes to hours.
const DEFAULT_BATCH_TIMING = { minMs: 50, maxMs: 500, expiresAfterMs: 24 * 60 * 60_000 } as const;
const DEFAULT_LIST_LIMIT = 20;
const MAX_LIST_LIMIT = 1_000;

export interface BatchHooks {
  now(): number;
  /** Answer one request as the live endpoint would, as of time `t` (when it finished). */
  answer(params: Record<string, unknown>, t: number): MockBatchResult;
  /** Called once per request as it settles, whatever the outcome: stats and billing. */
  settled(result: MockBatchResult, params: Record<string, unknown>): void;
}

interface Entry {
  customId: string;
  params: Record<string, unknown>;
  doneAt: number;
  result: MockBatchResult | null;
}

interface Batch {
  id: string;
  seq: number;
  createdAt: number;
  expiresAt: number;
  entries: Entry[];
  /** The entries by finishing time; `next` is the first one not yet settled by time. */
  byTime: Entry[];
  next: number;
  counts: MockBatchCounts;
  cancelAt: number | null;
  endedAt: number | null;
}


function checkBatchOptions(o: BatchOptions): void {
  const { minMs, maxMs, expiresAfterMs, maxQueuedRequests } = o;
  if (!(Number.isFinite(minMs) && minMs! >= 0)) throw new RangeError(`batches.minMs must be a number ≥ 0, got ${String(minMs)}`);
  if (!(Number.isFinite(maxMs) && maxMs! >= minMs!)) throw new RangeError(`batches.maxMs must be ≥ minMs (${minMs}), got ${String(maxMs)}`);
  if (!(Number.isFinite(expiresAfterMs) && expiresAfterMs! > 0)) throw new RangeError(`batches.expiresAfterMs must be > 0, got ${String(expiresAfterMs)}`);
  if (maxQueuedRequests !== undefined && !(Number.isInteger(maxQueuedRequests) && maxQueuedRequests > 0)) {
    throw new RangeError(`batches.maxQueuedRequests must be a positive integer, got ${String(maxQueuedRequests)}`);
  }
  for (const key of FAULT_KEYS) {
    const value = o[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new RangeError(`batches.${key} must be an integer ≥ 0, got ${String(value)}`);
  }
}

export class BatchStore {
  /** Insertion order is creation order (the list endpoint reverses it). */
  private readonly batches = new Map<string, Batch>();
  private seq = 0;
  private options: BatchOptions;
  /** Faults still to happen: each create that meets one uses it up. Kept apart from `options`,
   *  which describe how batches behave rather than what happens to the next few creates. */
  private readonly faults: Record<FaultKey, number> = { refuseCreates: 0, loseCreateAnswers: 0 };
  /** The server's own URL, for `results_url`; set once it listens. */
  baseUrl = '';

  constructor(private readonly hooks: BatchHooks, options: BatchOptions = {}) {
    this.options = {
      ...options,
      minMs: options.minMs ?? DEFAULT_BATCH_TIMING.minMs,
      maxMs: options.maxMs ?? DEFAULT_BATCH_TIMING.maxMs,
      expiresAfterMs: options.expiresAfterMs ?? DEFAULT_BATCH_TIMING.expiresAfterMs,
    };
    if (this.options.maxQueuedRequests === undefined) delete this.options.maxQueuedRequests;
    checkBatchOptions(this.options);
    for (const key of FAULT_KEYS) {
      this.faults[key] = this.options[key] ?? 0;
      delete this.options[key];
    }
  }

  /** New timing applies to batches created from now on; a batch keeps the schedule it was given. */
  configure(partial: BatchRuntimeConfig): void {
    const next: BatchOptions = { ...this.options };
    const faults: Partial<Record<FaultKey, number>> = {};
    for (const [key, value] of Object.entries(partial) as Array<[keyof BatchOptions, number | null | undefined]>) {
      if (value === undefined) continue;
      if ((FAULT_KEYS as readonly string[]).includes(key)) {
        faults[key as FaultKey] = value ?? 0;
        continue;
      }
      if (value === null) delete next[key];
      else next[key] = value;
    }
    next.minMs ??= DEFAULT_BATCH_TIMING.minMs;
    next.maxMs ??= DEFAULT_BATCH_TIMING.maxMs;
    next.expiresAfterMs ??= DEFAULT_BATCH_TIMING.expiresAfterMs;
    checkBatchOptions({ ...next, ...faults });
    this.options = next;
    Object.assign(this.faults, faults);
  }

  create(requests: BatchRequest[]): MockMessageBatch {
    const t = this.hooks.now();
    this.advance(t);
    if (this.faults.refuseCreates > 0) {
      this.faults.refuseCreates -= 1;
      throw new BatchApiError(529, 'overloaded_error', 'Overloaded');
    }
    const limit = this.options.maxQueuedRequests;
    if (limit !== undefined && this.queued() + requests.length > limit) {
      // The batch pool's own limit: the live buckets are never consulted for batches.
      throw new BatchApiError(429, 'rate_limit_error',
        `Number of batch requests in processing would exceed your organization's limit of ${limit}. Please try again once some of your batches have ended.`);
    }
    const { minMs, maxMs, expiresAfterMs } = this.options as Required<BatchOptions>;
    const entries: Entry[] = requests.map((r) => ({
      customId: r.custom_id,
      params: r.params,
      // A random moment per request: batches finish out of order, as the API's do.
      doneAt: t + Math.round(minMs + Math.random() * (maxMs - minMs)),
      result: null,
    }));
    const batch: Batch = {
      id: `msgbatch_${randomBytes(12).toString('hex')}`,
      seq: ++this.seq,
      createdAt: t,
      expiresAt: t + expiresAfterMs,
      entries,
      byTime: [...entries].sort((a, b) => a.doneAt - b.doneAt),
      next: 0,
      counts: { processing: entries.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      cancelAt: null,
      endedAt: null,
    };
    this.batches.set(batch.id, batch);
    if (this.faults.loseCreateAnswers > 0) {
      // After the batch exists: it runs and bills like any other; only its answer goes missing.
      this.faults.loseCreateAnswers -= 1;
      throw new BatchApiError(504, 'timeout_error', 'Request timed out before a response was sent; it may still have been processed.');
    }
    return this.wire(batch);
  }

  retrieve(id: string): MockMessageBatch {
    this.advance();
    return this.wire(this.find(id));
  }

  /** Requests unfinished now become `canceled` as soon as anything next looks (the API ends a
   *  canceling batch shortly after); the cancel response itself still says `canceling`. */
  cancel(id: string): MockMessageBatch {
    const t = this.hooks.now();
    this.advance(t);
    const batch = this.find(id);
    if (batch.endedAt !== null) {
      throw new BatchApiError(400, 'invalid_request_error', `Batch ${id} cannot be canceled because it has already ended.`);
    }
    batch.cancelAt = t;
    return this.wire(batch);
  }

  /** Only ended batches can be deleted, as with the API (cancel first). */
  delete(id: string): { id: string; type: 'message_batch_deleted' } {
    this.advance();
    const batch = this.find(id);
    if (batch.endedAt === null) {
      throw new BatchApiError(400, 'invalid_request_error', `Batch ${id} cannot be deleted while it is still processing; cancel it first.`);
    }
    this.batches.delete(id);
    return { id, type: 'message_batch_deleted' };
  }

  /** Results of an ended batch, in an order that is not submission order: sorted by a hash of the
   *  batch id and custom_id, so deterministic per batch. Clients must match lines by custom_id. */
  results(id: string): MockBatchResultLine[] {
    this.advance();
    const batch = this.find(id);
    if (batch.endedAt === null) {
      throw new BatchApiError(400, 'invalid_request_error', `Batch ${id} has not ended yet; results are not available until processing has ended.`);
    }
    const key = (e: Entry) => createHash('sha256').update(`${batch.id}:${e.customId}`).digest('hex');
    return batch.entries
      .map((e) => ({ k: key(e), line: { custom_id: e.customId, result: e.result! } }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
      .map((x) => x.line);
  }

  /** GET /v1/messages/batches: newest first, cursor pagination by `after_id` / `before_id`. */
  list(query: URLSearchParams): { data: MockMessageBatch[]; has_more: boolean; first_id: string | null; last_id: string | null } {
    this.advance();
    const limitText = query.get('limit');
    const limit = limitText === null ? DEFAULT_LIST_LIMIT : Number(limitText);
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= MAX_LIST_LIMIT)) {
      throw new BatchApiError(400, 'invalid_request_error', `limit: Input should be an integer between 1 and ${MAX_LIST_LIMIT}`);
    }
    const all = [...this.batches.values()].reverse();
    const indexOf = (id: string) => {
      const i = all.findIndex((b) => b.id === id);
      if (i < 0) throw new BatchApiError(404, 'not_found_error', `Message batch ${id} not found`);
      return i;
    };
    const after = query.get('after_id');
    const before = query.get('before_id');
    let page: Batch[];
    let hasMore: boolean;
    if (before !== null) {
      const end = indexOf(before);
      const start = Math.max(0, end - limit);
      page = all.slice(start, end);
      hasMore = start > 0;
    } else {
      const start = after !== null ? indexOf(after) + 1 : 0;
      page = all.slice(start, start + limit);
      hasMore = start + limit < all.length;
    }
    return { data: page.map((b) => this.wire(b)), has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null };
  }

  /** Every batch as it is now. */
  all(): MockMessageBatch[] {
    this.advance();
    return [...this.batches.values()].map((b) => this.wire(b));
  }

  /** Requests still waiting across batches that have not ended. */
  queued(): number {
    let n = 0;
    for (const b of this.batches.values()) if (b.endedAt === null) n += b.counts.processing;
    return n;
  }

  /**
   * Settle everything due by `t`: requests whose moment has come (in time order across batches,
   * answered as of that moment, so the prompt cache sees them in order), then cancellations and
   * expiry. Cheap when nothing is due, so the server calls it on every request it handles.
   */
  advance(t = this.hooks.now()): void {
    const due: Array<{ batch: Batch; entry: Entry }> = [];
    const active: Batch[] = [];
    for (const batch of this.batches.values()) {
      if (batch.endedAt !== null) continue;
      active.push(batch);
      const horizon = Math.min(t, batch.expiresAt, batch.cancelAt ?? Infinity);
      while (batch.next < batch.byTime.length && batch.byTime[batch.next]!.doneAt <= horizon) {
        due.push({ batch, entry: batch.byTime[batch.next]! });
        batch.next += 1;
      }
    }
    due.sort((a, b) => a.entry.doneAt - b.entry.doneAt);
    for (const { batch, entry } of due) this.settle(batch, entry, this.hooks.answer(entry.params, entry.doneAt));

    for (const batch of active) {
      if (batch.next === batch.byTime.length) {
        // All finished in time: the batch ended when its last request did.
        batch.endedAt = batch.byTime.at(-1)!.doneAt;
      } else if (batch.cancelAt !== null) {
        this.settleRest(batch, 'canceled');
        batch.endedAt = Math.max(t, batch.cancelAt);
      } else if (t >= batch.expiresAt) {
        this.settleRest(batch, 'expired');
        batch.endedAt = batch.expiresAt;
      }
    }
  }

  private settleRest(batch: Batch, type: 'canceled' | 'expired'): void {
    for (; batch.next < batch.byTime.length; batch.next++) this.settle(batch, batch.byTime[batch.next]!, { type });
  }

  private settle(batch: Batch, entry: Entry, result: MockBatchResult): void {
    entry.result = result;
    batch.counts.processing -= 1;
    batch.counts[result.type] += 1;
    this.hooks.settled(result, entry.params);
  }

  private find(id: string): Batch {
    const batch = this.batches.get(id);
    if (!batch) throw new BatchApiError(404, 'not_found_error', `Message batch ${id} not found`);
    return batch;
  }

  private wire(b: Batch): MockMessageBatch {
    const ended = b.endedAt !== null;
    return {
      id: b.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : b.cancelAt !== null ? 'canceling' : 'in_progress',
      request_counts: { ...b.counts },
      created_at: iso(b.createdAt),
      expires_at: iso(b.expiresAt),
      ended_at: ended ? iso(b.endedAt!) : null,
      cancel_initiated_at: b.cancelAt !== null ? iso(b.cancelAt) : null,
      archived_at: null,
      results_url: ended ? `${this.baseUrl}/v1/messages/batches/${b.id}/results` : null,
    };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
