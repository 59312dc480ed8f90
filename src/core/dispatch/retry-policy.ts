// What to do with a failed attempt: retry it, record the line as errored, or stop the whole run.
// Classification uses the SDK's own error classes and the API's `error.type` / `error_code`.
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import type { ResultError } from '../types';
import { type BackoffOptions, exponentialMs, fullJitterMs } from '../backoff';
import { capServerWait, MAX_SERVER_WAIT_MS, parseRetryAfter } from '../limits/rate-limit-headers';
import { redactUrlsIn } from '../redact';
import type { PushbackCause } from './hold';

export type StopCause = 'authentication' | 'permission' | 'billing' | 'org-spend-limit' | 'usage-limit' | 'unreachable';

export type Verdict =
  | {
      kind: 'retry';
      error: ResultError;
      /** The API said when to come back (held to `MAX_SERVER_WAIT_MS`). */
      retryAfterMs: number | undefined;
      /** What the API asked for, when it was longer than `MAX_SERVER_WAIT_MS` and cut to it. */
      retryAfterAskedMs?: number;
      /**
       * 429 or 529: the API is pushing back, so everyone slows down, not just this request. Or no
       * connection could be made: the next request would meet the same, so everyone waits too.
       */
      pushback: PushbackCause | undefined;
      /** The request may have been billed although no answer came (timeouts, a connection lost after sending). */
      possiblyBilled: boolean;
      /** The API refused it before doing any work, or it never reached the API: nothing was charged. */
      refused: boolean;
    }
  | {
      kind: 'final';
      error: ResultError;
      /** Not the API's refusal but a failure on our side after the request may have left: the cap keeps its worst case. */
      possiblyBilled: boolean;
    }
  | { kind: 'stop'; cause: StopCause; explanation: string; error: ResultError }
  | { kind: 'aborted' };

const SPEND_LIMIT_CODES = new Set([
  'enforced_spend_limit_reached',
  'contract_spend_limit_reached',
  'linked_organization_spend_limit_reached',
]);
const USAGE_LIMIT_MESSAGE = 'You have reached your specified API usage limits';
const RETRYABLE_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

/**
 * The error as a result line records it: the API's own envelope when there was one. Every error
 * message recorded or logged is made here, so this is where URLs lose their credentials: fetch
 * quotes the whole URL, user-info included, when it refuses one.
 */
export function envelope(type: string, message: string, errorCode?: string | null, requestId?: string | null): ResultError {
  const out: ResultError = { type: 'error', error: { type, message: redactUrlsIn(message) } };
  if (errorCode) out.error.details = { error_code: errorCode };
  if (requestId) out.request_id = requestId;
  return out;
}

function errorOf(err: APIError): ResultError {
  return envelope(err.type ?? 'api_error', err.apiMessage ?? err.message, err.errorCode, err.requestID);
}

const STOP_EXPLANATIONS: Record<Exclude<StopCause, 'unreachable'>, string> = {
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

/** Why the runs stopped after `ms` without a connection to the API (cooldown.ts decides when). */
export function unreachableExplanation(ms: number): string {
  return `The API could not be reached for ${Math.round(ms / 1000)} s: no connection could be made. ` +
    'Nothing was billed for those attempts, and the unsent lines are kept for a resume: check the network and the base URL, then run again.';
}

/**
 * Failures that prove the request never reached a server, by the `code` node and undici give them:
 * no address for the host, no route to it, nobody listening, undici's connect timeout. Not among
 * them: ECONNRESET, EPIPE, UND_ERR_SOCKET ("other side closed") and the like, which also happen
 * after the request went out.
 */
const NEVER_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * TLS handshake failures: the request is only written once the handshake is done, so none of it
 * was sent. Certificate verification codes (OpenSSL's X509 names, and node's ALTNAME check), and
 * OpenSSL's `ERR_SSL_*` reasons that only a handshake produces (an `https://` URL on a plain-HTTP
 * port gives ERR_SSL_WRONG_VERSION_NUMBER).
 */
