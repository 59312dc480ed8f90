// The one thing the dispatcher needs from the API: send one request, get the message and the
// response headers back, or an SDK error. The SDK's own retries are off: the dispatcher owns them.
import type Anthropic from '@anthropic-ai/sdk';
import { BaseAnthropic } from '@anthropic-ai/sdk/client';
import { APIUserAbortError } from '@anthropic-ai/sdk/core/error';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import { Messages } from '@anthropic-ai/sdk/resources/messages/messages';
import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { MessageParams, Usage } from '../types';
import type { HeaderSource } from '../limits/rate-limit-headers';
import type { TokenCounter } from '../spend/prompt-bound';
import { nodeHttpFetch } from './node-http-fetch';

export interface SentMessage {
  /** The API's `Message`, passed through untouched into the results file. */
  message: { usage: Usage; [key: string]: unknown };
  headers: HeaderSource;
  requestId: string | null;
}

export interface SendOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /**
   * Called with the response headers as soon as the API admits the request. When given, the
   * request is streamed: a stream's headers (the rate-limit ones included) arrive on admission,
   * a non-streamed reply's only with the whole reply — seconds later with long replies. The
   * dispatcher asks for it while it does not yet know the limits. The message is the same.
   */
  onHeaders?: (headers: HeaderSource) => void;
}

export interface MessagesClient extends Partial<TokenCounter> {
  /** Resolves with the message, or rejects with an SDK error (`APIError` and its subclasses). */
  create(params: MessageParams, options: SendOptions): Promise<SentMessage>;
}

export interface SdkClientOptions {
  apiKey: string;
  /** Defaults to the SDK's own (`ANTHROPIC_BASE_URL`, else the public API). */
  baseURL?: string;
  /** For tests and proxies; defaults to `nodeHttpFetch` (a third of the global fetch's CPU per request). */
  fetch?: typeof fetch;
  /**
   * A client the caller built (an `Anthropic` instance: its own proxy, headers, auth): used as it
   * is, in place of one made from the fields above. Its retries stay off: every call here passes
   * `maxRetries: 0` (count_tokens, free, its own few).
   */
  client?: SdkTransport;
}

/** What Floorline calls on an SDK client: the generic `post` and the messages resource (`Anthropic` has both). */
export type SdkTransport = Pick<SdkClient, 'post' | 'messages'>;

/**
 * The SDK's client with the one resource Floorline calls (messages, with its batches and
 * count_tokens): the same transport, auth, headers and error classes as `Anthropic`, without every
 * other API the SDK knows. `Anthropic` brings ~1 MB more code into the bundle and ~4 MB into the
 * CLI's memory, against a 100 MB goal on a million lines (bench/memory.ts).
 */
export class SdkClient extends BaseAnthropic {
  messages: Messages = new Messages(this);
}

/** The SDK client every Floorline front uses: one place for where the key goes and what it may not do. */
export function createAnthropic(options: SdkClientOptions, maxRetries: number): SdkClient {
  return new SdkClient({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    fetch: options.fetch ?? nodeHttpFetch,
    maxRetries,
    // Prompts must not leave the process through a tracer the host application registered.
    openTelemetry: false,
  });
}

