// One input file being dispatched: its queue, its retries, its spend cap and its counters.
// The dispatcher decides when and which; a Run only keeps the books.
import type { InputRequest, ResultError, ResultLine, Usage } from '../types';
import type { Pricing } from '../pricing/pricing';
import { SpendLedger, type SpendRecorder } from '../spend/spend-ledger';
import { Budgets, type BudgetHold, type SharedBudget } from '../spend/budgets';
import { promptCacheTtl } from '../input/estimate';
import { PromptBounds } from '../spend/prompt-bound';
import type { RequestShape } from './estimator';
import { RateMeter } from './rate-meter';
import { type Priority, type RunErrorEntry, type RunSnapshot, type RunState, TERMINAL_STATES } from './snapshot';

export interface RunOptions {
  /** Shown in the UI and logs (usually the file name). */
  label: string;
  requests: AsyncIterable<InputRequest>;
  /** How many requests `requests` will yield. */
  total: number;
  /** Lines already done by an earlier run of the same file. */
  resumed?: number;
  priority?: Priority;
  maxSpendUsd?: number;
  /** Counted toward the cap (what the earlier, resumed run spent). */
  alreadySpentUsd?: number;
  /** Budgets shared with other runs on the same key (daily spend and tokens). */
  sharedBudgets?: readonly SharedBudget[];
  pricing: Pricing;
  /** Called once per finished request, in completion order (write it to the results file here). */
  onResult: (line: ResultLine, request: InputRequest) => void;
  /**
   * Where the spend cap's reservations and settlements outlive the process (the spend journal):
   * `flush` is called before the requests it reserved for go out.
   */
  journal?: SpendRecorder & { flush(): void };
  /** Tighter input bounds for cached prompts (shared by the runs of one dispatcher). */
  promptBounds?: PromptBounds;
}

export interface RunSummary {
  state: RunState;
  detail: string | undefined;
  total: number;
  succeeded: number;
  errored: number;
  resumed: number;
  unsent: number;
  spentUsd: number;
  rateLimited: number;
  retries: number;
}

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
}

/** Requests kept read ahead of the dispatcher, so the file is read lazily in constant memory. */
const READ_AHEAD = 64;
const RECENT_ERRORS = 50;

let nextRunId = 1;

export class Run {
  readonly id = `run-${nextRunId++}`;
  readonly label: string;
  readonly priority: Priority;
  /** This run's own spend cap (what its snapshot shows). */
  readonly ledger: SpendLedger;
  /** Everything a request must fit under: the cap above and the shared budgets. */
  readonly budgets: Budgets;
  readonly total: number;
  readonly resumed: number;

  state: RunState = 'running';
  detail: string | undefined;
  paused = false;
  stopping = false;
  /** Stopped with in-flight requests cancelled. */
  aborted = false;
  /** Waiting for an in-flight request of this run to settle before the next reservation can fit. */
  budgetWait = false;
  inFlight = 0;
  succeeded = 0;
  errored = 0;
  rateLimited = 0;
  overloaded = 0;
  retries = 0;
  /** Stride-scheduling pass: lower goes first; grows by 1/weight per dispatch. */
  pass = 0;
  readonly startedAt: number;
  endedAt: number | undefined;
  readonly controllers = new Set<AbortController>();

  private readonly buffer: PendingItem[] = [];
  private readonly retryQueue: PendingItem[] = [];
  private readonly iterator: AsyncIterator<InputRequest>;
  private exhausted = false;
  private reading = false;
  private readonly meter = new RateMeter();
  private readonly recentErrors: RunErrorEntry[] = [];
  private readonly pricing: Pricing;
  private readonly onResult: RunOptions['onResult'];
  private readonly journal: RunOptions['journal'];
  private readonly promptBounds: PromptBounds | undefined;
  private resolveDone!: (summary: RunSummary) => void;
  readonly done: Promise<RunSummary>;

