// The floor-aware dispatcher: one per API key (one org quota), shared by every run on that key.
//
// It sends a request only when the quota model says every bucket stays above its soft floor after
// it, the in-flight ceiling has room, no 429 cool-down is in force, the retry budget allows (for a
// retry) and the run's spend cap can hold its worst case. Otherwise it waits — for a timer at the
// moment the blocking condition clears, or for a completion — instead of retrying into the wall.
import type { Clock, MessageParams } from '../types';
import { systemClock } from '../types';
import type { TierLimits } from '../tiers';
import type { MessagesClient } from '../client/messages-client';
import { requestTimeoutMs } from '../client/messages-client';
import { QuotaModel, type Consumption } from '../limits/quota-model';
import { type FloorSpec, formatFloor } from '../limits/floors';
import { DEFAULTS } from '../config';
import { parseRateLimitHeaders } from '../limits/rate-limit-headers';
import { APIError } from '@anthropic-ai/sdk';
import { InFlightCeiling, type CeilingDecision } from './in-flight-ceiling';
import { Cooldown } from './cooldown';
import { Ticket } from './ticket';
import { refusalOf, SHARED_MIN_WAIT_MS } from './shared-grant';
import { ConsumptionEstimator } from './estimator';
import { classifyError, retryDelayMs, envelope, type StopCause } from './retry-policy';
import { RetryBudget } from './retry-budget';
import { Run, type RunOptions, type PendingItem } from './run';
import type { DispatcherSnapshot, Priority, RunState } from './snapshot';
import { TypedEmitter } from './typed-emitter';
import { usageProblem } from '../client/usage-check';
import { PromptBounds, type TokenCounter } from '../spend/prompt-bound';
import { formatCount, formatUsd, plural } from '../format';
import { DIMENSION_LABELS } from './tightest-dimension';
import type { Usage } from '../types';
import type { SharedCoordinator, SharedReserveOutcome } from '../coordination/coordinator';
import type { HeaderSource, LimitObservation } from '../limits/rate-limit-headers';

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
  /** First guess at the limits before a response brings the real ones. */
  initialLimits?: TierLimits;
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

/** Every token a request consumed, cached or not: what a daily token budget counts. */
function totalTokens(usage: Usage): number {
  return usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + usage.output_tokens;
}

const START_WINDOW_WITH_PRESET = 8;
const HOLD_REFRESH_MS = 1_000;
/** A full bucket is spent down to its soft floor over about this long, on top of the refill. */
const SPEND_HORIZON_MS = 3_000;
const PRIORITY_WEIGHT: Record<Priority, number> = { high: 4, normal: 2, background: 1 };

export class Dispatcher extends TypedEmitter<DispatcherEvents> {
  private readonly client: MessagesClient;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly quota: QuotaModel;
  private readonly ceiling: InFlightCeiling;
  private readonly estimator = new ConsumptionEstimator();
  private readonly promptBounds: PromptBounds;
  private readonly retryBudget: RetryBudget;
  private readonly maxAttempts: number;
  private readonly retryBudgetPerMinute: number;
  private readonly timeoutMs: (maxTokens: number) => number;
  private readonly snapshotIntervalMs: number;
  private readonly runs = new Set<Run>();
  /** Runs whose input could not be read to the end. */
  private readonly failedRuns = new Set<Run>();

  private inFlight = 0;
  private paused = false;
  /** The pause after a 429/529, and the one request that goes first when it ends. */
  private readonly cooldown: Cooldown<PendingItem>;
  private apiStop: { cause: StopCause | 'shared'; explanation: string } | undefined;
  private readonly coordinator: SharedCoordinator | undefined;
  /** The run whose item awaits the shared coordinator's answer: one at a time, in schedule order. */
  private grantingFor: Run | undefined;
  /** What the shared coordinator last said to wait for, and until when. */
  private sharedHold: { until: number; hold: DispatcherSnapshot['hold']; detail: string } | undefined;
  private hold: DispatcherSnapshot['hold'];
  /** Whether the current hold was announced at info level (so its end is too). */
  private holdLoud = false;
  private holdDetail: string | undefined;
  private lastCeiling: CeilingDecision = { value: 1, by: 'start', reason: 'not started' };
  /** The decision last logged and emitted: a new binding, or a move of ≥ 10%, is news; the drift of every completion is not. */
  private reportedCeiling: CeilingDecision = this.lastCeiling;

