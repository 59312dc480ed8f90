// The dispatcher's words → the library's: a results-file line as a `DispatchResult`, a run's
// summary as the end marker, and an errored result as the SDK's own error class (so code written
// against `client.messages.create` catches the same `RateLimitError`, `BadRequestError` …).
import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk/core/error';
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import type { RunSummary } from '../core/dispatch/run-api';
import type { RunState } from '../core/dispatch/snapshot';
import type { ResultError, ResultLine } from '../core/types';
import type { DispatchEnd, DispatchResult, EndReason } from './types';

/** The facts of a results line, under the library's names. */
export function resultOf(line: ResultLine): DispatchResult {
  return {
    type: 'result',
    customId: line.custom_id,
    ...(line.result.type === 'succeeded' ? { message: line.result.message as Message } : {}),
    ...(line.result.type === 'errored' ? { error: line.result.error } : {}),
    model: line.model,
    ...(line.fallback_from !== undefined ? { fallbackFrom: line.fallback_from } : {}),
    latencyMs: line.latency_ms,
    attempts: line.attempts,
    costUsd: line.cost_usd,
    usage: line.usage,
  };
}

const REASONS = new Map<RunState, EndReason>([
  ['finished', 'done'],
  ['budget-reached', 'budget-reached'],
  ['api-stopped', 'stopped-by-api'],
  ['aborted', 'aborted'],
  ['stopped', 'stopped'],
]);

/** The end marker of a run that ended; undefined for a run that failed (its caller throws instead). */
export function endOf(summary: RunSummary, invalid: number): DispatchEnd | undefined {
  const reason = REASONS.get(summary.state);
  return reason && { type: 'end', reason, unsent: summary.unsent, invalid, summary };
}

/**
 * The HTTP status behind each of the API's error types (docs: "HTTP errors"). The results keep the
 * envelope, not the status; the SDK picks its error class by status, so it is recovered here.
 */
const STATUS_BY_TYPE = new Map<string, number>([
  ['invalid_request_error', 400],
  ['authentication_error', 401],
  ['billing_error', 402],
  ['permission_error', 403],
  ['not_found_error', 404],
  ['request_too_large', 413],
  ['rate_limit_error', 429],
  ['api_error', 500],
  ['overloaded_error', 529],
]);

/**
 * The SDK's error for a request that failed for good. A transport failure is the SDK's connection
 * error (Floorline records a client-side timeout as `timeout_error`); a refusal of Floorline's own
 * (a prompt larger than a whole bucket, an unbillable 200) is a plain `APIError` with no status.
 */
export function sdkErrorOf(error: ResultError): APIError {
  const { type, message } = error.error;
  if (type === 'connection_error') return new APIConnectionError({ message });
  if (type === 'timeout_error') return new APIConnectionTimeoutError({ message });
  const headers = new Headers(error.request_id ? { 'request-id': error.request_id } : {});
  const status = STATUS_BY_TYPE.get(type);
  return status === undefined ? new APIError(undefined, error, message, headers) : APIError.generate(status, error, message, headers);
}
