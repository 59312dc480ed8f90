// A JSONL file as Message Batches: submit what has not succeeded yet, poll until every batch has
// ended, stream the results into the same `<name>.results.jsonl` a live run writes (cost at batch
// prices), cancel. Every step reads and writes the persisted state, so any of them can be
// interrupted and run again: nothing is submitted twice and nothing already written is lost.
import { envelope } from '../dispatch/retry-policy';
import { usageProblem } from '../client/usage-check';
import { ResultsLock } from '../results/results-lock';
import { readRequests, type InputDefaults } from '../input';
import { prepareResume, ResultsWriter } from '../results';
import type { Pricing } from '../pricing/pricing';
import type { ResultLine, Usage } from '../types';
import { splitIntoBatches, type BatchLimits, BATCH_LIMITS } from './batch-split';
import { loadBatchState, saveBatchState, type BatchState, type SubmittedBatch } from './batch-state';
import { createBatchOnce, type BatchInfo, type BatchResult, type BatchesClient, type CreateRetryOptions } from './batches-client';

export interface BatchJobOptions {
  /** Named by the results file's lock, so another run's message says who holds it. */
  owner?: string;
  inputPath: string;
  resultsPath: string;
  statePath: string;
  client: BatchesClient;
  /** Batch prices: construct with `{ batch: true }`. */
  pricing: Pricing;
  defaults?: Omit<InputDefaults, 'isKnownModel'>;
  limits?: BatchLimits;
  /** Notes while submitting (a refused create retried, a batch adopted after a lost answer).
   *  Default: stderr, so a front that passes nothing still shows them to a terminal user. */
  log?: (line: string) => void;
  /** Backoff and clock for retrying a refused create; injectable for tests. */
  createRetry?: CreateRetryOptions;
}

export interface SubmitOutcome {
  submitted: SubmittedBatch[];
  /** Lines skipped because they already succeeded, or wait in a batch not yet collected. */
  skipped: number;
}

function record(batch: SubmittedBatch, info: BatchInfo): void {
  batch.status = info.processing_status;
  batch.counts = info.request_counts;
  batch.expiresAt = info.expires_at;
}

/** Submit every line that has neither succeeded nor is waiting in an uncollected batch. */
/**
 * One writer per results file: a live run, a submit and a collection of the same file must not
 * overlap (two submits created two batches of every line; the state file listed one).
 */
async function locked<T>(options: BatchJobOptions, what: string, work: () => Promise<T>): Promise<T> {
  const lock = ResultsLock.acquire(options.resultsPath, { by: `${options.owner ?? 'floorline batch'} ${what}` });
  try {
    return await work();
  } finally {
    lock.release();
  }
}

export function submitBatches(options: BatchJobOptions): Promise<SubmitOutcome> {
  return locked(options, 'submit', () => submit(options));
}

async function submit(options: BatchJobOptions): Promise<SubmitOutcome> {
  const state = loadBatchState(options.statePath, options.inputPath);
  // Errored, canceled and expired lines are dropped from the results so they are tried again.
  const resume = await prepareResume(options.resultsPath);
  const waiting = new Set(state.batches.filter((b) => !b.collected).flatMap((b) => b.customIds));
  let skipped = 0;
  const pending = readRequests(options.inputPath, options.defaults ?? {}, {
    skip: (id) => {
      const skip = resume.succeeded.has(id) || waiting.has(id);
      if (skip) skipped++;
      return skip;
    },
  });
  const submitted: SubmittedBatch[] = [];
  const log = options.log ?? ((line: string) => void process.stderr.write(`floorline: ${line}\n`));
  // Batches this file already has can never be the answer to a lost create of another chunk,
  // even when they hold as many requests (a long file splits into equal batches).
  const known = new Set(state.batches.map((b) => b.id));
  for await (const entries of splitIntoBatches(pending, options.limits ?? BATCH_LIMITS)) {
    // Never retried blindly: a create whose answer was lost is looked for before anything is resent.
    // An adopted batch is recorded exactly as one the create answered.
    const { info } = await createBatchOnce(options.client, entries, { ...options.createRetry, known, log });
    known.add(info.id);
    const batch: SubmittedBatch = {
      id: info.id,
      customIds: entries.map((e) => e.custom_id),
      submittedAt: info.created_at,
      expiresAt: info.expires_at,
      status: info.processing_status,
      counts: info.request_counts,
      collected: false,
    };
    state.batches.push(batch);
    // Persisted before anything else happens: from now on a restart polls this batch.
    saveBatchState(options.statePath, state);
    submitted.push(batch);
  }
  return { submitted, skipped };
}

/** Ask the API where each uncollected batch stands; the state file is updated. */
export async function refreshBatches(options: BatchJobOptions): Promise<BatchState> {
  const state = loadBatchState(options.statePath, options.inputPath);
  for (const batch of state.batches) {
    if (batch.collected) continue;
    record(batch, await options.client.retrieve(batch.id));
  }
  saveBatchState(options.statePath, state);
  return state;
}

/** Cancel every batch still processing. Its finished requests keep their results; the rest end `canceled`. */
export function cancelBatches(options: BatchJobOptions): Promise<SubmittedBatch[]> {
  return locked(options, 'cancel', () => cancel(options));
}