  private pumping = false;
  private pumpAgain = false;
  /** Requests admitted in this pass, sent once their spend journals are flushed (one flush per pass, not per request). */
  private readonly pendingSends: Array<{ run: Run; send: () => void }> = [];
  private wakeTimer: unknown;
  private wakeAt = Number.POSITIVE_INFINITY;
  private snapshotTimer: unknown;
  private lastSnapshotAt = Number.NEGATIVE_INFINITY;

  constructor(options: DispatcherOptions) {
    super();
    this.client = options.client;
    this.promptBounds = new PromptBounds(options.client.countTokens ? (options.client as TokenCounter) : undefined);
    this.coordinator = options.coordinator;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.cooldown = new Cooldown(this.random);
    const softFloor = options.softFloor ?? DEFAULTS.softFloor;
    const hardFloor = options.hardFloor ?? DEFAULTS.hardFloor;
    this.quota = new QuotaModel({
      softFloor,
      hardFloor,
      clock: this.clock,
      ...(options.initialLimits ? { initialLimits: options.initialLimits } : {}),
    });
    this.ceiling = new InFlightCeiling({
      maxInFlight: options.maxInFlight ?? DEFAULTS.maxInFlight,
      cap: options.maxInFlightCap ?? DEFAULTS.maxInFlightCap,
      // A tier preset is only a guess at the limits, not at how full the buckets are: a small
      // window, so a drained key meets a few 429s at most before the first headers arrive.
      initial: options.initialLimits ? START_WINDOW_WITH_PRESET : 1,
    });
    this.maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
    this.retryBudgetPerMinute = options.retryBudgetPerMinute ?? DEFAULTS.retryBudgetPerMinute;
    this.retryBudget = new RetryBudget({ perMinute: this.retryBudgetPerMinute, ratio: options.retryBudgetRatio ?? DEFAULTS.retryBudgetRatio }, this.clock);
    this.timeoutMs = options.timeoutMs ?? requestTimeoutMs;
    this.snapshotIntervalMs = options.snapshotIntervalMs ?? 250;
    this.log('info', `dispatcher: soft floor ${formatFloor(softFloor)}, hard floor ${formatFloor(hardFloor)}, ` +
      `in flight ${options.maxInFlight ?? DEFAULTS.maxInFlight}, ${plural(this.maxAttempts, 'attempt')} per request, ` +
      `retry budget ${this.retryBudgetPerMinute}/min + ${Math.round((options.retryBudgetRatio ?? DEFAULTS.retryBudgetRatio) * 100)}% of requests`);
  }

  /** Start dispatching a file's requests on this dispatcher's quota. */
  addRun(options: RunOptions): Run {
    const run = new Run({ promptBounds: this.promptBounds, ...options }, this.clock.now());
    // Join at the current front of the stride schedule: neither starved nor allowed to burst.
    const active = [...this.runs].filter((r) => !r.isTerminal);
    run.pass = active.length ? Math.min(...active.map((r) => r.pass)) : 0;
    this.runs.add(run);
    this.log('info', `${run.label}: ${plural(run.total, 'request')} to send` + (run.resumed ? ` (${run.resumed} already done, resumed)` : '') +
      (options.maxSpendUsd !== undefined ? `, spend cap ${formatUsd(options.maxSpendUsd)}` : ''), run.id);
    if (this.apiStop) this.endRun(run, 'api-stopped', this.apiStop.explanation);
    this.readAhead(run);
    this.pump();
    return run;
  }

  // ── Control ──────────────────────────────────────────────────────────────

  /** No new dispatches (all runs, or one); in-flight requests finish. */
  pause(run?: Run): void {
    for (const r of run ? [run] : this.runs) r.paused = true;
    if (!run) {
      this.paused = true;
      void this.coordinator?.setPaused(true);
    }
    this.log('info', run ? `${run.label}: paused` : 'paused: no new requests; in-flight ones finish', run?.id);
    this.pump();
  }

