// An in-process stand-in for the Messages API for dispatcher unit tests under sinon fake timers:
// the server's continuous token buckets, latency through (faked) setTimeout, the real header names,
// and errors built with the SDK's own `APIError.generate` so classification sees what it sees live.
import { APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { MessagesClient, SendOptions, SentMessage } from '../../src/core/client/messages-client';
import type { MessageParams } from '../../src/core/types';
import { TokenBucket } from '../../src/simulator/token-bucket';
import { ModelClasses } from '../../src/core/models/model-class';

export interface FakeApiOptions {
  rpm?: number;
  itpm: number;
  otpm: number;
  /** 'full', 'drained', or a fraction of the limit, at start. */
  initial?: 'full' | 'drained' | number;
  latencyMs?: number;
  /** Output tokens for a request (default: half of max_tokens). */
  outputTokens?: (params: MessageParams) => number;
  /** Input tokens the server charges (default: a quarter of the prompt's JSON bytes). */
  inputTokens?: (params: MessageParams) => number;
}

export interface ScriptedError {
  status: number;
  type: string;
  message: string;
  errorCode?: string;
  retryAfterSec?: number;
}

const round1000 = (n: number) => Math.max(0, Math.round(n / 1000) * 1000);

export class FakeApi implements MessagesClient {
  readonly requests: TokenBucket;
  readonly input: TokenBucket;
  readonly output: TokenBucket;
  /** Next responses, in order, before the buckets are consulted. */
  readonly script: ScriptedError[] = [];
  received = 0;
  succeeded = 0;
  rateLimited = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Requests sent streamed (headers on admission): the dispatcher asks for that until it knows the limits. */
  streamed = 0;
  readonly sentAt: number[] = [];
  readonly completions = new Map<string, number>();

  constructor(private readonly options: FakeApiOptions) {
    const now = () => Date.now();
    const share = options.initial === 'drained' ? 0 : options.initial === undefined || options.initial === 'full' ? 1 : options.initial;
    const level = (limit: number) => limit * share;
    const rpm = options.rpm ?? 100_000;
    this.requests = new TokenBucket(rpm, now, level(rpm));
    this.input = new TokenBucket(options.itpm, now, level(options.itpm));
    this.output = new TokenBucket(options.otpm, now, level(options.otpm));
  }

  private headers(extra: Record<string, string> = {}): Headers {
    const h = new Headers(extra);
    const put = (name: string, bucket: TokenBucket, round: (n: number) => number) => {
      h.set(`anthropic-ratelimit-${name}-limit`, String(bucket.limit));
      h.set(`anthropic-ratelimit-${name}-remaining`, String(round(bucket.levelAt())));
      h.set(`anthropic-ratelimit-${name}-reset`, new Date(Date.now() + Math.min(bucket.msUntilFull(), 60_000)).toISOString());
    };
    put('requests', this.requests, (n) => Math.max(0, Math.floor(n)));
    put('input-tokens', this.input, round1000);
    put('output-tokens', this.output, round1000);
    h.set('request-id', `req_fake_${this.received}`);
    return h;
  }

  private error(e: ScriptedError): APIError {
    const body = { type: 'error', error: { type: e.type, message: e.message, ...(e.errorCode ? { details: { error_code: e.errorCode } } : {}) } };
    const extra: Record<string, string> = e.retryAfterSec !== undefined ? { 'retry-after': String(e.retryAfterSec) } : {};
    return APIError.generate(e.status, body, e.message, this.headers(extra));
  }

  create(params: MessageParams, options: SendOptions): Promise<SentMessage> {
    this.received++;
    this.sentAt.push(Date.now());
    const scripted = this.script.shift();
    if (scripted) return Promise.reject(this.error(scripted));

    const input = this.options.inputTokens?.(params) ?? Math.ceil(Buffer.byteLength(JSON.stringify(params.messages)) / 4);
    const output = Math.min(params.max_tokens, this.options.outputTokens?.(params) ?? Math.ceil(params.max_tokens / 2));
    if (this.requests.levelAt() < 1 || this.input.levelAt() < input || this.output.levelAt() <= 0) {
      this.rateLimited++;
      const wait = Math.max(this.requests.msUntilAvailable(1), this.input.msUntilAvailable(input), this.output.msUntilAvailable(1));
      return Promise.reject(this.error({ status: 429, type: 'rate_limit_error', message: 'rate limited', retryAfterSec: Math.max(1, Math.ceil(wait / 1000)) }));
    }
    this.requests.take(1);
    this.input.take(input);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (options.onHeaders) {
      // Streamed, as the real client does when asked: the headers on admission, the message later.
      this.streamed++;
      const headers = this.headers();
      queueMicrotask(() => options.onHeaders?.(headers));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.inFlight--;
        this.output.take(output);
        this.succeeded++;
        const key = JSON.stringify(params.messages);
        this.completions.set(key, (this.completions.get(key) ?? 0) + 1);
        resolve({
          message: { id: `msg_${this.received}`, type: 'message', role: 'assistant', model: params.model, content: [{ type: 'text', text: 'ok' }],
            usage: { input_tokens: input, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } },
          headers: this.headers(),
          requestId: `req_fake_${this.received}`,
        });
      }, this.options.latencyMs ?? 500);
      options.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        this.inFlight--;
        reject(new APIUserAbortError());
      });
    });
  }
}

/** The API with one FakeApi (one set of buckets) per model class, as the real API keeps them. */
export class PerClassFakeApi<Class extends string> implements MessagesClient {
  private readonly classes = new ModelClasses();
  readonly apis: Record<Class, FakeApi>;

  constructor(options: Record<Class, FakeApiOptions>) {
    this.apis = Object.fromEntries(Object.entries<FakeApiOptions>(options).map(([c, o]) => [c, new FakeApi(o)])) as Record<Class, FakeApi>;
  }

  create(params: MessageParams, options: SendOptions): Promise<SentMessage> {
    const api = (this.apis as Record<string, FakeApi | undefined>)[this.classes.classOf(params.model)];
    if (!api) throw new Error(`no fake API for ${params.model}`);
    return api.create(params, options);
  }
}
