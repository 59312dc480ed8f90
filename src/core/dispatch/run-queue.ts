// What a run has left to send: its input, read lazily a little ahead of the dispatcher (so a file of
// any size takes constant memory), and its retries waiting for their time. A due retry goes before
// a fresh line: it is older.
import type { InputRequest, MessageParams } from '../types';
import type { BudgetHold } from '../spend/budgets';
import { promptCacheTtl } from '../input/estimate';
import type { Pricing } from '../pricing/pricing';
import { PromptBounds } from '../spend/prompt-bound';
import type { RequestShape } from './estimator';

/** A request waiting to go out (again). */
export interface PendingItem {
  request: InputRequest;
  shape: RequestShape;
  /** Worst-case cost, or null when the model has no price. */
  worstCaseUsd: number | null;
  /** Worst-case tokens (prompt upper bound + max_tokens), for token budgets. */
  worstCaseTokens: number;
  attempts: number;
  /** Not before this time (retries). */
  readyAt: number;
  /** When it first went out: a result's latency counts its retries too. */
  firstSentAt: number | undefined;
  /** The budgets' hold on its worst case while it is in flight. */
  budgetHold?: BudgetHold | undefined;
  /**
   * Its last attempt was refused with a 429/529. Such a retry is paced by the dispatcher's pause
   * and the admitted probe after it (nothing goes out until the API accepts a request again), so
   * it does not draw on the retry budget: a 1 s burst of 529s with 500 requests in the air is
   * 500 retries that cannot storm, and on the budget they starved the end of the job for minutes.
   */
  pushedBack?: boolean;
  /**
   * The model it goes to instead of its own: a fallback (the dispatcher's `fallback` chains). Its
   * request stays as the input wrote it, so the results line's fingerprint still matches its line.
   */
  model?: string;
}

/** The model an item is sent to: its own, or the fallback it was moved to. */
export function modelOf(item: PendingItem): string {
  return item.model ?? item.request.params.model;
}

/** The body sent for it: the input's, with the fallback model if it was moved. */
export function paramsOf(item: PendingItem): MessageParams {
  return item.model === undefined ? item.request.params : { ...item.request.params, model: item.model };
}

/**
 * A line of the input, priced before it may go: the quota estimate learns tokens per byte from its
 * bytes; the cap reserves the tightest proven bound (a counted cached prefix, else the bytes). A
 * promise only while a cached prefix is being counted.
 */
export function pendingItemOf(request: InputRequest, pricing: Pricing, promptBounds: PromptBounds | undefined): PendingItem | Promise<PendingItem> {
  const params = request.params;
  const bytesBound = PromptBounds.bytesBound(params);
  // The shared prefix once per line: it serializes the system prompt and tools, and both the bound and the estimate use it.
  const sharedPrefix = promptBounds?.sharedPrefix(params);
  const bound = promptBounds ? promptBounds.inputTokensUpperBound(params, bytesBound, sharedPrefix) : bytesBound;
  const item = (upperBound: number): PendingItem => ({
    request,
    shape: { inputBytes: bytesBound, maxTokens: params.max_tokens, sharedPrefix },
    worstCaseUsd: pricing.worstCaseCost(params.model, upperBound, params.max_tokens, promptCacheTtl(params)),
    worstCaseTokens: upperBound + params.max_tokens,
    attempts: 0,
    readyAt: 0,
    firstSentAt: undefined,
  });
  return typeof bound === 'number' ? item(bound) : bound.then(item);
}

/** Requests kept read ahead of the dispatcher. */
const READ_AHEAD = 64;
/**
 * How far ahead a run may read while every line it has read is of a model class with no room: the
 * lines of a class with room go past them, up to this many lines behind (each held with its prompt,
 * so bounded; a class lagging further behind than this holds the others back).
 */
const MAX_LOOKAHEAD = 1_024;

export class RunQueue {
  private readonly fresh: PendingItem[] = [];
  private readonly retries: PendingItem[] = [];
  private exhausted = false;
  private reading = false;
  /** Requests taken from the source so far: a run's total when its source does not say how many it holds. */
  private readCount = 0;
  /** How many lines to keep read ahead: more while lines of a class with no room fill the buffer. */
  private want = READ_AHEAD;
  /** Every line read was passed over while another class had room: read on now, not once the buffer is half empty. */
  private starved = false;
  /**
   * Where the last look past held lines stopped. `accept` is made anew for each pass of the
   * dispatcher and only refuses more as the pass goes on, so a line it passed over stays passed
   * over: the next look starts there, not at the head (a pass looks once per line it sends).
   */
  private scan: { accept: (item: PendingItem) => boolean; from: number } | undefined;

  constructor(
    private readonly iterator: AsyncIterator<InputRequest>,
    /** Prices a request's worst case; a promise only while a cached prefix is being counted. */
    private readonly prepare: (request: InputRequest) => PendingItem | Promise<PendingItem>,
  ) {}