  resume(run?: Run): void {
    for (const r of run ? [run] : this.runs) r.paused = false;
    if (!run) {
      this.paused = false;
      void this.coordinator?.setPaused(false);
    }
    this.log('info', run ? `${run.label}: resumed` : 'resumed', run?.id);
    this.pump();
  }

  /** Graceful stop: nothing new goes out; in-flight requests finish and are recorded. */
  stop(run?: Run): void {
    for (const r of run ? [run] : this.runs) r.stopping = true;
    this.pump();
  }

  /** Stop now: in-flight requests are cancelled (not recorded; a resume sends them again). */
  abort(run?: Run): void {
    for (const r of run ? [run] : this.runs) {
      r.stopping = true;
      r.aborted = true;
      for (const controller of r.controllers) controller.abort();
    }
    this.pump();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get activeRuns(): Run[] {
    return [...this.runs].filter((r) => !r.isTerminal);
  }

  // ── Scheduling ───────────────────────────────────────────────────────────

  private readAhead(run: Run): void {
    run.readAhead(
      () => this.pump(),
      (err) => {
        this.log('error', `${run.label}: ${err.message}`, run.id);
        run.stopping = true;
        run.detail = err.message;
        this.failedRuns.add(run);
        this.pump();
      },
    );
  }

  /** Look at everything again. Re-entrant calls are folded into one more pass. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.dispatchWhilePossible();
        this.settleRunStates();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    this.sendPending();
    this.scheduleSnapshot();
  }

  /**
   * The spend cap must survive a crash: each run's journal is made durable (one fdatasync for all
   * the requests this pass admitted) before any of them leaves.
   */
  private sendPending(): void {
    if (this.pendingSends.length === 0) return;
    const sends = this.pendingSends.splice(0);
    const flushed = new Set<Run>();
    for (const { run } of sends) {
      if (flushed.has(run)) continue;
      flushed.add(run);
      run.flushJournal();
    }
    for (const { send } of sends) send();
  }

  private dispatchWhilePossible(): void {
    const now = this.clock.now();
    let wakeAt = Number.POSITIVE_INFINITY;
    let hold: DispatcherSnapshot['hold'];
    let holdDetail: string | undefined;

    for (;;) {
      if (this.apiStop || this.paused || this.grantingFor) break;
      const retriesAllowed = this.retryBudget.msUntilAvailable() === 0;
      const candidate = this.pickRun(now, retriesAllowed);
      if (!candidate) {
        if (!retriesAllowed && this.hasDueRetry(now)) {
          const wait = this.retryBudget.msUntilAvailable();
          wakeAt = Math.min(wakeAt, now + wait);
          holdDetail = `retry budget spent; next retry in ${(wait / 1000).toFixed(1)} s`;
        }
        break;
      }
      const ceiling = this.currentCeiling();
      if (this.inFlight >= ceiling.value) break; // a completion will call pump again
      const pushedBack = this.cooldown.hold(now);
      if (pushedBack) {
        hold = 'cooldown';
        holdDetail = pushedBack.detail;
        // Without an end time the probe is out: its headers, or its answer, call pump again.
        if (pushedBack.until !== undefined) wakeAt = Math.min(wakeAt, pushedBack.until);
        break;
      }
      if (this.sharedHold && this.sharedHold.until > now) {
        hold = this.sharedHold.hold;
        holdDetail = this.sharedHold.detail;
        wakeAt = Math.min(wakeAt, this.sharedHold.until);
        break;
      }
      const { run, item } = candidate;
      const consumption = this.estimator.estimate(item.shape);
      // With a shared coordinator its answer is the one that counts: our own model has not seen
      // what the other participants sent since our last response.
      const admit = this.coordinator ? ({ ok: true } as const) : this.quota.admit(consumption);
      if (!admit.ok) {
        hold = admit.hold;
        const view = this.quota.view()[admit.dimension];
        const floor = view && (admit.hold === 'hard' ? view.hardFloor : view.softFloor);
        holdDetail =
          `${admit.hold === 'hard' ? 'stopped at hard floor' : 'holding at soft floor'}: ${DIMENSION_LABELS[admit.dimension]}` +
          `${view ? ` ${formatCount(view.remaining)} of ${formatCount(view.limit)} left, ${admit.hold} floor ${formatCount(floor ?? 0)}` : ''}; ` +
          `refilling for ${(admit.waitMs / 1000).toFixed(1)} s`;
        wakeAt = Math.min(wakeAt, now + admit.waitMs);
        break;
      }
      if (!this.reserveSpend(run, item)) continue; // this run waits or ended; others may go
      run.take(item);
      if (this.coordinator) {
        this.requestGrant(this.coordinator, run, item, consumption);
        break;
      }
      this.dispatch(run, item, consumption, now, undefined);
    }

    if (hold !== this.hold || holdDetail !== this.holdDetail) {
      // Riding the soft floor means holds of a few milliseconds, many times a second: those are
      // debug detail. A hold worth telling people about lasts a second or more, or is a hard stop.
      if (hold && hold !== this.hold) {
        this.holdLoud = hold === 'hard' || wakeAt - now >= 1_000;
        this.log(hold === 'hard' ? 'warn' : this.holdLoud ? 'info' : 'debug', holdDetail ?? hold);
      } else if (!hold && this.hold) this.log(this.holdLoud ? 'info' : 'debug', 'dispatching again');
      this.hold = hold;
      this.holdDetail = holdDetail;
    }
    for (const run of this.runs) wakeAt = Math.min(wakeAt, run.isDispatching ? run.nextRetryAt : Number.POSITIVE_INFINITY);
    // While holding, the buckets keep refilling and the hold's countdown runs: look again (and so
    // emit a fresh snapshot) at least every second, or a status bar would show a stale floor for
    // as long as a 60-second retry-after lasts.
    if (hold && this.activeRuns.length > 0) wakeAt = Math.min(wakeAt, now + HOLD_REFRESH_MS);
    this.armWake(wakeAt, now);
  }

  private dispatch(run: Run, item: PendingItem, consumption: Consumption, now: number, lease: string | undefined): void {
    if (item.attempts === 0) this.retryBudget.recordFresh();
    else if (!item.pushedBack) this.retryBudget.tryTake();
    // Stride scheduling: a dispatch moves the run back by 1/weight, so high priority goes more often.
    run.pass += 1 / PRIORITY_WEIGHT[run.priority];
    this.cooldown.sending(item);
    this.launch(run, item, consumption, now, lease);
    this.readAhead(run);
  }

  /** Ask the shared coordinator for this item's capacity; the pump waits for the answer. */
  private requestGrant(coordinator: SharedCoordinator, run: Run, item: PendingItem, consumption: Consumption): void {
    this.grantingFor = run;
    coordinator
      .reserve({ consumption, worstUsd: item.worstCaseUsd, worstTokens: item.worstCaseTokens })
      .catch((err: unknown): SharedReserveOutcome => ({ ok: false, kind: 'unavailable', waitMs: 1_000, detail: String(err) }))
      .then((outcome) => this.onGrant(coordinator, run, item, consumption, outcome))
      .finally(() => {
        this.grantingFor = undefined;
        this.pump();
      });
  }

  private onGrant(coordinator: SharedCoordinator, run: Run, item: PendingItem, consumption: Consumption, granted: SharedReserveOutcome): void {
    const now = this.clock.now();
    let outcome = granted;
    // Without a lease the coordinator is running on local limits only (the store is away and the
    // user allowed that): our own model decides, as it does without a coordinator.
    const local = outcome.ok && outcome.lease === undefined;
    if (local) {
      const admit = this.quota.admit(consumption);
      if (!admit.ok) outcome = { ok: false, kind: admit.hold, dimension: admit.dimension, waitMs: admit.waitMs };
    }
    if (outcome.ok && !(this.apiStop || this.paused || run.paused || run.stopping)) {
      this.sharedHold = undefined;
      this.dispatch(run, item, consumption, now, outcome.lease);
      return;
    }
    // Not sent: the item goes back where it was, its spend reservation is returned.
    if (outcome.ok && outcome.lease) void coordinator.release(outcome.lease, true, false);
    run.requeue(item);
    if (item.budgetHold) run.budgets.release(item.budgetHold);
    item.budgetHold = undefined;
    if (outcome.ok) return;
    const refusal = refusalOf(outcome, local);
    if (refusal.kind === 'wait') {
      // Jittered, so that participants held together do not all come back at the same moment.
      this.sharedHold = { until: now + Math.max(refusal.waitMs, SHARED_MIN_WAIT_MS) + this.random() * SHARED_MIN_WAIT_MS, hold: refusal.hold, detail: refusal.detail };
    } else if (refusal.kind === 'budget-reached') {
      run.stopping = true;
      run.setState('budget-reached', `the next request (worst case ${item.worstCaseUsd === null ? 'unpriced' : formatUsd(item.worstCaseUsd)}) would cross the shared ${refusal.label}`);
    } else {
      this.stopForApi('shared', refusal.explanation, 'stop signalled by another participant of the shared quota');
    }
    if (this.sharedHold) this.armWake(this.sharedHold.until, now);
  }

  /** What a response's headers said (`sentAt`: when its request went out): our own model, and every other participant's. */
  private observe(observation: LimitObservation, sentAt?: number): void {
    this.quota.observe(observation, sentAt);
    void this.coordinator?.observe(observation);
  }

  /** The run whose turn it is (lowest stride pass among those with something to send), with that item. */
  private pickRun(now: number, retriesAllowed: boolean): { run: Run; item: PendingItem } | undefined {
    let best: { run: Run; item: PendingItem } | undefined;
    for (const run of this.runs) {
      if (!run.isDispatching || run.budgetWait) continue;
      const item = run.peek(now, retriesAllowed);
      if (!item) continue;
      if (!best || run.pass < best.run.pass) best = { run, item };
    }
    return best;
  }

  /** Reserve the item's worst case on the run's cap and the shared budgets, or decide what the run does instead. */
  private hasDueRetry(now: number): boolean {
    return [...this.runs].some((r) => r.isDispatching && r.nextRetryAt <= now);
  }

  private reserveSpend(run: Run, item: PendingItem): boolean {
    let result: ReturnType<Run['budgets']['tryReserve']>;
    try {
      result = run.budgets.tryReserve({ usd: item.worstCaseUsd, tokens: item.worstCaseTokens });
    } catch (err) {
      this.failLoudly(run, err);
      return false;
    }
    if (result.ok) {
      item.budgetHold = result.hold;
      return true;
    }
    if (result.everFits && run.inFlight > 0) {
      // What is in flight holds worst-case reservations; once they settle there may be room.
      run.budgetWait = true;
      return false;
    }
    run.stopping = true;
    const why =
      item.worstCaseUsd === null
        ? `model '${item.request.params.model}' has no known price, so it cannot be sent under the ${result.label}`
        : `the next request (worst case ${formatUsd(item.worstCaseUsd)}, ${item.worstCaseTokens} tokens) would cross the ${result.label}`;
    run.setState('budget-reached', why);
    return false;
  }

  private currentCeiling(): CeilingDecision {
    // Until a first response tells us the limits and how full the buckets are, the ceiling's start window.
    const rate = this.quota.hasObservation && this.estimator.average ? this.quota.spendableRate(this.estimator.average, SPEND_HORIZON_MS) : undefined;
    const decision: CeilingDecision = this.ceiling.decide(rate, this.quota.hasObservation);
    const reported = this.reportedCeiling;
    if (decision.by !== reported.by || Math.abs(decision.value - reported.value) >= Math.max(1, reported.value * 0.1)) {
      this.reportedCeiling = decision;
      // Debug only (the CLI shows it with --verbose): the ceiling moves with every completion while
      // ramping, and its reason is the controller's arithmetic (Little's law, ramp, cap), which asks
      // nothing of the user. A push-back that lowers it is already reported as a warning (429/529);
      // the dashboard shows the current reason beside the in-flight gauge.
      this.log('debug', `in-flight ceiling ${decision.reason}`);
      this.emit('ceiling', decision);
    }
    this.lastCeiling = decision;
    return decision;
  }

  private armWake(at: number, now: number): void {
    if (at === Number.POSITIVE_INFINITY) return;
    if (this.wakeTimer !== undefined && this.wakeAt <= at) return;
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = this.clock.setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, Math.max(1, at - now));
  }

