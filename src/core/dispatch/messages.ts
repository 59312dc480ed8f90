// What the dispatcher says, apart from its holds (those are `describeHold`): the log lines of a
// dispatcher's and a run's life, and the errors it writes into results. Kept here so the loop in
// dispatcher.ts reads as what happens, not as how it is worded.
import type { ResultError } from '../types';
import { formatCount, formatUsd, plural } from '../format';
import { type FloorSpec, formatFloor } from '../limits/floors';
import type { Dimension } from '../limits/rate-limit-headers';
import { envelope } from './retry-policy';
import type { Run } from './run';
import type { PendingItem } from './run-queue';
import type { RunState } from './snapshot';
import { DIMENSION_LABELS } from './tightest-dimension';

export function startupMessage(s: { softFloor: FloorSpec; hardFloor: FloorSpec; maxInFlight: number | 'auto'; maxAttempts: number; retryBudgetPerMinute: number; retryBudgetRatio: number }): string {
  return `dispatcher: soft floor ${formatFloor(s.softFloor)}, hard floor ${formatFloor(s.hardFloor)}, ` +
    `in flight ${s.maxInFlight}, ${plural(s.maxAttempts, 'attempt')} per request, ` +
    `retry budget ${s.retryBudgetPerMinute}/min + ${Math.round(s.retryBudgetRatio * 100)}% of requests`;
}

export function runAddedMessage(run: Run, maxSpendUsd: number | undefined): string {
  return `${run.label}: ${run.totalKnown ? plural(run.total, 'request') : 'requests'} to send${run.totalKnown ? '' : ' as they come'}` + (run.resumed ? ` (${run.resumed} already done, resumed)` : '') +
    (maxSpendUsd !== undefined ? `, spend cap ${formatUsd(maxSpendUsd)}` : '');
}

export function runEndedMessage(run: Run, state: RunState, detail: string | undefined): string {
  const s = run.summary();
  return `${run.label}: ${state}${detail ? ` — ${detail}` : ''} (${s.succeeded} succeeded, ${s.errored} errored, ${s.unsent} unsent, ${formatUsd(s.spentUsd)})`;
}

/** The first response's headers came (streamed): from now on the buckets pace what goes out. */
export function limitsKnownMessage(run: Run, afterMs: number): string {
  return `${run.label}: the limits are in, ${afterMs} ms after the first request went out (its reply streams on)`;
}

/** The probe after a push-back was accepted: the rest may go. */
export function acceptedAgainMessage(run: Run, afterMs: number): string {
  return `${run.label}: the API accepted a request again, ${afterMs} ms after it went out`;
}

/** A line of the input, as the log names it. */
export function lineMessage(run: Run, item: PendingItem, message: string): string {
  return `${run.label}:${item.request.line} ${item.request.customId}: ${message}`;
}

export function retryMessage(status: string, apiMessage: string, attempt: number, delayMs: number): string {
  return `${status} (${apiMessage}), retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`;
}

/** A 200 whose usage cannot be billed from. */
export function malformedSuccessError(problem: string, worstCaseUsd: number | null, requestId: string | null): ResultError {
  return envelope('invalid_response', `the API answered 200 but ${problem}, so its cost cannot be known; it was probably billed, so its worst case ` +
    `(${worstCaseUsd === null ? 'unpriced' : formatUsd(worstCaseUsd)}) stays counted against the spend cap`, undefined, requestId);
}

/** A prompt larger than a whole bucket: no wait makes it fit. */
export function tooLargeError(inputTokens: number, bucket: { dimension: Dimension; limit: number }, refused: ResultError): ResultError {
  return envelope('request_too_large_for_limit',
    `the prompt (about ${formatCount(inputTokens)} input tokens) is larger than the whole ${DIMENSION_LABELS[bucket.dimension]} limit ` +
    `(${formatCount(bucket.limit)} per minute), so the API can never accept it at this limit — shorten it, or ask for a higher limit`,
    refused.error.details?.error_code, refused.request_id);
}

export function gaveUpError(attempts: number, last: ResultError): ResultError {
  return envelope(last.error.type, `gave up after ${plural(attempts, 'attempt')}: ${last.error.message}`, last.error.details?.error_code, last.request_id);
}
