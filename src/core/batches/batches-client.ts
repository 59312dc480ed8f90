// What Floorline needs of the Message Batches API, and the SDK adapter. A separate interface from
// MessagesClient: batches have their own rate-limit pool and never pass through the dispatcher.
import type Anthropic from '@anthropic-ai/sdk';
import { APIConnectionError, APIConnectionTimeoutError } from '@anthropic-ai/sdk';
import type { MessageParams } from '../types';
import { createAnthropic, type SdkClientOptions } from '../client/messages-client';
import { classifyError, retryDelayMs } from '../dispatch/retry-policy';
import { plural } from '../format';

export type BatchProcessingStatus = 'in_progress' | 'canceling' | 'ended';

export interface BatchCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

export interface BatchInfo {
  id: string;
  processing_status: BatchProcessingStatus;
  request_counts: BatchCounts;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}

export interface BatchEntry {
  custom_id: string;
  params: MessageParams;
}

/** One line of a batch's results, as the API streams them (in any order). */
export interface BatchResult {
  custom_id: string;
  result:
    | { type: 'succeeded'; message: { model?: string; usage: unknown; [key: string]: unknown } }
    | { type: 'errored'; error: unknown }
    | { type: 'canceled' }
    | { type: 'expired' };
}

export interface BatchesClient {
  /** One attempt, never retried underneath: see `createBatchOnce` for why and what happens instead. */
  create(requests: BatchEntry[]): Promise<BatchInfo>;
  /** Batches created at or after `sinceMs` (epoch ms, by the API's `created_at`), newest first. */
  listSince(sinceMs: number): Promise<BatchInfo[]>;
  retrieve(id: string): Promise<BatchInfo>;
  results(id: string): Promise<AsyncIterable<BatchResult>>;
  cancel(id: string): Promise<BatchInfo>;
}

export function createSdkBatchesClient(options: SdkClientOptions): BatchesClient {
  // Polling, listing and cancel are idempotent, so the SDK's own retries are welcome for them.
  // Create is not: the SDK would resend a create whose answer was lost, and the API has no
  // idempotency key, so each resend can be another batch, billed. It gets one attempt here, and
  // `createBatchOnce` decides what may be retried.
  const client = createAnthropic(options, 4);
  const batches = client.messages.batches;
  return {
    create: async (requests) =>
      (await batches.create({ requests: requests as unknown as Anthropic.Messages.BatchCreateParams['requests'] }, { maxRetries: 0 })) as unknown as BatchInfo,
    listSince: async (sinceMs) => {
      const found: BatchInfo[] = [];
      // The list is newest first and the SDK pages on with `after_id` as we iterate: stop at the
      // first batch older than the cut-off instead of walking the workspace's whole history.
      for await (const batch of batches.list({ limit: 100 })) {
        if (Date.parse(batch.created_at) < sinceMs) break;
        found.push(batch as unknown as BatchInfo);
      }
      return found;
    },
    retrieve: async (id) => (await batches.retrieve(id)) as unknown as BatchInfo,
    results: async (id) => (await batches.results(id)) as unknown as AsyncIterable<BatchResult>,
    cancel: async (id) => (await batches.cancel(id)) as unknown as BatchInfo,
  };
}

// --- Creating a batch without ever creating it twice ---------------------------------------------

/** Attempts at one batch in all, refused and uncertain alike: what the SDK's 4 retries used to give. */
const MAX_CREATE_ATTEMPTS = 5;
/**
 * How far before our attempt a batch's `created_at` may lie and still be the one we sent: the API
 * stamps it with its own clock, which may disagree with ours. Kept short, because every extra
 * second lets in batches another process created, which could be taken for ours (when ours was
 * never made) or make the match ambiguous.
 */
export const CREATE_CLOCK_SKEW_MS = 60_000;
/**
 * The least we wait before looking for a batch whose create got no answer: when the connection
 * drops or times out, the API may still be finishing that create, and a look too early would find
 * nothing and send it again.
 */
export const LOOK_AFTER_MS = 3_000;
/** Failures that mean the request never reached a server: nothing can have been created. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export interface CreateRetryOptions {
  maxAttempts?: number;
  /** Injectable for tests; default Math.random, setTimeout and Date.now. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface CreateOnceOptions extends CreateRetryOptions {
  /** Batches already recorded for this file: never taken for the one just sent. */
  known: ReadonlySet<string>;
  log: (line: string) => void;
}

export interface CreatedBatch {
  info: BatchInfo;
  /** Found in the list after a create whose answer was lost, rather than answered by the create. */
  adopted: boolean;
}

/** A create may have made a batch and Floorline cannot tell which batch, if any: it stopped instead of sending it again. */
export class UncertainBatchCreateError extends Error {
  constructor(message: string, readonly candidates: string[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UncertainBatchCreateError';
  }
}

type CreateFate =
  /** The API refused it before doing anything (429, 529), or it never reached the API. */
  | { kind: 'refused'; reason: string; retryAfterMs: number | undefined }
  /** It may have been processed: connection lost after sending, timeout, 5xx other than 529. */
  | { kind: 'uncertain'; reason: string; retryAfterMs: number | undefined }
  | { kind: 'fatal' };

function neverSent(err: unknown, seen = new Set<unknown>()): boolean {
  if (typeof err !== 'object' || err === null || seen.has(err)) return false;
  seen.add(err);
  const { code, cause, errors } = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && NEVER_SENT_CODES.has(code)) return true;
  // An AggregateError from trying each address of the host: nothing was sent only if none connected.
  if (Array.isArray(errors) && errors.length > 0) return errors.every((e) => neverSent(e, seen));
  return neverSent(cause, seen);
}