  // ── One request ──────────────────────────────────────────────────────────

  private launch(run: Run, item: PendingItem, consumption: Consumption, now: number, lease: string | undefined): void {
    item.attempts++;
    item.firstSentAt ??= now;
    this.inFlight++;
    run.inFlight++;
    // From here the attempt's ticket holds its reservation, its spend hold and its lease.
    const ticket = new Ticket(this.quota, this.quota.reserve(consumption), run.budgets, item.budgetHold, this.coordinator, lease);
    item.budgetHold = undefined;
    const controller = new AbortController();
    run.controllers.add(controller);
    this.pendingSends.push({ run, send: () => this.send(run, item, ticket, now, controller) });
  }

  private send(run: Run, item: PendingItem, ticket: Ticket, now: number, controller: AbortController): void {
    const params: MessageParams = item.request.params;
    // Until a response has told the limits, and for the probe after a push-back pause, requests
    // stream: their headers come on admission, so the rest wait for the API to accept one request,
    // not for its whole reply.
    const onHeaders = this.quota.hasObservation && !this.cooldown.isProbe(item) ? undefined : (headers: HeaderSource) => {
      const at = this.clock.now();
      if (!this.quota.hasObservation) this.log('debug', `${run.label}: the limits are in, ${at - now} ms after the first request went out (its reply streams on)`, run.id);
      if (this.cooldown.accepted(item)) this.log('debug', `${run.label}: the API accepted a request again, ${at - now} ms after it went out`, run.id);
      this.observe(parseRateLimitHeaders(headers, at), now);
      this.pump();
    };
    this.client
      .create(params, { signal: controller.signal, timeoutMs: this.timeoutMs(params.max_tokens), ...(onHeaders ? { onHeaders } : {}) })
      .then(
        (sent) => {
          const done = this.clock.now();
          this.cooldown.succeeded(item, now);
          const malformed = usageProblem(sent.message);
          if (malformed) return this.onMalformedSuccess(run, item, ticket, sent, malformed, now);
          const usage = sent.message.usage;
          const charged = ConsumptionEstimator.charged(usage);
          const cost = run.costOf(params.model, usage);
          // Settled before its headers are read: they already count this request.
          ticket.settle(charged, { usd: cost, tokens: totalTokens(usage) });
          this.observe(parseRateLimitHeaders(sent.headers, done), now);
          this.estimator.learn(item.shape, usage);
          this.ceiling.recordSuccess(done - now);
          run.recordSuccess(item, { message: sent.message, latencyMs: done - (item.firstSentAt ?? now), costUsd: cost }, done);
        },
        (err: unknown) => this.onFailure(run, item, ticket, err, now),
      )
      // A throw in the books (NaN, a negative amount) or in writing a result must stop the run
      // loudly, not become an unhandled rejection that kills the process with requests in flight.
      .catch((err: unknown) => this.failLoudly(run, err))
      .finally(() => {
        this.inFlight--;
        run.inFlight--;
        run.controllers.delete(controller);
        run.budgetWait = false;
        this.pump();
      });
  }

