// One `dispatch` call, start to end: a run on the shared dispatcher fed lazily from the caller's
// requests, its results handed over as they finish, then one end marker. Every way out — the run
// ending, the signal, the consumer breaking out of its loop — ends with the run over and forgotten.
import type { Dispatcher } from '../core/dispatch/dispatcher';
import type { Run } from '../core/dispatch/run';
import type { RunSummary } from '../core/dispatch/run-api';
import type { Priority } from '../core/dispatch/snapshot';
import type { InputDefaults } from '../core/input/validate-line';
import type { Pricing } from '../core/pricing/pricing';
import { validatedRequests } from './requests';
import { ResultChannel } from './result-channel';
import { endOf, resultOf } from './results';
import type { DispatchEnd, DispatchResult, RequestItem } from './types';

/**
 * Results held for a consumer that is behind before its run stops sending (and how far it must
 * catch up before the run goes on): enough that a consumer doing a little work per result never
 * stalls the run, bounded so that a stalled one never holds more than this many messages.
 */
const HIGH_WATER = 1_024;
const LOW_WATER = 256;

/** What a run needs from the `Floorline` it belongs to. */
export interface RunContext {
  dispatcher: Dispatcher;
  pricing: Pricing;
  defaults: InputDefaults;
  /** The config's `maxShare`, as a fraction. */
  maxShare: number | undefined;
  /** Told of every result (the instance's `result` event). */
  onResult(result: DispatchResult): void;
  /** The run is live until it has ended: `close()` waits for it. */
  track(run: Run): () => void;
}

export interface RunRequestsOptions {
  label: string;
  priority: Priority;
  maxSpendUsd: number | undefined;
  signal: AbortSignal | undefined;
}

/**
 * The results of `requests` in completion order, then the end marker. Throws what the caller's
 * iterable threw (after the requests already in flight have finished), or why the run failed.
 */
export async function* runRequests(ctx: RunContext, requests: Iterable<RequestItem> | AsyncIterable<RequestItem>, options: RunRequestsOptions): AsyncGenerator<DispatchResult | DispatchEnd> {
  const { dispatcher } = ctx;
  let run: Run | undefined;
  let invalid = 0;
  let sourceError: { error: unknown } | undefined;
  // Through the dispatcher, not the run, so the run's state says why it waits and the dispatcher looks again on room.
  const channel = new ResultChannel<DispatchResult>({ highWater: HIGH_WATER, lowWater: LOW_WATER, onFull: () => run && dispatcher.pause(run), onRoom: () => run && dispatcher.resume(run) });
  const deliver = (result: DispatchResult): void => {
    channel.push(result);
    ctx.onResult(result);
  };
  const source = validatedRequests(requests, ctx.defaults, (result) => {
    invalid++;
    deliver(result);
  });
  // The run ends 'failed' with the error's message; the caller gets the error itself.
  const guarded = (async function* () {
    try {
      yield* source;
    } catch (error) {
      sourceError = { error };
      throw error;
    }
  })();
  run = dispatcher.addRun({
    label: options.label,
    requests: guarded,
    pricing: ctx.pricing,
    priority: options.priority,
    ...(options.maxSpendUsd !== undefined ? { maxSpendUsd: options.maxSpendUsd } : {}),
    ...(ctx.maxShare !== undefined ? { maxShare: ctx.maxShare } : {}),
    onResult: (line) => deliver(resultOf(line)),
  });
  const untrack = ctx.track(run);
  const started = run;
  const onAbort = (): void => dispatcher.abort(started);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  let summary: RunSummary | undefined;
  void run.done.then((s) => {
    summary = s;
    channel.close();
  });

  try {
    for (let result = await channel.take(); result; result = await channel.take()) yield result;
    const end = endOf(summary!, invalid);
    if (!end) throw sourceError ? sourceError.error : new Error(`floorline: ${options.label} failed: ${summary!.detail ?? 'unknown cause'}`);
    yield end;
  } finally {
    // Left early (a `break`, a throw in the loop's body): nothing new goes out, what is in flight finishes.
    options.signal?.removeEventListener('abort', onAbort);
    if (!run.isTerminal) dispatcher.stop(run);
    await run.done;
    dispatcher.forget(run);
    untrack();
  }
}
