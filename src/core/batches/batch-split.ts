// A file's requests as Message Batches: the API takes at most 100,000 requests or 256 MB per batch,
// so a long file becomes several, each filled as far as both limits allow.
import type { InputRequest } from '../types';
import type { BatchEntry } from './batches-client';

export interface BatchLimits {
  maxRequests: number;
  maxBytes: number;
}

export const BATCH_LIMITS: BatchLimits = { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 };

/** `{"requests":[` … `]}` and a little slack for the HTTP client's own encoding. */
const ENVELOPE_BYTES = 1_024;

export async function* splitIntoBatches(requests: AsyncIterable<InputRequest>, limits: BatchLimits = BATCH_LIMITS): AsyncGenerator<BatchEntry[]> {
  let batch: BatchEntry[] = [];
  let bytes = ENVELOPE_BYTES;
  for await (const request of requests) {
    const entry: BatchEntry = { custom_id: request.customId, params: request.params };
    // +1 for the comma between entries.
    const size = Buffer.byteLength(JSON.stringify(entry), 'utf8') + 1;
    if (ENVELOPE_BYTES + size > limits.maxBytes) {
      throw new Error(`line ${request.line} (${request.customId}) alone is ${size} bytes, over the ${limits.maxBytes}-byte batch limit`);
    }
    if (batch.length > 0 && (batch.length >= limits.maxRequests || bytes + size > limits.maxBytes)) {
      yield batch;
      batch = [];
      bytes = ENVELOPE_BYTES;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