  /**
   * A 200 whose `usage` cannot be billed from: an errored line, never a crash. It was probably
   * billed, so the cap keeps its worst case; it is not retried (a retry would pay again).
   */
  private onMalformedSuccess(run: Run, item: PendingItem, ticket: Ticket, sent: { headers: HeaderSource; requestId: string | null }, problem: string, sentAt: number): void {
    const now = this.clock.now();
    ticket.release({ refused: false, possiblyBilled: true });
    this.observe(parseRateLimitHeaders(sent.headers, now), sentAt);
    const error = envelope('invalid_response', `the API answered 200 but ${problem}, so its cost cannot be known; it was probably billed, so its worst case ` +
      `(${item.worstCaseUsd === null ? 'unpriced' : formatUsd(item.worstCaseUsd)}) stays counted against the spend cap`, undefined, sent.requestId);
    this.log('warn', `${run.label}:${item.request.line} ${item.request.customId}: ${error.error.message}`, run.id);
    run.recordError(item, error, now - (item.firstSentAt ?? sentAt), now);
  }

  /** Something no request should meet (the books handed NaN, a result that cannot be written): this run stops, saying why. */
  private failLoudly(run: Run, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (this.failedRuns.has(run)) return;
    this.log('error', `${run.label}: stopped: ${message}`, run.id);
    run.stopping = true;
    run.detail = message;
    this.failedRuns.add(run);
    this.pump();
  }