  constructor(options: RunOptions, now: number) {
    this.label = options.label;
    this.priority = options.priority ?? 'normal';
    this.total = options.total;
    this.resumed = options.resumed ?? 0;
    this.ledger = new SpendLedger(options.maxSpendUsd, options.alreadySpentUsd ?? 0, options.journal);
    this.journal = options.journal;
    this.promptBounds = options.promptBounds;
    this.budgets = new Budgets(this.ledger, options.sharedBudgets);
    this.pricing = options.pricing;
    this.onResult = options.onResult;
    this.iterator = options.requests[Symbol.asyncIterator]();
    this.startedAt = now;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get isTerminal(): boolean {
    return TERMINAL_STATES.has(this.state) && this.endedAt !== undefined;
  }

  /** Still dispatching new work (not paused, stopping, or ended). */
  get isDispatching(): boolean {
    return !this.paused && !this.stopping && !TERMINAL_STATES.has(this.state);
  }

  get finishedCount(): number {
    return this.succeeded + this.errored;
  }

  /**
   * Keep the read-ahead buffer full. Reading is async; `onReady` is called when new items arrive
   * (or the source ends or fails) so the dispatcher can look again.
   */
  readAhead(onReady: () => void, onFail: (err: Error) => void): void {
    if (this.exhausted || this.reading || this.buffer.length >= READ_AHEAD / 2) return;
    this.reading = true;
    void (async () => {
      try {
        while (!this.exhausted && this.buffer.length < READ_AHEAD && !TERMINAL_STATES.has(this.state) && !this.stopping) {
          const next = await this.iterator.next();
          if (next.done) this.exhausted = true;
          else {
            const item = this.prepare(next.value);
            // Only a request whose cached prefix is being counted waits; the rest stay synchronous.
            this.buffer.push(item instanceof Promise ? await item : item);
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

  private prepare(request: InputRequest): PendingItem | Promise<PendingItem> {
    const params = request.params;
    // The quota estimate learns tokens per byte from the bytes; the cap reserves the tightest
    // proven bound (a counted cached prefix, else the bytes).
    const bytesBound = PromptBounds.bytesBound(params);
    const bound = this.promptBounds ? this.promptBounds.inputTokensUpperBound(params, bytesBound) : bytesBound;
    return typeof bound === 'number' ? this.item(request, bytesBound, bound) : bound.then((b) => this.item(request, bytesBound, b));
  }

  private item(request: InputRequest, bytesBound: number, upperBound: number): PendingItem {
    const params = request.params;
    return {
      request,
      shape: { inputBytes: bytesBound, maxTokens: params.max_tokens, sharedPrefix: this.promptBounds?.sharedPrefix(params) },
      worstCaseUsd: this.pricing.worstCaseCost(params.model, upperBound, params.max_tokens, promptCacheTtl(params)),
      worstCaseTokens: upperBound + params.max_tokens,
      attempts: 0,
      readyAt: 0,
      firstSentAt: undefined,
    };
  }

  /** Makes the spend reserved so far durable: called before the requests it covers are sent. */
  flushJournal(): void {
    this.journal?.flush();
  }

  /** What a finished request cost (null when its model has no price). */
  costOf(model: string, usage: Usage): number | null {
    return this.pricing.costOf(model, usage);
  }

  /**
   * The next item that may go out at `now`: a due retry first (it is older), then a fresh line.
   * `retriesAllowed` false (the shared retry budget is spent) leaves retries waiting without
   * holding up fresh lines behind them.
   */
  peek(now: number, retriesAllowed = true): PendingItem | undefined {
    const retry = this.retryQueue[0];
    if (retry && retry.readyAt <= now && (retriesAllowed || retry.pushedBack)) return retry;
    return this.buffer[0];
  }

  take(item: PendingItem): void {
    if (this.retryQueue[0] === item) this.retryQueue.shift();
    else if (this.buffer[0] === item) this.buffer.shift();
  }

  /** When the earliest waiting retry becomes due (Infinity if none). */
  get nextRetryAt(): number {
    return this.retryQueue[0]?.readyAt ?? Number.POSITIVE_INFINITY;
  }

  scheduleRetry(item: PendingItem, readyAt: number): void {
    item.readyAt = readyAt;
    this.retries++;
    const at = this.retryQueue.findIndex((other) => other.readyAt > readyAt);
    if (at === -1) this.retryQueue.push(item);
    else this.retryQueue.splice(at, 0, item);
  }

  /** Return an item taken but not sent to where it was: a retry to its place in time, a fresh line to the front. */
  requeue(item: PendingItem): void {
    if (item.attempts === 0) return this.putBack(item);
    const at = this.retryQueue.findIndex((other) => other.readyAt > item.readyAt);
    if (at === -1) this.retryQueue.push(item);
    else this.retryQueue.splice(at, 0, item);
  }

  /** Put an item back at the front, unsent (the API stopped the run; a resume will send it). */
  putBack(item: PendingItem): void {
    this.buffer.unshift(item);
  }

  /** Nothing left to send or wait for. */
  get drained(): boolean {
    return this.exhausted && !this.reading && this.buffer.length === 0 && this.retryQueue.length === 0;
  }

  recordSuccess(item: PendingItem, message: SentResult, now: number): void {
    this.succeeded++;
    this.meter.record(now);
    this.onResult(
      {
        custom_id: item.request.customId,
        result: { type: 'succeeded', message: message.message },
        model: item.request.params.model,
        latency_ms: message.latencyMs,
        attempts: item.attempts,
        cost_usd: message.costUsd,
        usage: message.message.usage,
      },
      item.request,
    );
  }

  recordError(item: PendingItem, error: ResultError, latencyMs: number | null, now: number): void {
    this.errored++;
    this.meter.record(now);
    this.recentErrors.push({ customId: item.request.customId, line: item.request.line, message: `${error.error.type}: ${error.error.message}` });
    if (this.recentErrors.length > RECENT_ERRORS) this.recentErrors.shift();
    this.onResult(
      {
        custom_id: item.request.customId,
        result: { type: 'errored', error },
        model: item.request.params.model,
        latency_ms: latencyMs,
        attempts: item.attempts,
        cost_usd: 0,
        usage: null,
      },
      item.request,
    );
  }

  setState(state: RunState, detail?: string): boolean {
    if (this.state === state && this.detail === detail) return false;
    this.state = state;
    this.detail = detail;
    return true;
  }

  end(state: RunState, detail: string | undefined, now: number): void {
    this.setState(state, detail);
    this.endedAt = now;
    // Release the file handle of a source we will not read to the end.
    void this.iterator.return?.();
    this.resolveDone(this.summary());
  }

  get unsent(): number {
    return Math.max(0, this.total - this.finishedCount - this.inFlight);
  }

  summary(): RunSummary {
    return {
      state: this.state,
      detail: this.detail,
      total: this.total,
      succeeded: this.succeeded,
      errored: this.errored,
      resumed: this.resumed,
      unsent: this.unsent,
      spentUsd: this.ledger.view().spentUsd,
      rateLimited: this.rateLimited,
      retries: this.retries,
    };
  }

  snapshot(now: number): RunSnapshot {
    const rate = this.meter.perSecond(now, this.startedAt);
    const left = this.total - this.finishedCount;
    return {
      id: this.id,
      label: this.label,
      priority: this.priority,
      state: this.state,
      detail: this.detail,
      inFlight: this.inFlight,
      total: this.total,
      succeeded: this.succeeded,
      errored: this.errored,
      resumed: this.resumed,
      unsent: this.unsent,
      rateLimited: this.rateLimited,
      overloaded: this.overloaded,
      retries: this.retries,
      requestsPerSecond: rate,
      etaSeconds: left === 0 ? 0 : rate > 0 && this.endedAt === undefined ? left / rate : undefined,
      spend: this.ledger.view(),
      recentErrors: [...this.recentErrors],
      startedAt: this.startedAt,
      endedAt: this.endedAt,
    };
  }
}

export interface SentResult {
  message: { usage: Usage; [key: string]: unknown };
  latencyMs: number;
  costUsd: number | null;
}
