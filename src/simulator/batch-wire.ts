// The Message Batches API as it looks on the wire: the shapes its endpoints return (a batch, a
// result line), the refusal the mock sends, and the checks a create body must pass before a batch
// exists. Shapes and rules only; batches themselves live in the BatchStore of ./batches.
import type { MockMessage } from './replies';

const MAX_BATCH_REQUESTS = 100_000;
export const MAX_BATCH_BYTES = 256 * 1024 * 1024;
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

interface BatchErrorResponse {
  type: 'error';
  error: { type: string; message: string };
  request_id: string | null;
}

export type MockBatchResult =
  | { type: 'succeeded'; message: MockMessage }
  | { type: 'errored'; error: BatchErrorResponse }
  | { type: 'canceled' }
  | { type: 'expired' };

export interface MockBatchCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

/** The API's `MessageBatch`. */
export interface MockMessageBatch {
  id: string;
  type: 'message_batch';
  processing_status: 'in_progress' | 'canceling' | 'ended';
  request_counts: MockBatchCounts;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
  cancel_initiated_at: string | null;
  archived_at: string | null;
  results_url: string | null;
}

export interface MockBatchResultLine {
  custom_id: string;
  result: MockBatchResult;
}

export interface BatchRequest {
  custom_id: string;
  params: Record<string, unknown>;
}

/** An API refusal for the server to send: status and error type as the API's. */
export class BatchApiError extends Error {
  constructor(readonly status: number, readonly type: string, message: string, readonly errorCode?: string) {
    super(message);
  }
}

/** The checks the API makes when a batch is created. Each `params` is only checked for being an
 *  object: the API validates params asynchronously and reports failures as `errored` results. */
export function validateBatchBody(json: unknown): BatchRequest[] {
  const bad = (message: string) => new BatchApiError(400, 'invalid_request_error', message);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('request body must be a JSON object');
  const requests = (json as Record<string, unknown>).requests;
  if (!Array.isArray(requests)) throw bad('requests: Field required');
  if (requests.length === 0) throw bad('requests: List should have at least 1 item after validation, not 0');
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw bad(`requests: List should have at most ${MAX_BATCH_REQUESTS} items after validation, not ${requests.length}`);
  }
  const seen = new Set<string>();
  for (const [i, r] of requests.entries()) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw bad(`requests.${i}: Input should be a valid dictionary`);
    const { custom_id: id, params } = r as Record<string, unknown>;
    if (typeof id !== 'string') throw bad(`requests.${i}.custom_id: Field required`);
    if (!CUSTOM_ID.test(id)) throw bad(`requests.${i}.custom_id: String should match pattern '${CUSTOM_ID.source}'`);
    if (seen.has(id)) throw bad(`requests.${i}.custom_id: Duplicate custom_id "${id}"; each request in a batch must have a unique custom_id`);
    seen.add(id);
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw bad(`requests.${i}.params: Input should be a valid dictionary`);
  }
  return requests as BatchRequest[];
}