  private onFailure(run: Run, item: PendingItem, ticket: Ticket, err: unknown, sentAt: number): void {
    const now = this.clock.now();
    if (err instanceof APIError && err.headers) this.observe(parseRateLimitHeaders(err.headers, now), sentAt);
    const verdict = classifyError(err, now);
    const wasProbe = this.cooldown.isProbe(item);
    this.cooldown.answered(item, verdict.kind === 'retry' && verdict.pushback !== undefined);
    const customId = item.request.customId;

    switch (verdict.kind) {
      case 'aborted':
        // Cancelled mid-flight: it may have been billed, so the cap keeps its worst case.
        ticket.release({ refused: false, possiblyBilled: true });
        return;
      case 'stop':
        ticket.release({ refused: true, possiblyBilled: false });
        item.attempts--;
        run.putBack(item);
        this.stopForApi(verdict.cause, verdict.explanation, verdict.error.error.message);
        return;
      case 'final':
        ticket.release({ refused: true, possiblyBilled: false });
        this.log('warn', `${run.label}:${item.request.line} ${customId}: ${verdict.error.error.type}: ${verdict.error.error.message}`, run.id);
        run.recordError(item, verdict.error, now - sentAt, now);
        return;
      case 'retry': {
        ticket.release({ refused: verdict.refused, possiblyBilled: verdict.possiblyBilled });
        const tooBig = verdict.pushback === 'rate-limited' ? this.quota.largerThanBucket(ticket.consumption) : undefined;
        if (tooBig) {
          // Not an empty bucket everyone must wait for: this one prompt can never fit. Retrying
          // would pause every run for its retry-after, again and again, for nothing.
          run.rateLimited++;
          const error = envelope('request_too_large_for_limit',
            `the prompt (about ${formatCount(ticket.consumption.inputTokens)} input tokens) is larger than the whole ${DIMENSION_LABELS[tooBig.dimension]} limit ` +
            `(${formatCount(tooBig.limit)} per minute), so the API can never accept it at this limit — shorten it, or ask for a higher limit`,
            verdict.error.error.details?.error_code, verdict.error.request_id);
          this.log('warn', `${run.label}:${item.request.line} ${customId}: ${error.error.message}`, run.id);
          run.recordError(item, error, now - sentAt, now);
          return;
        }
        if (verdict.pushback) {
          const cause = verdict.error.error.details?.error_code === 'ramp_limit_exceeded' ? 'ramp-limited' : verdict.pushback;
          // A refused probe was the only request out: the pause escalates; the ceiling was cut already.
          if (!wasProbe) this.ceiling.recordPushback(this.inFlight, cause, sentAt, now);
          if (verdict.pushback === 'rate-limited') run.rateLimited++;
          else run.overloaded++;
          const pause = this.cooldown.pushback(verdict.pushback, now, sentAt, verdict.retryAfterMs, verdict.retryAfterAskedMs);
          if (pause) {
            void this.coordinator?.coolDown(pause.pauseMs);
            this.log('warn', pause.message);
          }
        }
        const status = verdict.error.error.type;
        if (item.attempts >= this.maxAttempts) {
          const error = envelope(verdict.error.error.type, `gave up after ${plural(item.attempts, 'attempt')}: ${verdict.error.error.message}`, verdict.error.error.details?.error_code, verdict.error.request_id);
          this.log('warn', `${run.label}:${item.request.line} ${customId}: ${error.error.message}`, run.id);
          run.recordError(item, error, now - sentAt, now);
          return;
        }
        const delayMs = retryDelayMs(item.attempts, verdict.retryAfterMs, this.random);
        item.pushedBack = verdict.pushback !== undefined;
        run.scheduleRetry(item, now + delayMs);
        const event: RetryEvent = { runId: run.id, customId, attempt: item.attempts + 1, delayMs, reason: status };
        this.log('debug', `${run.label}:${item.request.line} ${customId}: ${status} (${verdict.error.error.message}), retry ${event.attempt} in ${(delayMs / 1000).toFixed(1)} s`, run.id);
        this.emit('retry', event);
        return;
      }
    }
  }

