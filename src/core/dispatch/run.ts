// One input file being dispatched: its queue, its retries, its spend cap and its counters.
// The dispatcher decides when and which; a Run only keeps the books. Everything the dispatcher
// changes goes through a method named for what happened (an attempt started, a success, a 429 …):
// the counters are read from outside, never written, so none can go negative or NaN.
// What it is built from and hands back: run-api.ts; what its finished requests add up to: run-progress.ts.
import type { ResultError, Usage } from '../types';
import type { Pricing } from '../pricing/pricing';
import { assertAmount, SpendLedger } from '../spend/spend-ledger';
import { Budgets } from '../spend/budgets';
import type { PromptBounds } from '../spend/prompt-bound';
import { type Priority, type RunSnapshot, type RunState, TERMINAL_STATES } from './snapshot';
import { describeHold, type Hold } from './hold';
import { errorLine, successLine, type SentResult } from './result-lines';
import { modelOf, pendingItemOf, RunQueue, type PendingItem } from './run-queue';
import { promptCacheTtl } from '../input/estimate';
import type { Consumption, DimensionView } from '../limits/quota-model';
import type { Dimension } from '../limits/rate-limit-headers';
import { ShareBuckets, type ShareWait } from './share';
import { RunProgress } from './run-progress';
import type { RunOptions, RunSummary } from './run-api';

let nextRunId = 1;

type SpendCapHold = Extract<Hold, { kind: 'spend-cap' }>;
/** A class's quota model: its buckets are asked for only by a run held to a share (a view costs a copy). */
interface LimitsSource {
  view(): Partial<Record<Dimension, DimensionView>>;
}

export class Run {
  readonly id = `run-${nextRunId++}`;
  readonly label: string;
  readonly priority: Priority;
  /** This run's own spend cap (what its snapshot shows). */
  readonly ledger: SpendLedger;
  /** Everything a request must fit under: the cap above and the shared budgets. */
  readonly budgets: Budgets;
  /** The total its caller declared, if it knew it. */
  private readonly declaredTotal: number | undefined;
  readonly resumed: number;
  readonly startedAt: number;
  readonly done: Promise<RunSummary>;
  /** What it has left to send. The dispatcher takes from it and puts back; a retry goes through `scheduleRetry`, which counts it. */
  readonly queue: RunQueue;

  private currentState: RunState = 'running';
  private currentDetail: string | undefined;
  private currentHold: Hold | undefined;
  private ended: number | undefined;
  private isPaused = false;
  private isStopping = false;
  /** Stopped with in-flight requests cancelled. */
  private wasAborted = false;
  /** Why it failed (its input could not be read, the books were handed NaN), once it has. */
  private failure: string | undefined;
  /** Waiting for an in-flight request of this run to settle before the next reservation can fit. */
  private waitingForSettlement = false;
  /** What its finished requests add up to, and the summary and snapshot made of them. */
  private readonly progress = new RunProgress();
  /** Its share of each model class's buckets, when it is held to one. */
  private readonly shares = new Map<string, ShareBuckets>();
  readonly maxShare: number | undefined;
  /** One per attempt in flight: what an abort cancels, and what "in flight" counts. */
  private readonly controllers = new Set<AbortController>();
  /** Whether its input is still wanted (read ahead only while it may send). */
  private readonly wantsInput = (): boolean => !TERMINAL_STATES.has(this.state) && !this.isStopping;

  private readonly pricing: Pricing;
  private readonly onResult: RunOptions['onResult'];
  private readonly journal: RunOptions['journal'];
  private readonly promptBounds: PromptBounds | undefined;
  private resolveDone!: (summary: RunSummary) => void;

