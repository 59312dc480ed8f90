// A program's own Claude requests under Floorline's dispatcher: the same config, the same
// composition root and the same dispatcher as the CLI and the extension, behind an API shaped like
// the SDK's. One instance is one dispatcher (one key's quota): every `dispatch` and every
// `messages.create` of it share that quota, each as a run of its own.
import { APIError, APIUserAbortError } from '@anthropic-ai/sdk/core/error';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { ConfigError, effectiveSpendCap, parseConfig, type FloorlineConfig } from '../core/config';
import type { Run } from '../core/dispatch/run';
import type { DispatcherSnapshot } from '../core/dispatch/snapshot';
import { HOLD_RUN_STATES } from '../core/dispatch/hold';
import { TypedEmitter } from '../core/dispatch/typed-emitter';
import { Pricing } from '../core/pricing/pricing';
import { TIERS } from '../core/tiers';
import { assemble, resultsPathFor, type Assembly, type Target } from '../runtime/assemble';
import { runFile } from './file-run';
import { runRequests, type RunContext } from './run-requests';
import { sdkErrorOf } from './results';
import type { CreateOptions, DispatchEnd, DispatchOptions, DispatchResult, FileRunOptions, FileRunOutcome, FloorlineEvents, FloorlineOptions, RequestItem } from './types';

const HOLD_STATES: ReadonlySet<string> = new Set(Object.values(HOLD_RUN_STATES));
/** Keyed by what the caller wrote: a Map, so `simulate: 'toString'` finds nothing. */
const TIER_NAMES: ReadonlyMap<string, unknown> = new Map(Object.entries(TIERS));

/**
 * Floorline as a library. Nothing is started until the first call (assembling may start a
 * simulated API or connect to Redis); `close()` ends what was started.
 *
 * ```ts
 * const fl = new Floorline({ maxSpendUsd: 5 });
 * for await (const out of fl.dispatch(requests)) console.log(out);
 * await fl.close();
 * ```
 */
export class Floorline extends TypedEmitter<FloorlineEvents> {
  /** The settled config: every option, defaults filled in. */
  readonly config: Readonly<FloorlineConfig>;
  /** `messages.create`, as the SDK's client has it, through the dispatcher. */
  readonly messages: { create: (params: MessageCreateParamsNonStreaming, options?: CreateOptions) => Promise<Message> };

  private readonly target: Target;
  private readonly fetchFn: typeof fetch | undefined;
  private readonly injected: FloorlineOptions['client'];
  private readonly pricing = new Pricing();
  private assembling: Promise<Assembly> | undefined;
  private assembly: Assembly | undefined;
  private readonly live = new Set<Run>();
  /** `pause()` before anything was assembled: applied once it is. */
  private pausedEarly = false;
  private closed = false;

  /** Throws a `ConfigError` naming the option that breaks its rule, or an error when there is no API key. */
  constructor(options: FloorlineOptions = {}) {
    super();
    const { apiKey, baseURL, simulate, fetch, client, ...config } = options;
    this.config = parseConfig({ ...config, ...(baseURL !== undefined ? { baseUrl: baseURL } : {}) });
    this.fetchFn = fetch;
    this.injected = client;
    if (simulate !== undefined) {
      if (!TIER_NAMES.has(simulate)) throw new ConfigError('simulate', `${JSON.stringify(simulate)} is not a tier (the tiers are ${[...TIER_NAMES.keys()].join(', ')})`);
      this.target = { simulate };
    } else {
      // As the SDK does: the key passed, else the environment's (or the injected client's). Checked
      // now, not at the first request. The key also names the shared quota in Redis (hashed).
      const key = apiKey ?? client?.apiKey ?? process.env.ANTHROPIC_API_KEY ?? (client ? 'injected-client' : undefined);
      if (!key) throw new ConfigError('apiKey', 'no API key: pass apiKey, set ANTHROPIC_API_KEY, or pass simulate: a tier for a rehearsal');
      this.target = { apiKey: key };
    }
    this.messages = { create: (params, createOptions) => this.create(params, createOptions) };
  }

  /**
   * Sends `requests` (any iterable or async iterable, read lazily) through the dispatcher and
   * yields each result as it finishes (completion order, not input order), then one end marker.
   * Nothing starts until the first `next()`. Breaking out of the loop stops the run: nothing new
   * goes out, the requests in flight finish, and the loop exits once they have.
   */
  dispatch(requests: Iterable<RequestItem> | AsyncIterable<RequestItem>, options: DispatchOptions = {}): AsyncIterable<DispatchResult | DispatchEnd> {
    return { [Symbol.asyncIterator]: () => this.runDispatch(requests, options) };
  }

  private async *runDispatch(requests: Iterable<RequestItem> | AsyncIterable<RequestItem>, options: DispatchOptions): AsyncGenerator<DispatchResult | DispatchEnd> {
    const context = await this.context();
    yield* runRequests(context, requests, {
      label: options.label ?? 'dispatch',
      priority: options.priority ?? this.config.priority,
      maxSpendUsd: this.capFor(options.maxSpendUsd),
      signal: options.signal,
    });
  }