const TLS_HANDSHAKE_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'HOSTNAME_MISMATCH',
]);
const TLS_HANDSHAKE_SSL_REASON = /^ERR_SSL_.*(HANDSHAKE|WRONG_VERSION_NUMBER|UNSUPPORTED_PROTOCOL|PROTOCOL_VERSION|NO_PROTOCOLS_AVAILABLE|NO_SHARED_CIPHER|UNKNOWN_PROTOCOL|CERTIFICATE)/;
/** Node's ECONNRESET when the server hung up mid-handshake: its message is the only tell. */
const TLS_HANDSHAKE_RESET = /before secure TLS connection was established/;
/**
 * undici's fetch refusing a request before opening any connection: a URL with user-info (which
 * fetch forbids) or a port the Fetch standard blocks. Matched on undici's wording, so a change to it
 * falls back to "may have been billed", the safe side.
 */
const FETCH_REFUSED_LOCALLY = /^(Request cannot be constructed from a URL that includes credentials|bad port$)/;

type ErrorLike = { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };

/** Whether anything in the error's cause chain proves the request never reached a server. */
function neverSent(err: unknown, seen = new Set<unknown>()): boolean {
  if (typeof err !== 'object' || err === null || seen.has(err)) return false;
  seen.add(err);
  const { code, message, cause, errors } = err as ErrorLike;
  if (typeof code === 'string') {
    if (NEVER_SENT_CODES.has(code) || TLS_HANDSHAKE_CODES.has(code) || TLS_HANDSHAKE_SSL_REASON.test(code)) return true;
    if (code === 'ECONNRESET' && typeof message === 'string' && TLS_HANDSHAKE_RESET.test(message)) return true;
  }
  if (typeof message === 'string' && FETCH_REFUSED_LOCALLY.test(message)) return true;
  // An AggregateError from trying each address of the host: nothing was sent only if none connected.
  if (Array.isArray(errors) && errors.length > 0) return errors.every((e) => neverSent(e, seen));
  return neverSent(cause, seen);
}

/**
 * What went wrong, from the SDK's "Connection error." down its cause chain: undici's
 * "fetch failed" says nothing, the error under it does ("connect ECONNREFUSED 127.0.0.1:8080").
 */
function describeConnectionError(err: APIConnectionError): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let e: unknown = err.cause; typeof e === 'object' && e !== null && !seen.has(e); e = (e as ErrorLike).cause) {
    seen.add(e);
    const { message, code, errors, reason } = e as ErrorLike & { reason?: unknown };
    let text = typeof message === 'string' ? message.trim() : '';
    // OpenSSL's messages are its internal error stack ("80EC…:error:0A00010B:SSL routines:…"): its code and reason say it plainly.
    if (typeof code === 'string' && typeof reason === 'string' && /SSL routines/.test(text)) text = `${code}: ${reason}`;
    if (!text && Array.isArray(errors)) text = errors.map((x) => (x instanceof Error ? x.message : String(x))).join('; ');
    if (text && !(text === 'fetch failed' && (e as ErrorLike).cause)) parts.push(text);
  }
  return parts.length ? parts.join(': ') : err.message;
}

/** Said of every attempt whose worst case stays on the spend cap, so the results file explains the spend. */
const MAY_HAVE_BEEN_BILLED = 'it may have been billed, so its worst case stays counted against the spend cap';

function retryAfterOf(err: APIError, now: number): Pick<Extract<Verdict, { kind: 'retry' }>, 'retryAfterMs' | 'retryAfterAskedMs'> {
  const asked = err.headers ? parseRetryAfter(err.headers, now) : undefined;
  if (asked === undefined) return { retryAfterMs: undefined };
  const { waitMs, askedMs } = capServerWait(asked);
  return askedMs === undefined ? { retryAfterMs: waitMs } : { retryAfterMs: waitMs, retryAfterAskedMs: askedMs };
}