  private stopForApi(cause: StopCause | 'shared', explanation: string, apiMessage: string): void {
    if (this.apiStop) return;
    this.apiStop = { cause, explanation };
    if (cause !== 'shared') void this.coordinator?.stopAll(explanation);
    this.log('error', `${explanation} (API said: ${apiMessage})`);
    for (const run of this.runs) if (!run.isTerminal) run.stopping = true;
  }

  // ── States ───────────────────────────────────────────────────────────────

  private settleRunStates(): void {
    const now = this.clock.now();
    for (const run of this.runs) {
      if (run.isTerminal) continue;
      // An item awaiting the shared coordinator is neither sent nor queued: the run is not done yet.
      if (run.inFlight === 0 && run !== this.grantingFor && (run.stopping || run.drained)) {
        if (this.failedRuns.has(run)) this.endRun(run, 'failed', run.detail);
        else if (this.apiStop) this.endRun(run, 'api-stopped', this.apiStop.explanation);
        else if (run.state === 'budget-reached') this.endRun(run, 'budget-reached', `${run.detail}; ${plural(run.unsent, 'line')} left unsent`);
        else if (run.stopping && !run.drained) this.endRun(run, run.aborted ? 'aborted' : 'stopped', `${plural(run.unsent, 'line')} left unsent`);
        else this.endRun(run, 'finished', undefined);
        continue;
      }
      const [state, detail] = this.liveState(run);
      if (run.setState(state, detail)) this.emit('state', run.id, state, detail);
      if (run.state !== 'stopping' && run.state !== 'paused') this.readAhead(run);
    }
    if (this.activeRuns.length === 0 && this.wakeTimer !== undefined) {
      this.clock.clearTimeout(this.wakeTimer);
      this.wakeTimer = undefined;
      this.wakeAt = Number.POSITIVE_INFINITY;
    }
  }

