// What to do with a failed attempt: retry it, record the line as errored, or stop the whole run.
// Classification uses the SDK's own error classes and the API's `error.type` / `error_code`.
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import type { ResultError } from '../types';
import { parseRetryAfter } from '../limits/rate-limit-headers';

export type StopCause = 'authentication' | 'permission' | 'billing' | 'org-spend-limit' | 'usage-limit';

export type Verdict =
  | {
      kind: 'retry';
      error: ResultError;
      /** The API said when to come back. */
      retryAfterMs: number | undefined;
      /** 429 or 529: the API is pushing back, so everyone slows down, not just this request. */
      pushback: 'rate-limited' | 'overloaded' | undefined;
      /** The request may have been billed although no answer came (timeouts). */
      possiblyBilled: boolean;
      /** The API refused it before doing any work, so nothing was charged. */
      refused: boolean;
    }
  | { kind: 'final'; error: ResultError }
  | { kind: 'stop'; cause: StopCause; explanation: string; error: ResultError }
  | { kind: 'aborted' };

const SPEND_LIMIT_CODES = new Set([
  'enforced_spend_limit_reached',
  'contract_spend_limit_reached',
  'linked_organization_spend_limit_reached',
]);
const USAGE_LIMIT_MESSAGE = 'You have reached your specified API usage limits';
const RETRYABLE_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

/** The error as a result line records it: the API's own envelope when there was one. */
export function envelope(type: string, message: string, errorCode?: string | null, requestId?: string | null): ResultError {
  const out: ResultError = { type: 'error', error: { type, message } };
  if (errorCode) out.error.details = { error_code: errorCode };
  if (requestId) out.request_id = requestId;
  return out;
}

function errorOf(err: APIError): ResultError {
  return envelope(err.type ?? 'api_error', err.apiMessage ?? err.message, err.errorCode, err.requestID);
}

const STOP_EXPLANATIONS: Record<StopCause, string> = {
  authentication: 'The API rejected the API key (401). Nothing will succeed with it: check the key and run again.',
  permission: 'The API key is not allowed to do this (403). Check the key\'s workspace and permissions, then run again.',
  billing: 'The API refused for billing reasons (402). Check the organisation\'s billing, then run again.',
  'org-spend-limit':
    'The organisation has reached its spend limit (429, no retry-after). Retrying would only hammer the API; ' +
    'the run stopped and the unsent lines are kept for a later resume. Raise the limit in the Console, or wait for it to reset.',
  'usage-limit':
    'The organisation has reached the API usage limits it set for itself (400). The run stopped; ' +
    'the unsent lines are kept for a later resume once access returns.',
};

export function classifyError(err: unknown, now: number): Verdict {
  if (err instanceof APIUserAbortError) return { kind: 'aborted' };
  if (err instanceof APIConnectionTimeoutError) {
    return {
      kind: 'retry',
      error: envelope('timeout_error', err.message),
      retryAfterMs: undefined,
      pushback: undefined,
      possiblyBilled: true,
      refused: false,
    };
  }
  if (err instanceof APIConnectionError) {
    return {
      kind: 'retry',
      error: envelope('connection_error', (err.cause as Error | undefined)?.message ?? err.message),
      retryAfterMs: undefined,
      pushback: undefined,
      // A connection lost after the request was sent may still have been processed and billed.
      possiblyBilled: true,
      refused: false,
    };
  }
  if (!(err instanceof APIError) || err.status === undefined) {
    const message = err instanceof Error ? err.message : String(err);
    return { kind: 'final', error: envelope('client_error', message) };
  }

  const status = err.status;
  const error = errorOf(err);
  const stop = (cause: StopCause): Verdict => ({ kind: 'stop', cause, explanation: STOP_EXPLANATIONS[cause], error });

  if (status === 401) return stop('authentication');
  if (status === 403) return stop('permission');
  if (status === 402) return stop(err.errorCode && SPEND_LIMIT_CODES.has(err.errorCode) ? 'org-spend-limit' : 'billing');
  if (status === 429 && err.errorCode && SPEND_LIMIT_CODES.has(err.errorCode)) return stop('org-spend-limit');
  if (status === 400 && (err.apiMessage ?? err.message).includes(USAGE_LIMIT_MESSAGE)) return stop('usage-limit');

  if (RETRYABLE_STATUSES.has(status) || status >= 500) {
    return {
      kind: 'retry',
      error,
      retryAfterMs: err.headers ? parseRetryAfter(err.headers, now) : undefined,
      pushback: status === 429 ? 'rate-limited' : status === 529 ? 'overloaded' : undefined,
      possiblyBilled: false,
      refused: status === 429 || status === 529,
    };
  }
  // 400, 404, 413, 422 …: the line itself is at fault; retrying would fail the same way.
  return { kind: 'final', error };
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 60_000 };

/**
 * Delay before retry number `retry` (1 for the first retry).
 * Without `retry-after`: exponential backoff with full jitter (uniform in [0, base·2ⁿ⁻¹], capped).
 * With it: at least `retry-after`, plus a little jitter so the waiting requests do not return as one wave.
 */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number {
  if (retryAfterMs !== undefined) return Math.ceil(retryAfterMs + random() * Math.min(1_000, Math.max(100, retryAfterMs * 0.1)));
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.ceil(random() * ceiling);
}
