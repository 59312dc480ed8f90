// One attempt from the moment the dispatcher lets it go: the call to the API, and what its answer
// does. A success is settled on every ledger and taught to the estimator and the ceiling; a failure
// is classified (retry-policy.ts) and becomes a final error in the results, a retry after a
// backoff, a push-back that slows everyone down, or a stop of the whole dispatcher. Every path ends
// the attempt's Ticket exactly once.
//
// It is apart from the dispatcher so the dispatcher reads as the scheduling loop. It sees only what
// an attempt may touch (the `LifecycleContext`), not the loop's state: deciding what may go next
// and stopping a run whose books broke stay there. It counts the attempt in its class's flight
// from admission to the end of its answer, and asks the loop to look again at both ends.
import { APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { Clock, ResultError, Usage } from '../types';
import type { MessagesClient, SentMessage } from '../client/messages-client';
import { usageProblem } from '../client/usage-check';
import type { SharedCoordinator } from '../coordination/coordinator';
import { parseRateLimitHeaders, type HeaderSource, type LimitObservation } from '../limits/rate-limit-headers';
import type { ClassLane } from './class-lane';
import type { LogLevel, RetryEvent } from './dispatcher-api';
import { ConsumptionEstimator } from './estimator';
import * as say from './messages';
import { classifyError, retryDelayMs, unreachableExplanation, type StopCause, type Verdict } from './retry-policy';
import type { Run } from './run';
import { modelOf, paramsOf, type PendingItem } from './run-queue';
import { Ticket } from './ticket';
import type { Consumption } from '../limits/quota-model';

/**
 * What an attempt may touch besides its model class's lane (its buckets, estimate, ceiling and
 * pause: class-lane.ts): the client, and the few things only the dispatcher can do.
 */
export interface LifecycleContext {
  readonly client: MessagesClient;
  /** Per-request timeout for a request of this max_tokens. */
  readonly timeoutMs: (maxTokens: number) => number;
  readonly clock: Clock;
  /** Jitter for the backoff. */
  readonly random: () => number;
  /** A push-back pauses every participant of a shared quota, not only us. */
  readonly coordinator: SharedCoordinator | undefined;
  readonly maxAttempts: number;
  /** The loop looks again (an attempt was admitted by the API, or ended). */
  lookAgain(): void;
  /** Handling an answer threw (the books handed NaN, a result that cannot be written): that run stops, saying why. */
  failLoudly(run: Run, err: unknown): void;
  /** The API refused the key itself: nothing more goes out, on any run. */
  stopForApi(cause: StopCause, explanation: string, apiMessage: string): void;
  log(level: LogLevel, message: string, runId?: string): void;
  /** A retry was scheduled (the dispatcher's `retry` event). */
  retried(event: RetryEvent): void;
}

type RetryVerdict = Extract<Verdict, { kind: 'retry' }>;

/** Every token a request consumed, cached or not: what a daily token budget counts. */
function totalTokens(usage: Usage): number {
  return usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + usage.output_tokens;
}

export class RequestLifecycle {
  constructor(private readonly ctx: LifecycleContext) {}

  /**
   * An attempt the loop admitted: it counts in its class's flight from now, and its Ticket takes
   * over the quota reservation, the spend hold and the lease. It leaves when `hold` calls what it
   * was given (the dispatcher holds a pass's sends until their spend journals are durable).
   */
  launch(lane: ClassLane, run: Run, item: PendingItem, consumption: Consumption, now: number, lease: string | undefined, hold: (send: () => void) => void): void {
    lane.inFlight++;
    const controller = run.startAttempt(item, now);
    const ticket = new Ticket(lane.quota, lane.quota.reserve(consumption), run.budgets, item.budgetHold, this.ctx.coordinator, lease);
    item.budgetHold = undefined;
    hold(() => {
      this.send(lane, run, item, ticket, now, controller.signal)
        // A throw in the books (NaN, a negative amount) or in writing a result must stop the run
        // loudly, not become an unhandled rejection that kills the process with requests in flight.
        .catch((err: unknown) => this.ctx.failLoudly(run, err))
        .finally(() => {
          lane.inFlight--;
          run.endAttempt(controller);
          this.ctx.lookAgain();
        });
    });
  }

  /** Send the attempt; the promise settles once its answer has been handled, and rejects only when handling it threw. */
  private send(lane: ClassLane, run: Run, item: PendingItem, ticket: Ticket, sentAt: number, signal: AbortSignal): Promise<void> {
    const params = paramsOf(item);
    // Until a response has told the limits, and for the probe after a push-back pause, requests
    // stream: their headers come on admission, so the rest wait for the API to accept one request,
    // not for its whole reply.
    const streams = !lane.quota.hasObservation || lane.cooldown.isProbe(item);
    const onHeaders = streams ? (headers: HeaderSource) => {
      // The API accepted it: the rest may go now, not once its whole reply has streamed.
      this.admitted(lane, run, item, headers, sentAt);
      this.ctx.lookAgain();
    } : undefined;
    return this.ctx.client
      .create(params, { signal, timeoutMs: this.ctx.timeoutMs(params.max_tokens), ...(onHeaders ? { onHeaders } : {}) })
      .then(
        (sent) => this.succeeded(lane, run, item, ticket, sent, sentAt),
        // Once we aborted it, it is an abort, whatever shape the error took on the way up.
        (err: unknown) => this.failed(lane, run, item, ticket, signal.aborted ? new APIUserAbortError() : err, sentAt),
      );
  }

  /** A streamed attempt's headers arrived: the API accepted it; its reply streams on. */
  private admitted(lane: ClassLane, run: Run, item: PendingItem, headers: HeaderSource, sentAt: number): void {
    const at = this.ctx.clock.now();
    if (!lane.quota.hasObservation) this.ctx.log('debug', say.limitsKnownMessage(run, at - sentAt), run.id);
    if (lane.cooldown.accepted(item, sentAt)) this.ctx.log('debug', say.acceptedAgainMessage(run, at - sentAt), run.id);
    this.observe(lane, parseRateLimitHeaders(headers, at), sentAt);
  }

  /** The API answered 200. */
  private succeeded(lane: ClassLane, run: Run, item: PendingItem, ticket: Ticket, sent: SentMessage, sentAt: number): void {
    const { clock } = this.ctx;
    const { cooldown, estimator, ceiling } = lane;
    const done = clock.now();
    cooldown.succeeded(item, sentAt);
    const malformed = usageProblem(sent.message);
    if (malformed) return this.malformedSuccess(lane, run, item, ticket, sent, malformed, sentAt);
    const usage = sent.message.usage;
    const cost = run.costOf(modelOf(item), usage);
    // Settled before its headers are read: they already count this request.
    const charged = ConsumptionEstimator.charged(usage);
    ticket.settle(charged, { usd: cost, tokens: totalTokens(usage) });
    run.settleShare(lane.modelClass, ticket.consumption, charged, lane.quota, done);
    this.observe(lane, parseRateLimitHeaders(sent.headers, done), sentAt);
    estimator.learn(item.shape, usage);
    ceiling.recordSuccess(done - sentAt);
    run.recordSuccess(item, { message: sent.message, latencyMs: done - (item.firstSentAt ?? sentAt), costUsd: cost }, done);
  }

  /** The request failed (an API error, a timeout, a cancel): what the classification says happens to it. */
  private failed(lane: ClassLane, run: Run, item: PendingItem, ticket: Ticket, err: unknown, sentAt: number): void {
    const { clock } = this.ctx;
    const { cooldown } = lane;
    const now = clock.now();
    if (err instanceof APIError && err.headers) this.observe(lane, parseRateLimitHeaders(err.headers, now), sentAt);
    const verdict = classifyError(err, now);
    if (err instanceof APIError && err.status !== undefined) cooldown.reached(sentAt);
    const wasProbe = cooldown.isProbe(item);
    cooldown.answered(item, verdict.kind === 'retry' && verdict.pushback !== undefined);

    switch (verdict.kind) {
      case 'aborted':
        // Cancelled mid-flight: it may have been billed, so the cap keeps its worst case.
        ticket.release({ refused: false, possiblyBilled: true });
        return;
      case 'stop':
        // The API refused the key itself: this line was not processed; a resume sends it.
        ticket.release({ refused: true, possiblyBilled: false });
        run.queue.returnUnsent(item);
        this.ctx.stopForApi(verdict.cause, verdict.explanation, verdict.error.error.message);
        return;
      case 'final':
        ticket.release({ refused: !verdict.possiblyBilled, possiblyBilled: verdict.possiblyBilled });
        this.ctx.log('warn', say.lineMessage(run, item, `${verdict.error.error.type}: ${verdict.error.error.message}`), run.id);
        run.recordError(item, verdict.error, now - sentAt, now);
        return;
      case 'retry': {
        ticket.release({ refused: verdict.refused, possiblyBilled: verdict.possiblyBilled });
        // Refused before any work (a 429/529, no connection): it took nothing of the run's share.
        if (verdict.refused) run.settleShare(lane.modelClass, ticket.consumption, { inputTokens: 0, outputTokens: 0 }, lane.quota, now);
        const tooBig = verdict.pushback === 'rate-limited' ? lane.quota.largerThanBucket(ticket.consumption) : undefined;
        if (tooBig) {
          // Not an empty bucket everyone must wait for: this one prompt can never fit. Retrying
          // would pause every run for its retry-after, again and again, for nothing.
          run.markRateLimited();
          return this.recordFinalError(run, item, say.tooLargeError(ticket.consumption.inputTokens, tooBig, verdict.error), now - sentAt, now);
        }
        this.pushback(lane, run, verdict, wasProbe, sentAt, now);
        if (verdict.pushback === 'unreachable') return this.neverLeft(lane, run, item, verdict, now);
        if (item.attempts >= this.ctx.maxAttempts) return this.recordFinalError(run, item, say.gaveUpError(item.attempts, verdict.error), now - sentAt, now);
        return this.retry(run, item, verdict, now);
      }
    }
  }

  /** What a response's headers said (`sentAt`: when its request went out): our own model, and every other participant's. */
  private observe(lane: ClassLane, observation: LimitObservation, sentAt: number): void {
    lane.quota.observe(observation, sentAt);
    void this.ctx.coordinator?.observe(observation, lane.modelClass);
  }

  /**
   * A 200 whose `usage` cannot be billed from: an errored line, never a crash. It was probably
   * billed, so the cap keeps its worst case; it is not retried (a retry would pay again).
   */
  private malformedSuccess(lane: ClassLane, run: Run, item: PendingItem, ticket: Ticket, sent: SentMessage, problem: string, sentAt: number): void {
    const now = this.ctx.clock.now();
    ticket.release({ refused: false, possiblyBilled: true });
    this.observe(lane, parseRateLimitHeaders(sent.headers, now), sentAt);
    this.recordFinalError(run, item, say.malformedSuccessError(problem, item.worstCaseUsd, sent.requestId), now - (item.firstSentAt ?? sentAt), now);
  }

  /**
   * A 429 or 529: everyone slows down, not just this request — the ceiling is cut, new requests
   * pause (every participant's too). No connection: new requests pause, here only (the quota is
   * not the problem, and the other participants may well reach the API).
   */
  private pushback(lane: ClassLane, run: Run, verdict: RetryVerdict, wasProbe: boolean, sentAt: number, now: number): void {
    const pushback = verdict.pushback;
    if (!pushback) return;
    if (pushback !== 'unreachable') {
      const cause = verdict.error.error.details?.error_code === 'ramp_limit_exceeded' ? 'ramp-limited' : pushback;
      // A refused probe was the only request out: the pause escalates; the ceiling was cut already.
      if (!wasProbe) lane.ceiling.recordPushback(lane.inFlight, cause, sentAt, now);
      if (pushback === 'rate-limited') run.markRateLimited();
      else run.markOverloaded();
    }
    const pause = lane.cooldown.pushback(pushback, now, sentAt, verdict.retryAfterMs, verdict.retryAfterAskedMs);
    if (!pause) return;
    if (pushback === 'unreachable') return this.ctx.log('warn', `${pause.message} (${verdict.error.error.message})`);
    void this.ctx.coordinator?.coolDown(pause.pauseMs, lane.modelClass);
    this.ctx.log('warn', pause.message);
  }

  /**
   * The attempt never left this machine: the line goes back to the front unsent, its attempt not
   * counted, to go once a connection can be made. Out of reach for too long, every run stops.
   */
  private neverLeft(lane: ClassLane, run: Run, item: PendingItem, verdict: RetryVerdict, now: number): void {
    item.pushedBack = true;
    run.queue.returnUnsent(item);
    const outForMs = lane.cooldown.unreachableTooLong(now);
    if (outForMs !== undefined) this.ctx.stopForApi('unreachable', unreachableExplanation(outForMs), verdict.error.error.message);
  }

  /** Back in the queue after a backoff (the API's retry-after, else jittered exponential). */
  private retry(run: Run, item: PendingItem, verdict: RetryVerdict, now: number): void {
    const delayMs = retryDelayMs(item.attempts, verdict.retryAfterMs, this.ctx.random);
    item.pushedBack = verdict.pushback !== undefined;
    run.scheduleRetry(item, now + delayMs);
    const status = verdict.error.error.type;
    const event: RetryEvent = { runId: run.id, customId: item.request.customId, attempt: item.attempts + 1, delayMs, reason: status };
    this.ctx.log('debug', say.lineMessage(run, item, say.retryMessage(status, verdict.error.error.message, event.attempt, delayMs)), run.id);
    this.ctx.retried(event);
  }

  /** The line is answered with an error of ours (unbillable, too large, out of attempts): logged, and written to the results. */
  private recordFinalError(run: Run, item: PendingItem, error: ResultError, latencyMs: number, now: number): void {
    this.ctx.log('warn', say.lineMessage(run, item, error.error.message), run.id);
    run.recordError(item, error, latencyMs, now);
  }
}