  constructor(options: RunOptions, now: number) {
    this.label = options.label;
    this.priority = options.priority ?? 'normal';
    if (options.maxShare !== undefined && !(options.maxShare > 0 && options.maxShare <= 1)) throw new RangeError(`a run's share must be in (0, 1], got ${options.maxShare}`);
    this.maxShare = options.maxShare;
    this.declaredTotal = options.total;
    this.resumed = options.resumed ?? 0;
    this.ledger = new SpendLedger(options.maxSpendUsd, options.alreadySpentUsd ?? 0, options.journal);
    this.journal = options.journal;
    this.promptBounds = options.promptBounds;
    this.budgets = new Budgets(this.ledger, options.sharedBudgets);
    this.pricing = options.pricing;
    this.onResult = options.onResult;
    this.queue = new RunQueue(options.requests[Symbol.asyncIterator](), (request) => pendingItemOf(request, this.pricing, this.promptBounds));
    this.startedAt = now;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  // ── What it is ───────────────────────────────────────────────────────────

  /** Requests in this run: as declared, else as many as have been read from its source. */
  get total(): number {
    return this.declaredTotal ?? this.queue.read;
  }

  /** Whether its caller said how many requests it holds (a file does; a library caller's stream may not). */
  get totalKnown(): boolean {
    return this.declaredTotal !== undefined;
  }

  get state(): RunState {
    return this.currentState;
  }

  /** A sentence for people: why it holds, why it stopped. */
  get detail(): string | undefined {
    return this.currentDetail;
  }

  /** The hold behind `detail`, as data (see RunSnapshot.holdCause). */
  get holdCause(): Hold | undefined {
    return this.currentHold;
  }

  get endedAt(): number | undefined {
    return this.ended;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /** Asked to stop (by the user, its budget, a failure or the API): nothing new goes out. */
  get stopping(): boolean {
    return this.isStopping;
  }

  get aborted(): boolean {
    return this.wasAborted;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Why it failed, if it did. */
  get failureReason(): string | undefined {
    return this.failure;
  }

  /** Its next reservation waits for one of its requests in flight to settle. */
  get budgetWait(): boolean {
    return this.waitingForSettlement;
  }

  get inFlight(): number {
    return this.controllers.size;
  }

  get succeeded(): number {
    return this.progress.succeeded;
  }

  get errored(): number {
    return this.progress.errored;
  }

  get isTerminal(): boolean {
    return TERMINAL_STATES.has(this.state) && this.endedAt !== undefined;
  }

  /** Still dispatching new work (not paused, stopping, or ended). */
  get isDispatching(): boolean {
    return !this.isPaused && !this.isStopping && !TERMINAL_STATES.has(this.state);
  }

  get finishedCount(): number {
    return this.progress.succeeded + this.progress.errored;
  }

  get unsent(): number {
    return Math.max(0, this.total - this.finishedCount - this.inFlight);
  }

  // ── Control ──────────────────────────────────────────────────────────────

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
  }

  /** Nothing new goes out; what is in flight finishes. */
  stop(): void {
    this.isStopping = true;
  }

  /** Stop, and cancel what is in flight (it is not recorded; a resume sends it again). */
  abort(): void {
    this.isStopping = true;
    this.wasAborted = true;
    for (const controller of this.controllers) controller.abort();
  }

  /** Something no request should meet (its input cannot be read, the books were handed NaN): it stops, saying why. */
  fail(reason: string): void {
    this.isStopping = true;
    this.failure = reason;
    this.currentDetail = reason;
  }

  // ── Reading the input ────────────────────────────────────────────────────

  /** Keep its input read a little ahead while it may still send; `onReady` when there is more (or the input ended or failed). */
  readAhead(onReady: () => void, onFail: (err: Error) => void): void {
    this.queue.readAhead(this.wantsInput, onReady, onFail);
  }

  /** The item goes out again at `readyAt`: one more retry. */
  scheduleRetry(item: PendingItem, readyAt: number): void {
    this.progress.markRetry();
    this.queue.retryAt(item, readyAt);
  }

  /** Nothing left to send or wait for. */
  get drained(): boolean {
    return this.queue.drained;
  }

  // ── The books ────────────────────────────────────────────────────────────

  /**
   * Reserve the item's worst case on the run's cap and the shared budgets. False when it may not go
   * now: the run waits for a request in flight to settle, or it has reached its budget (and stops).
   * Throws (a BooksError) when the books are handed an amount no price can produce.
   */
  reserveSpend(item: PendingItem): boolean {
    const result = this.budgets.tryReserve({ usd: item.worstCaseUsd, tokens: item.worstCaseTokens });
    if (result.ok) {
      item.budgetHold = result.hold;
      return true;
    }
    if (result.everFits && this.inFlight > 0) {
      // What is in flight holds worst-case reservations; once they settle there may be room.
      this.waitingForSettlement = true;
      return false;
    }
    this.reachBudget({ kind: 'spend-cap', label: result.label, shared: false, model: modelOf(item), worstCaseUsd: item.worstCaseUsd, worstCaseTokens: item.worstCaseTokens });
    return false;
  }

  /** The item was not sent after all: its reservation is returned. */
  releaseSpend(item: PendingItem): void {
    if (item.budgetHold) this.budgets.release(item.budgetHold);
    item.budgetHold = undefined;
  }

  /** Its next request would cross a cap or a budget: nothing more is sent. */
  reachBudget(hold: SpendCapHold): void {
    this.isStopping = true;
    this.setState('budget-reached', describeHold(hold), hold);
  }

  /** Makes the spend reserved so far durable: called before the requests it covers are sent. */
  flushJournal(): void {
    this.journal?.flush();
  }

  /** What a finished request cost (null when its model has no price). */
  costOf(model: string, usage: Usage): number | null {
    return this.pricing.costOf(model, usage);
  }

  /** An attempt of this item goes out: the returned controller cancels it; `endAttempt` when it is over. */
  startAttempt(item: PendingItem, now: number): AbortController {
    item.attempts++;
    item.firstSentAt ??= now;
    const controller = new AbortController();
    this.controllers.add(controller);
    return controller;
  }

  /** The attempt is over, however it ended: its settlement may have made room for the next reservation. */
  endAttempt(controller: AbortController): void {
    if (!this.controllers.delete(controller)) return;
    this.waitingForSettlement = false;
  }

  /**
   * The item goes to `model` instead of its own (a fallback), its worst case repriced at that
   * model's prices before its spend is reserved. Returns the undo, for when it cannot go after all.
   */
  moveTo(item: PendingItem, model: string): () => void {
    const before = { model: item.model, worstCaseUsd: item.worstCaseUsd };
    const params = item.request.params;
    const inputBound = item.worstCaseTokens - params.max_tokens;
    item.model = model === params.model ? undefined : model;
    item.worstCaseUsd = this.pricing.worstCaseCost(model, inputBound, params.max_tokens, promptCacheTtl(params));
    return () => {
      item.model = before.model;
      item.worstCaseUsd = before.worstCaseUsd;
    };
  }

  /** How long its next request of this class waits for the run's share of the class's buckets (undefined: it fits, or the run has no share). */
  shareWait(modelClass: string, c: Consumption, quota: LimitsSource, now: number): ShareWait | undefined {
    return this.shareOf(modelClass)?.wait(c, quota.view(), now);
  }

  /** A request of this class went: off the run's share. */
  takeShare(modelClass: string, c: Consumption, quota: LimitsSource, now: number): void {
    this.shareOf(modelClass)?.take(c, quota.view(), now);
  }

  /** A request of this class came back: its share is charged what it really consumed (nothing, if refused). */
  settleShare(modelClass: string, expected: Consumption, actual: Consumption, quota: LimitsSource, now: number): void {
    this.shares.get(modelClass)?.settle(expected, actual, quota.view(), now);
  }

  private shareOf(modelClass: string): ShareBuckets | undefined {
    if (this.maxShare === undefined) return undefined;
    let share = this.shares.get(modelClass);
    if (!share) this.shares.set(modelClass, (share = new ShareBuckets(this.maxShare)));
    return share;
  }

  markRateLimited(): void {
    this.progress.markRateLimited();
  }

  markOverloaded(): void {
    this.progress.markOverloaded();
  }

  /** A success, written to the results at once. Its cost must be a real amount, or the run stops loudly (a BooksError). */
  recordSuccess(item: PendingItem, message: SentResult, now: number): void {
    if (message.costUsd !== null) assertAmount("a request's cost", message.costUsd);
    this.progress.recordSuccess(item, now);
    this.onResult(successLine(item, message), item.request);
  }

  recordError(item: PendingItem, error: ResultError, latencyMs: number | null, now: number): void {
    this.progress.recordError(item, error, now);
    this.onResult(errorLine(item, error, latencyMs), item.request);
  }

  // ── Its state ────────────────────────────────────────────────────────────

  /** True when the state or its sentence changed (the dispatcher tells its listeners then). */
  setState(state: RunState, detail?: string, holdCause?: Hold): boolean {
    const changed = this.currentState !== state || this.currentDetail !== detail;
    this.currentState = state;
    this.currentDetail = detail;
    this.currentHold = holdCause;
    return changed;
  }

  end(state: RunState, detail: string | undefined, now: number): void {
    // Of the holds, only the budget it reached is why it ended; a floor it was held at is not.
    if (state !== 'budget-reached') this.currentHold = undefined;
    this.currentState = state;
    this.currentDetail = detail;
    this.ended = now;
    this.queue.close();
    this.resolveDone(this.summary());
  }

  summary(): RunSummary {
    return this.progress.summary(this);
  }

  snapshot(now: number): RunSnapshot {
    return this.progress.snapshot(this, now);
  }
}