function fateOf(err: unknown, now: number): CreateFate {
  const verdict = classifyError(err, now);
  // Bad request, bad key, spend limit, abort…: sending it again cannot help.
  if (verdict.kind !== 'retry') return { kind: 'fatal' };
  const status = (err as { status?: unknown }).status;
  const reason = `${typeof status === 'number' ? `${status} ` : ''}${verdict.error.error.type}: ${verdict.error.error.message}`;
  const connectionNeverMade = err instanceof APIConnectionError && !(err instanceof APIConnectionTimeoutError) && neverSent(err);
  return { kind: verdict.refused || connectionNeverMade ? 'refused' : 'uncertain', reason, retryAfterMs: verdict.retryAfterMs };
}

function requestTotal(counts: BatchCounts): number {
  return counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired;
}

/**
 * Create one batch, retrying only what cannot have created it. The Message Batches API has no
 * idempotency key, so a create whose answer was lost (connection dropped after sending, timeout,
 * a 5xx other than 529) may have made a batch that is processing and will be billed; sending it
 * again would make and bill a second one, and only one would be recorded. Refusals (429, 529, a
 * connection never made) created nothing and are retried with the dispatcher's backoff.
 *
 * After an uncertain create we look for the batch instead. The API will not show the custom_ids
 * of a batch still in progress (results only exist once it has ended, and a batch carries no
 * metadata we could tag it with), so the only identity a fresh batch has in the list is when it
 * was created and how many requests it holds. A batch created since just before our attempt,
 * not already recorded for this file, holding exactly as many requests as we sent, is ours: one
 * such batch is adopted; none means the create never took effect and it is safe to send again;
 * more than one (another process submitting batches of the same size) means we cannot tell, and
 * guessing either way could lose or double a batch, so we stop and name them. What this cannot
 * see: a batch of the same size that someone else made in the same minute while ours was never
 * made would be taken for ours; its results would match none of our custom_ids, so those lines
 * would be sent again by the next submit once it is collected.
 */
export async function createBatchOnce(client: BatchesClient, entries: BatchEntry[], options: CreateOnceOptions): Promise<CreatedBatch> {
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? MAX_CREATE_ATTEMPTS;
  const n = entries.length;
  const what = `the batch of ${plural(n, 'request')} (${entries[0]?.custom_id} … ${entries.at(-1)?.custom_id})`;
  /** Start of the first attempt that may have reached the API, less the clock skew we allow. */
  let since: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const startedAt = now();
    let failure: unknown;
    try {
      return { info: await client.create(entries), adopted: false };
    } catch (err) {
      failure = err;
    }
    const fate = fateOf(failure, now());
    if (fate.kind === 'fatal') throw failure;
    const more = attempt < maxAttempts;

    if (fate.kind === 'refused') {
      if (!more) {
        throw new Error(`creating ${what} was refused ${attempt} times (last: ${fate.reason}); no batch was created, so submitting again later is safe`, { cause: failure });
      }
      const delay = retryDelayMs(attempt, fate.retryAfterMs, random);
      options.log(`creating ${what} was refused (${fate.reason}); no batch was created, trying again in ${Math.ceil(delay / 1000)} s`);
      await sleep(delay);
      continue;
    }

    since ??= startedAt - CREATE_CLOCK_SKEW_MS;
    const sinceText = new Date(since).toISOString();
    await sleep(Math.max(LOOK_AFTER_MS, retryDelayMs(attempt, fate.retryAfterMs, random)));
    let listed: BatchInfo[];
    try {
      listed = await client.listSince(since);
    } catch (err) {
      throw new UncertainBatchCreateError(
        `creating ${what} got no answer (${fate.reason}), and listing batches to see whether it was created failed too ` +
          `(${err instanceof Error ? err.message : String(err)}). Nothing more was sent. Before submitting again, look in the Console ` +
          `for a batch of ${plural(n, 'request')} created since ${sinceText}: submitting again sends these requests again.`,
        [],
        { cause: err },
      );
    }
    const candidates = listed.filter((b) => !options.known.has(b.id) && requestTotal(b.request_counts) === n);
    if (candidates.length === 1) {
      const adopted = candidates[0]!;
      options.log(`creating ${what} got no answer (${fate.reason}), but ${adopted.id} (${plural(n, 'request')}, created ${adopted.created_at}) is that batch: recorded it rather than creating another`);
      return { info: adopted, adopted: true };
    }
    if (candidates.length > 1) {
      const ids = candidates.map((b) => b.id);
      throw new UncertainBatchCreateError(
        `creating ${what} got no answer (${fate.reason}), and ${candidates.length} batches of ${plural(n, 'request')} were created since ${sinceText}: ` +
          `${ids.join(', ')}. One may be this one, another from someone else; Floorline cannot tell, so it sent nothing more. ` +
          `Check them in the Console and with \`floorline batch status\` (which shows the batches this file recorded), cancel any that should not run; ` +
          `submitting again sends these requests again.`,
        ids,
        { cause: failure },
      );
    }
    if (!more) {
      throw new Error(`creating ${what} failed ${attempt} times (last: ${fate.reason}), and no batch of ${plural(n, 'request')} was created since ${sinceText}; nothing was created, so submitting again later is safe`, { cause: failure });
    }
    options.log(`creating ${what} got no answer (${fate.reason}), and no batch of ${plural(n, 'request')} was created since ${sinceText}: the create did not take effect, so it is safe to send it again (attempt ${attempt + 1} of ${maxAttempts})`);
  }
}
