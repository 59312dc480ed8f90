// What the simulated API counts: every arrival, answer, token and dollar, for tests and the bench
// to compare with what the client believes. One method per event, so no endpoint adds up by hand.
import type { MockBatchResult } from './batch-wire';
import type { MockUsage } from './replies';

export interface MockStats {
  received: number;
  /** Every POST /v1/messages whose body is a JSON object, by request key (see `requestKey`), counted
   *  on arrival whatever the answer (an error, an injected fault, a reply the client abandoned). */
  receivedByKey: Record<string, number>;
  succeeded: number;
  byStatus: Record<string, number>;
  rateLimited: number;
  connectionResets: number;
  /** Requests whose client went away before the reply; still billed, as the real API would (an
   *  injected `hang` generated nothing and bills nothing). */
  abandoned: number;
  /** Requests answered by an injected `hang`; each counts in `inFlight` until its client goes away. */
  hung: number;
  /** 200s with an injected `malformed` body (counted in `byStatus`, not in `succeeded`). */
  malformedReplies: number;
  inFlight: number;
  maxInFlight: number;
  billedUsd: number;
  inputTokensCharged: number;
  outputTokensCharged: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  countTokensRequests: number;
  /** Successes per request key (`metadata.user_id`, else a hash of the messages; see `requestKey`). */
  completionsByKey: Record<string, number>;
  firstRequestAt: number | null;
  lastCompletionAt: number | null;
  /** Message Batches created, and the requests they held. */
  batchesCreated: number;
  batchRequests: number;
  /** Batch requests by outcome, counted as they settle. */
  batchSucceeded: number;
  batchErrored: number;
  batchCanceled: number;
  batchExpired: number;
  /** Usage of succeeded batch requests (`input_tokens` as in their usage, cache tokens apart). */
  batchInputTokens: number;
  batchOutputTokens: number;
  /** What batch requests were billed, at half the list price; also included in `billedUsd`. */
  batchBilledUsd: number;
}

/** What one generated live reply adds to the books. */
interface Generated {
  costUsd: number;
  outputTokens: number;
  cacheRead: number;
  cacheWrite: number;
}

export class StatsBook {
  private s: MockStats = emptyStats(0);

  /** Spend so far, live and batch: what the spend limits compare with. */
  get billedUsd(): number {
    return this.s.billedUsd;
  }

  /** A copy, safe to hand out. */
  snapshot(): MockStats {
    return structuredClone(this.s);
  }

  reset(): void {
    // In-flight requests are state, not history: they still finish and must still be counted down.
    this.s = emptyStats(this.s.inFlight);
  }

  /** A POST /v1/messages arrived (`key`: its request key, when the body is a JSON object). */
  received(at: number, key: string | undefined): void {
    this.s.received += 1;
    this.s.firstRequestAt ??= at;
    if (key !== undefined) bump(this.s.receivedByKey, key);
  }

  /** A POST /v1/messages was answered with `status` (sent now, or its stream opened). */
  answered(status: number): void {
    bump(this.s.byStatus, String(status));
    if (status === 429) this.s.rateLimited += 1;
  }

  connectionReset(): void {
    this.s.connectionResets += 1;
  }

  malformedReply(): void {
    this.s.malformedReplies += 1;
  }

  countTokensRequest(): void {
    this.s.countTokensRequests += 1;
  }

  /** A request admitted for generation: its input is charged and it is in flight. */
  admitted(chargedInput: number): void {
    this.s.inputTokensCharged += chargedInput;
    this.enterFlight();
  }

  /** Generation finished (whether or not the client is still there): charged and billed. */
  generated(g: Generated): void {
    this.s.inFlight -= 1;
    this.s.billedUsd += g.costUsd;
    this.s.outputTokensCharged += g.outputTokens;
    this.s.cacheReadTokens += g.cacheRead;
    this.s.cacheCreationTokens += g.cacheWrite;
  }

  succeeded(at: number, key: string): void {
    this.s.succeeded += 1;
    this.s.lastCompletionAt = at;
    bump(this.s.completionsByKey, key);
  }

  abandoned(): void {
    this.s.abandoned += 1;
  }

  /** An injected hang: in flight until its client goes away (`hangEnded`). */
  hung(): void {
    this.s.hung += 1;
    this.enterFlight();
  }

  hangEnded(): void {
    this.s.inFlight -= 1;
    this.s.abandoned += 1;
  }

  batchCreated(requests: number): void {
    this.s.batchesCreated += 1;
    this.s.batchRequests += requests;
  }

  /** A batch request settled; `costUsd` is what a succeeded one was billed (one bill with live spend). */
  batchSettled(result: MockBatchResult, costUsd: number): void {
    const s = this.s;
    if (result.type === 'errored') s.batchErrored += 1;
    else if (result.type === 'canceled') s.batchCanceled += 1;
    else if (result.type === 'expired') s.batchExpired += 1;
    else {
      const usage: MockUsage = result.message.usage;
      s.batchSucceeded += 1;
      s.batchInputTokens += usage.input_tokens;
      s.batchOutputTokens += usage.output_tokens;
      s.batchBilledUsd += costUsd;
      s.billedUsd += costUsd;
    }
  }

  private enterFlight(): void {
    this.s.inFlight += 1;
    this.s.maxInFlight = Math.max(this.s.maxInFlight, this.s.inFlight);
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function emptyStats(inFlight: number): MockStats {
  return {
    received: 0,
    receivedByKey: {},
    succeeded: 0,
    byStatus: {},
    rateLimited: 0,
    connectionResets: 0,
    abandoned: 0,
    hung: 0,
    malformedReplies: 0,
    inFlight,
    maxInFlight: inFlight,
    billedUsd: 0,
    inputTokensCharged: 0,
    outputTokensCharged: 0,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    countTokensRequests: 0,
    completionsByKey: {},
    firstRequestAt: null,
    lastCompletionAt: null,
    batchesCreated: 0,
    batchRequests: 0,
    batchSucceeded: 0,
    batchErrored: 0,
    batchCanceled: 0,
    batchExpired: 0,
    batchInputTokens: 0,
    batchOutputTokens: 0,
    batchBilledUsd: 0,
  };
}
