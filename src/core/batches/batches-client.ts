// What Floorline needs of the Message Batches API, and the SDK adapter. A separate interface from
// MessagesClient: batches have their own rate-limit pool and never pass through the dispatcher.
import Anthropic from '@anthropic-ai/sdk';
import type { MessageParams } from '../types';
import { createAnthropic, type SdkClientOptions } from '../client/messages-client';

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
  create(requests: BatchEntry[]): Promise<BatchInfo>;
  retrieve(id: string): Promise<BatchInfo>;
  results(id: string): Promise<AsyncIterable<BatchResult>>;
  cancel(id: string): Promise<BatchInfo>;
}

export function createSdkBatchesClient(options: SdkClientOptions): BatchesClient {
  // Polling is slow and idempotent, so the SDK's own retries are welcome here (unlike live sends).
  const client = createAnthropic(options, 4);
  const batches = client.messages.batches;
  return {
    create: async (requests) => (await batches.create({ requests: requests as unknown as Anthropic.Messages.BatchCreateParams['requests'] })) as unknown as BatchInfo,
    retrieve: async (id) => (await batches.retrieve(id)) as unknown as BatchInfo,
    results: async (id) => (await batches.results(id)) as unknown as AsyncIterable<BatchResult>,
    cancel: async (id) => (await batches.cancel(id)) as unknown as BatchInfo,
  };
}