  /**
   * Keep the read-ahead buffer full while `open()` says the run still wants input. Reading is
   * async; `onReady` is called when new items arrive (or the source ends or fails) so the
   * dispatcher can look again.
   */
  readAhead(open: () => boolean, onReady: () => void, onFail: (err: Error) => void): void {
    if (this.exhausted || this.reading || this.fresh.length >= (this.starved ? this.want : this.want / 2)) return;
    this.starved = false;
    this.reading = true;
    void (async () => {
      try {
        while (!this.exhausted && this.fresh.length < this.want && open()) {
          const next = await this.iterator.next();
          if (next.done) this.exhausted = true;
          else {
            this.readCount++;
            const item = this.prepare(next.value);
            // Only a request whose cached prefix is being counted waits; the rest stay synchronous.
            this.fresh.push(item instanceof Promise ? await item : item);
          }
        }
        this.reading = false;
        onReady();
      } catch (err) {
        this.reading = false;
        this.exhausted = true;
        onFail(err instanceof Error ? err : new Error(String(err)));
      }
    })();
  }

  /** How many requests have been taken from the source so far. */
  get read(): number {
    return this.readCount;
  }

  /** Release the source's file handle: it will not be read to the end. */
  close(): void {
    void this.iterator.return?.();
  }

  /**
   * The next item that may go out at `now`: a due retry first, then a fresh line. `retriesAllowed`
   * false (the shared retry budget is spent) leaves retries waiting without holding up fresh lines
   * behind them; a retry after a push-back does not need the budget. `accept` passes over lines of
   * classes with no room; `lookFurther`: some class has room, so if every line read is passed over
   * it is worth reading further (never with one class: its lines would only pile up in memory).
   */
  peek(now: number, retriesAllowed = true, accept?: (item: PendingItem) => boolean, lookFurther = false): PendingItem | undefined {
    // Without `accept` (the common case, one model class with room) only the heads are looked at.
    if (!accept) {
      const retry = this.retries[0];
      if (retry && retry.readyAt <= now && (retriesAllowed || retry.pushedBack)) return retry;
      return this.fresh[0];
    }
    // Lines of a class that has no room now wait; the next line of another class goes past them.
    for (const retry of this.retries) {
      if (retry.readyAt > now) break;
      if ((retriesAllowed || retry.pushedBack) && accept(retry)) return retry;
    }
    let from = this.scan?.accept === accept ? this.scan.from : 0;
    while (from < this.fresh.length && !accept(this.fresh[from]!)) from++;
    this.scan = { accept, from };
    const fresh = this.fresh[from];
    // Every line read is held while some class has room (`lookFurther`): read further, for its lines.
    if (!fresh && lookFurther && this.fresh.length > 0) {
      this.want = Math.min(MAX_LOOKAHEAD, 2 * this.fresh.length + READ_AHEAD);
      this.starved = true;
    }
    return fresh;
  }

  take(item: PendingItem): void {
    if (this.retries[0] === item) this.retries.shift();
    else if (this.fresh[0] === item) {
      this.fresh.shift();
      this.shiftScan(0, -1);
      // The head went: no line is being passed over, the usual read-ahead will do.
      this.want = READ_AHEAD;
    } else if (!remove(this.retries, item)) {
      const at = this.fresh.indexOf(item);
      if (at !== -1) {
        this.fresh.splice(at, 1);
        this.shiftScan(at, -1);
      }
    }
  }

  /** A line left or came back at index `at` of the fresh lines: the scan's place moves with the lines after it. */
  private shiftScan(at: number, by: 1 | -1): void {
    if (this.scan && at < this.scan.from) this.scan.from += by;
  }

  /** When the earliest waiting retry becomes due (Infinity if none). */
  get nextRetryAt(): number {
    return this.retries[0]?.readyAt ?? Number.POSITIVE_INFINITY;
  }

  /** The item goes out again at `readyAt`. */
  retryAt(item: PendingItem, readyAt: number): void {
    item.readyAt = readyAt;
    this.insertRetry(item);
  }

  /** Return an item taken but not sent to where it was: a retry to its place in time, a fresh line to the front. */
  requeue(item: PendingItem): void {
    if (item.attempts === 0) this.unshiftFresh(item);
    else this.insertRetry(item);
  }

  /** An attempt the API refused to take at all (it stopped the key): the line goes back to the front, unsent, for a resume. */
  returnUnsent(item: PendingItem): void {
    item.attempts = Math.max(0, item.attempts - 1);
    this.unshiftFresh(item);
  }

  private unshiftFresh(item: PendingItem): void {
    this.fresh.unshift(item);
    this.shiftScan(-1, 1);
  }

  /** Nothing left to send or wait for. */
  get drained(): boolean {
    return this.exhausted && !this.reading && this.fresh.length === 0 && this.retries.length === 0;
  }

  private insertRetry(item: PendingItem): void {
    const at = this.retries.findIndex((other) => other.readyAt > item.readyAt);
    if (at === -1) this.retries.push(item);
    else this.retries.splice(at, 0, item);
  }
}

function remove(items: PendingItem[], item: PendingItem): boolean {
  const at = items.indexOf(item);
  if (at !== -1) items.splice(at, 1);
  return at !== -1;
}
