// Fault injection: canned answers for the next POST /v1/messages requests, in order — errors and
// storms, a dropped connection, a hang, or a 200 that lies. Faults touch no bucket and bill nothing.
import { createHash } from 'node:crypto';
import { isRecord } from './http';
import { buildMessage, capOutput, defaultOutputTokens, messageId } from './replies';
import { analyzePrompt, promptHash } from './tokens';
import type { ApiError, MockRequestBody } from './types';

/**
 * A 200 that cannot be trusted, as a broken proxy or server might send it: a Message without
 * `usage`, with `usage: null`, with negative token counts, or a body that is not JSON at all
 * (labelled `application/json`, cut off part-way).
 */
export type MalformedReply = 'no-usage' | 'usage-null' | 'negative-usage' | 'garbage-body';
export const MALFORMED_REPLIES: readonly MalformedReply[] = ['no-usage', 'usage-null', 'negative-usage', 'garbage-body'];

/**
 * A canned response for one upcoming request. `resetConnection` drops the socket without any
 * response; `malformed` answers 200 with a body that lies (see `MalformedReply`); `hang` accepts
 * the request and never answers: the connection stays open until the client goes away (or the
 * server closes). Faults touch no bucket and bill nothing.
 */
export interface InjectedError {
  status?: number;
  type?: string;
  message?: string;
  errorCode?: string;
  retryAfterSec?: number;
  resetConnection?: boolean;
  malformed?: MalformedReply;
  hang?: boolean;
}

/** Input and output tokens of an injected malformed reply to a body that is not a Message request. */
const MALFORMED_FALLBACK_TOKENS = 10;
const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** The faults still to play, first in first out. */
export class FaultQueue {
  private readonly queue: InjectedError[] = [];

  inject(list: InjectedError[]): void {
    this.queue.push(...list);
  }

  /** The fault for the request that just arrived, if one is waiting. */
  next(): InjectedError | undefined {
    return this.queue.shift();
  }
}

/** An injected error as the API would word it: the type follows the status unless given. */
export function injectedToError(injected: InjectedError): ApiError {
  const status = injected.status ?? 500;
  const type = injected.type ?? TYPE_BY_STATUS[status] ?? 'api_error';
  return {
    status,
    type,
    message: injected.message ?? `injected ${type}`,
    ...(injected.errorCode !== undefined ? { errorCode: injected.errorCode } : {}),
    ...(injected.retryAfterSec !== undefined ? { retryAfterSec: injected.retryAfterSec } : {}),
  };
}

/** Validate POST /_mock/inject. */
export function parseInjections(json: unknown): InjectedError[] {
  if (!Array.isArray(json) || !json.every(isRecord)) throw new Error('inject expects a JSON array of objects');
  for (const item of json) {
    if (item.malformed !== undefined && !MALFORMED_REPLIES.includes(item.malformed as MalformedReply)) {
      throw new Error(`malformed must be one of ${MALFORMED_REPLIES.join(', ')}`);
    }
    if (item.hang !== undefined && typeof item.hang !== 'boolean') throw new Error('hang must be true or false');
  }
  return json as InjectedError[];
}

/**
 * The body of an injected `malformed` 200: a Message for the request (when it is one) with its usage
 * spoilt, or — `garbage-body` — that Message's JSON cut off half-way. `sequence` numbers its id.
 */
export function malformedBody(body: MockRequestBody | undefined, kind: MalformedReply, sequence: number): { json: unknown } | { text: string } {
  const hash = body ? promptHash(body) : createHash('sha256').update('malformed').digest('hex');
  const outputTokens = body ? capOutput(defaultOutputTokens(hash), body.max_tokens).outputTokens : MALFORMED_FALLBACK_TOKENS;
  const reply = buildMessage({
    id: messageId(hash, sequence),
    model: body?.model ?? 'unknown',
    hashHex: hash,
    outputTokens,
    stopReason: 'end_turn',
    inputTokens: body ? analyzePrompt(body).inputTokens : MALFORMED_FALLBACK_TOKENS,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
  });
  const message: Record<string, unknown> = { ...reply };
  if (kind === 'garbage-body') {
    const text = JSON.stringify(message);
    return { text: text.slice(0, Math.floor(text.length / 2)) };
  }
  if (kind === 'no-usage') delete message.usage;
  else if (kind === 'usage-null') message.usage = null;
  else message.usage = { ...reply.usage, input_tokens: -1_000, output_tokens: -500 };
  return { json: message };
}