export function createSdkMessagesClient(options: SdkClientOptions): MessagesClient {
  // The dispatcher owns retries: the SDK's own are off.
  const client = options.client ?? createAnthropic(options, 0);
  return {
    async create(params, { signal, timeoutMs, onHeaders }) {
      // The SDK's `messages.create` prints a deprecation warning to `console.warn` on *every*
      // request to a deprecated model (not through its `logger` option, which it ignores for this:
      // checked in 1.12 and 1.15), thousands of lines through the progress bar. Floorline names
      // deprecated and retired models once, in the pre-flight (core/models/lifecycle.ts), and sends
      // the same request through the SDK's generic `post`: the same transport, headers, error
      // classes and `withResponse()`. The header-only fields `create` would lift out of the body
      // (`workspace_id`, `user_profile_id`) are refused by validation, so the body goes as it is.
      // An explicit timeout is what lets a non-streaming request with a large max_tokens through.
      // The raw response, parsed here: a 200 whose body is not JSON (a broken proxy) must reach the
      // dispatcher as an answer it cannot bill from — kept at its worst case — not as a parse error
      // that looks like a request that never went out. Error statuses still throw the SDK's classes.
      if (onHeaders) return streamed(client, params, { signal, timeoutMs, onHeaders });
      const response = await client.post('/v1/messages', { body: params, signal, timeout: timeoutMs, maxRetries: 0 }).asResponse();
      let text: string;
      try {
        text = await response.text();
      } catch (err) {
        // The API admitted it and was answering: whatever cut the body (our abort, a lost
        // connection), the request may have been billed. Never a raw error that reads as unsent.
        if (signal.aborted) throw new APIUserAbortError();
        return { message: brokeOff(err), headers: response.headers, requestId: response.headers.get('request-id') };
      }
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        message = text;
      }
      return { message: message as SentMessage['message'], headers: response.headers, requestId: response.headers.get('request-id') };
    },
    // Free and separately rate-limited: its own short retries are harmless (nothing is billed).
    async countTokens(params) {
      const counted = await client.messages.countTokens(params as unknown as Anthropic.MessageCountTokensParams, { maxRetries: 2, timeout: 30_000 });
      return counted.input_tokens;
    },
  };
}

/**
 * The request as a stream, accumulated into the Message by the SDK's own `MessageStream` (the
 * same `post` as above, for the same reason). A stream that breaks after the API admitted it (an
 * `error` event, a cut connection, a garbled event) may have been billed: it comes back as an
 * answer without usage, which the dispatcher keeps at its worst case, never as an error it would
 * retry as if nothing had been spent. Only an abort is passed on as one.
 */
async function streamed(client: SdkTransport, params: MessageParams, options: SendOptions & { onHeaders: (headers: HeaderSource) => void }): Promise<SentMessage> {
  const { data, response } = await client
    .post<Stream<Anthropic.RawMessageStreamEvent>>('/v1/messages', {
      body: { ...params, stream: true },
      stream: true,
      signal: options.signal,
      timeout: options.timeoutMs,
      maxRetries: 0,
    })
    .withResponse();
  const requestId = response.headers.get('request-id');
  options.onHeaders(response.headers);
  try {
    // `parsed_output` is the SDK's own addition (structured outputs it parsed), not the API's: the results file carries what the API sent.
    const { parsed_output: _parsed, ...message } = (await MessageStream.fromReadableStream(data.toReadableStream()).finalMessage()) as unknown as Record<string, unknown>;
    return { message: message as SentMessage['message'], headers: response.headers, requestId };
  } catch (err) {
    if (options.signal.aborted) throw new APIUserAbortError();
    return { message: brokeOff(err, 'streamed '), headers: response.headers, requestId };
  }
}

/** A reply cut off after the API admitted it: an answer without usage, which the dispatcher keeps at its worst case. */
function brokeOff(err: unknown, what = ''): SentMessage['message'] {
  return `the ${what}reply broke off: ${err instanceof Error ? err.message : String(err)}` as unknown as SentMessage['message'];
}

/**
 * The longest a request may take. The largest published output limit (128,000 tokens) needs
 * 60 s + 128,000 × 50 ms ≈ 1 h 47 min at the formula's 20 tokens/s, so 2 hours cuts no request a
 * model can serve. A bound is needed at all because the SDK arms a Node timer with this value, and
 * Node treats any delay over 2^31−1 ms (~24.8 days) as 1 ms: an unbounded `max_tokens` (1e12) made
 * every request time out at once.
 */
export const MAX_REQUEST_TIMEOUT_MS = 2 * 3600_000;
/** Node's largest timer delay; anything longer fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Long enough for the slowest plausible generation of `maxTokens` (about 20 tokens/s), never under a minute nor over 2 hours. */
export function requestTimeoutMs(maxTokens: number): number {
  const ms = 60_000 + maxTokens * 50;
  // NaN or Infinity (a max_tokens that slipped past validation) gets the ceiling, not a 1 ms timer.
  return Math.min(Number.isFinite(ms) ? Math.max(ms, 60_000) : MAX_REQUEST_TIMEOUT_MS, MAX_REQUEST_TIMEOUT_MS, MAX_TIMER_MS);
}