export function classifyError(err: unknown, now: number): Verdict {
  if (err instanceof APIUserAbortError) return { kind: 'aborted' };
  if (err instanceof APIConnectionTimeoutError) {
    // The SDK makes one of these of undici's connect timeout too, and drops its cause on the way
    // (SDK 1.12), so a timeout is counted as sent: it may have been.
    return {
      kind: 'retry',
      error: envelope('timeout_error', `${err.message.replace(/\.$/, '')}; ${MAY_HAVE_BEEN_BILLED}`),
      retryAfterMs: undefined,
      pushback: undefined,
      possiblyBilled: true,
      refused: false,
    };
  }
  if (err instanceof APIConnectionError) {
    const what = describeConnectionError(err);
    // Refused before sending (no such host, nobody listening, TLS handshake failed) costs nothing;
    // a connection lost after the request was sent may still have been processed and billed.
    const refused = neverSent(err);
    return {
      kind: 'retry',
      error: envelope('connection_error', refused ? `${what} (never reached the API, so nothing was billed)` : `${what}; ${MAY_HAVE_BEEN_BILLED}`),
      retryAfterMs: undefined,
      pushback: refused ? 'unreachable' : undefined,
      possiblyBilled: !refused,
      refused,
    };
  }
  if (!(err instanceof APIError) || err.status === undefined) {
    // Not an answer from the API: something failed on this side, perhaps after the request was
    // written (a body cut off mid-read surfaced as a bare "aborted"). Only the API's own refusals
    // prove nothing was billed.
    const message = err instanceof Error ? err.message : String(err);
    return { kind: 'final', error: envelope('client_error', `${message}; ${MAY_HAVE_BEEN_BILLED}`), possiblyBilled: true };
  }

  const status = err.status;
  const error = errorOf(err);
  const stop = (cause: keyof typeof STOP_EXPLANATIONS): Verdict => ({ kind: 'stop', cause, explanation: STOP_EXPLANATIONS[cause], error });

  if (status === 401) return stop('authentication');
  if (status === 403) return stop('permission');
  if (status === 402) return stop(err.errorCode && SPEND_LIMIT_CODES.has(err.errorCode) ? 'org-spend-limit' : 'billing');
  if (status === 429 && err.errorCode && SPEND_LIMIT_CODES.has(err.errorCode)) return stop('org-spend-limit');
  if (status === 400 && (err.apiMessage ?? err.message).includes(USAGE_LIMIT_MESSAGE)) return stop('usage-limit');

  if (RETRYABLE_STATUSES.has(status) || status >= 500) {
    return {
      kind: 'retry',
      error,
      ...retryAfterOf(err, now),
      pushback: status === 429 ? 'rate-limited' : status === 529 ? 'overloaded' : undefined,
      possiblyBilled: false,
      refused: status === 429 || status === 529,
    };
  }
  // 400, 404, 413, 422 …: the line itself is at fault; retrying would fail the same way.
  return { kind: 'final', error, possiblyBilled: false };
}

const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 60_000 };

/**
 * Delay before retry number `retry` (1 for the first retry).
 * Without `retry-after`: exponential backoff with full jitter (uniform in [0, base·2ⁿ⁻¹], capped).
 * With it: at least `retry-after`, plus a little jitter so the waiting requests do not return as one wave.
 * Never more than `MAX_SERVER_WAIT_MS`, whatever the server or the options say: a `retry-after` cut
 * to it spreads its jitter below it instead (it is not being honoured anyway).
 */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number {
  if (retryAfterMs !== undefined) {
    const wait = Math.min(retryAfterMs, MAX_SERVER_WAIT_MS);
    const jitter = random() * Math.min(1_000, Math.max(100, wait * 0.1));
    return Math.ceil(wait >= MAX_SERVER_WAIT_MS ? wait - jitter : Math.min(MAX_SERVER_WAIT_MS, wait + jitter));
  }
  const ceiling = Math.min(MAX_SERVER_WAIT_MS, exponentialMs(retry, options));
  return fullJitterMs(ceiling, random);
}