  private liveState(run: Run): [RunState, string | undefined] {
    if (run.state === 'budget-reached') return ['budget-reached', run.detail];
    if (this.apiStop || run.stopping) return ['stopping', this.apiStop?.explanation];
    if (run.paused) return ['paused', undefined];
    if (this.hold === 'hard') return ['hard-stopped', this.holdDetail];
    if (this.hold === 'soft') return ['holding', this.holdDetail];
    if (this.hold === 'cooldown') return ['cooling-down', this.holdDetail];
    return ['running', undefined];
  }

  private endRun(run: Run, state: RunState, detail: string | undefined): void {
    if (run.isTerminal) return;
    run.end(state, detail, this.clock.now());
    const s = run.summary();
    this.log(state === 'finished' ? 'info' : 'warn',
      `${run.label}: ${state}${detail ? ` — ${detail}` : ''} (${s.succeeded} succeeded, ${s.errored} errored, ${s.unsent} unsent, ${formatUsd(s.spentUsd)})`, run.id);
    this.emit('state', run.id, state, detail);
    this.emitSnapshot();
  }

  // ── Snapshots and logs ───────────────────────────────────────────────────

  snapshot(): DispatcherSnapshot {
    const now = this.clock.now();
    return {
      at: now,
      inFlight: this.inFlight,
      ceiling: this.lastCeiling.value,
      ceilingReason: this.lastCeiling.reason,
      hold: this.hold,
      holdDetail: this.holdDetail,
      dimensions: this.quota.view(),
      retryBudget: { available: this.retryBudget.available, perMinute: this.retryBudgetPerMinute, ratio: this.retryBudget.ratio },
      cooldownUntil: this.cooldown.pausedUntil(now),
      runs: [...this.runs].map((r) => r.snapshot(now)),
    };
  }

  private emitSnapshot(): void {
    this.lastSnapshotAt = this.clock.now();
    this.emit('snapshot', this.snapshot());
  }

  /** At most one snapshot per interval; the last change is never lost. */
  private scheduleSnapshot(): void {
    if (this.snapshotTimer !== undefined) return;
    const wait = this.lastSnapshotAt + this.snapshotIntervalMs - this.clock.now();
    if (wait <= 0) return this.emitSnapshot();
    this.snapshotTimer = this.clock.setTimeout(() => {
      this.snapshotTimer = undefined;
      this.emitSnapshot();
    }, wait);
    (this.snapshotTimer as { unref?: () => void }).unref?.();
  }

  private log(level: LogLevel, message: string, runId?: string): void {
    this.emit('log', runId === undefined ? { level, message } : { level, message, runId });
  }
}