async function cancel(options: BatchJobOptions): Promise<SubmittedBatch[]> {
  // The API refuses to cancel a batch that has ended: look first.
  const state = await refreshBatches(options);
  const canceled: SubmittedBatch[] = [];
  for (const batch of state.batches) {
    if (batch.collected || batch.status === 'ended') continue;
    record(batch, await options.client.cancel(batch.id));
    canceled.push(batch);
  }
  saveBatchState(options.statePath, state);
  return canceled;
}

export interface CollectOptions {
  /** Keep polling until every batch has ended (default), or collect only those that have. */
  wait?: boolean;
  /** Sleep between polls; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** First poll interval; grows ×1.5 per poll to `maxPollMs`. Most batches end within an hour. */
  pollMs?: number;
  maxPollMs?: number;
  onPoll?: (state: BatchState) => void;
}

export interface CollectOutcome {
  state: BatchState;
  written: number;
  /** Of those, errored, canceled or expired. */
  notSucceeded: number;
  /** Batches still processing (only when `wait` was false). */
  unfinished: number;
}

/** Poll with backoff; stream each ended batch's results into the results file, once. */
export function collectBatches(options: BatchJobOptions, collect: CollectOptions = {}): Promise<CollectOutcome> {
  return locked(options, 'results', () => collectAll(options, collect));
}

async function collectAll(options: BatchJobOptions, collect: CollectOptions = {}): Promise<CollectOutcome> {
  const sleep = collect.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  let interval = collect.pollMs ?? 5_000;
  const maxInterval = collect.maxPollMs ?? 60_000;
  let written = 0;
  let notSucceeded = 0;
  for (;;) {
    const state = await refreshBatches(options);
    collect.onPoll?.(state);
    for (const batch of state.batches) {
      if (batch.collected || batch.status !== 'ended') continue;
      const counts = await writeResults(options, batch);
      written += counts.written;
      notSucceeded += counts.notSucceeded;
      batch.collected = true;
      saveBatchState(options.statePath, state);
    }
    const unfinished = state.batches.filter((b) => !b.collected).length;
    if (unfinished === 0 || collect.wait === false) return { state, written, notSucceeded, unfinished };
    await sleep(interval);
    interval = Math.min(maxInterval, interval * 1.5);
  }
}

async function writeResults(options: BatchJobOptions, batch: SubmittedBatch): Promise<{ written: number; notSucceeded: number }> {
  // Repairs a torn tail (a collection interrupted half-way) and says which ids the file answers.
  const resume = await prepareResume(options.resultsPath, { dropRetryable: false });
  const appended = new Set<string>();
  const present = { has: (id: string) => resume.succeeded.has(id) || resume.retained.has(id) || appended.has(id), add: (id: string) => appended.add(id) };
  // Errored, canceled and expired results carry no model: take it from the input.
  // Each line records the request it answers, as a live run's does, so a later resume can trust it.
  const requests = new Map<string, { model: string; fingerprint: string | undefined }>();
  const inBatch = new Set(batch.customIds);
  for await (const request of readRequests(options.inputPath, options.defaults ?? {}, { skip: (id) => !inBatch.has(id) })) {
    requests.set(request.customId, { model: request.params.model, fingerprint: request.fingerprint });
  }
  const writer = await ResultsWriter.open(options.resultsPath);
  let written = 0;
  let notSucceeded = 0;
  try {
    for await (const result of await options.client.results(batch.id)) {
      if (present.has(result.custom_id) || !inBatch.has(result.custom_id)) continue;
      const request = requests.get(result.custom_id);
      const line = toResultLine(result, request?.model ?? 'unknown', options.pricing);
      writer.append(request?.fingerprint ? { ...line, fingerprint: request.fingerprint } : line);
      present.add(result.custom_id);
      written++;
      if (result.result.type !== 'succeeded') notSucceeded++;
    }
  } finally {
    await writer.close();
  }
  return { written, notSucceeded };
}

export function toResultLine(result: BatchResult, inputModel: string, pricing: Pricing): ResultLine {
  const base = { custom_id: result.custom_id, latency_ms: null, attempts: 1 };
  switch (result.result.type) {
    case 'succeeded': {
      const message = result.result.message;
      const malformed = usageProblem(message);
      if (malformed) {
        // Billed, most likely, but at an unknown cost: an errored line rather than a crash or a NaN.
        return { ...base, result: { type: 'errored', error: envelope('invalid_response', `the batch result succeeded but ${malformed}, so its cost cannot be known`) }, model: inputModel, cost_usd: null, usage: null };
      }
      const usage = message.usage as Usage;
      const model = typeof message.model === 'string' ? message.model : inputModel;
      return { ...base, result: { type: 'succeeded', message }, model, cost_usd: pricing.costOf(model, usage), usage };
    }
    case 'errored':
      return { ...base, result: { type: 'errored', error: result.result.error as Extract<ResultLine['result'], { type: 'errored' }>['error'] }, model: inputModel, cost_usd: 0, usage: null };
    case 'canceled':
    case 'expired':
      return { ...base, result: { type: result.result.type }, model: inputModel, cost_usd: 0, usage: null };
  }
}