  /**
   * A drop-in for the SDK's `client.messages.create` (non-streaming): the request waits its turn
   * under the dispatcher's floors and retries, and resolves with the `Message`, or throws the SDK's
   * own error class for a final error (`BadRequestError`, `RateLimitError` …; `APIUserAbortError`
   * when `signal` aborts it).
   */
  private async create(params: MessageCreateParamsNonStreaming, options: CreateOptions = {}): Promise<Message> {
    const context = await this.context();
    let result: DispatchResult | undefined;
    let end: DispatchEnd | undefined;
    // A run of its own: its abort cancels this request alone, and it is forgotten once answered.
    const outcomes = runRequests(context, [params], {
      label: 'messages.create',
      priority: options.priority ?? this.config.priority,
      maxSpendUsd: effectiveSpendCap(this.config),
      signal: options.signal,
    });
    for await (const out of outcomes) {
      if (out.type === 'result') result = out;
      else end = out;
    }
    if (result?.message) return result.message;
    if (result?.error) throw sdkErrorOf(result.error);
    if (end?.reason === 'aborted') throw new APIUserAbortError();
    // Not sent at all: the spend cap could not hold its worst case, or the API had stopped the key.
    throw new APIError(undefined, undefined, `floorline: the request was not sent (${end?.reason ?? 'ended'}): ${end?.summary.detail ?? ''}`, undefined);
  }

  /**
   * What `floorline run FILE` does, on this instance's dispatcher: the whole file is validated first
   * (an `InputFileError` naming each `file:line`, and nothing sent), a re-run resumes from its
   * results file, each answer is appended as it comes, and the spend journal keeps the cap across
   * crashes. Resolves with the summary once every result is written.
   */
  async runFile(path: string, options: FileRunOptions = {}): Promise<FileRunOutcome> {
    const context = await this.context();
    return runFile(context, path, {
      resultsPath: resultsPathFor(path, this.target),
      simulated: 'simulate' in this.target,
      priority: options.priority ?? this.config.priority,
      maxSpendUsd: this.capFor(options.maxSpendUsd),
    }, options);
  }

  /** A call's own cap may lower the configured one, never raise it. */
  private capFor(own: number | undefined): number | undefined {
    const caps = [effectiveSpendCap(this.config), own].filter((cap): cap is number => cap !== undefined);
    return caps.length > 0 ? Math.min(...caps) : undefined;
  }

  /** No new requests go out (every run); those in flight finish. */
  pause(): void {
    if (this.assembly) this.assembly.dispatcher.pause();
    else this.pausedEarly = true;
  }

  resume(): void {
    this.pausedEarly = false;
    this.assembly?.dispatcher.resume();
  }

  /** Every run stops sending; those in flight finish and each `dispatch` ends with reason `stopped`. */
  stop(): void {
    this.assembly?.dispatcher.stop();
  }

  /** Every run stops now: requests in flight are cancelled, each `dispatch` ends with reason `aborted`. */
  abort(): void {
    this.assembly?.dispatcher.abort();
  }

  /** The dispatcher's picture of itself and its runs; undefined before the first call. */
  snapshot(): DispatcherSnapshot | undefined {
    return this.assembly?.dispatcher.snapshot();
  }

  /**
   * Stops every run (in-flight requests finish), waits for them to end, then releases the
   * simulation and the Redis connection. The instance takes no more calls.
   */
  async close(): Promise<void> {
    this.closed = true;
    const assembly = await this.assembling?.catch(() => undefined);
    if (!assembly) return;
    assembly.dispatcher.stop();
    await Promise.all([...this.live].map((run) => run.done));
    await assembly.close();
  }

  /** The dispatcher, assembled on first use (once: the promise is kept). */
  private async context(): Promise<RunContext> {
    if (this.closed) throw new Error('floorline: this instance is closed');
    this.assembling ??= this.assemble();
    const { dispatcher } = await this.assembling;
    return {
      dispatcher,
      pricing: this.pricing,
      defaults: { ...(this.config.model ? { model: this.config.model } : {}), maxTokens: this.config.maxTokens },
      maxShare: this.config.maxShare === undefined ? undefined : this.config.maxShare / 100,
      onResult: (result) => this.emit('result', result),
      track: (run) => {
        this.live.add(run);
        return () => this.live.delete(run);
      },
    };
  }

  private async assemble(): Promise<Assembly> {
    try {
      const assembly = await assemble({
        config: this.config,
        target: this.target,
        onLog: (level, message) => this.emit('log', { level, message }),
        ...(this.fetchFn ? { fetch: this.fetchFn } : {}),
        ...(this.injected ? { client: this.injected } : {}),
      });
      const { dispatcher } = assembly;
      dispatcher.on('snapshot', (snapshot) => this.emit('snapshot', snapshot));
      dispatcher.on('log', (entry) => this.emit('log', entry));
      dispatcher.on('retry', (event) => this.emit('retry', event));
      dispatcher.on('state', (runId, state, detail) => {
        if (HOLD_STATES.has(state)) this.emit('hold', { runId, state, detail });
      });
      if (this.pausedEarly) dispatcher.pause();
      this.assembly = assembly;
      return assembly;
    } catch (err) {
      // Not kept: a Redis that was down may be up at the next call.
      this.assembling = undefined;
      throw err;
    }
  }
}
