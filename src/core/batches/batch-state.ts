// The batches a file was submitted as, persisted beside its results (`<name>.batches.json`) the
// moment each is created, so a restart polls the same batches instead of submitting again.
// Written whole to a temp file, synced, then renamed: a crash leaves the old state or the new one.
import * as fs from 'node:fs';
import { writeFileAtomicSync } from '../files/atomic-write';
import type { BatchCounts, BatchProcessingStatus } from './batches-client';

export interface SubmittedBatch {
  id: string;
  /** The custom_ids it holds: never submitted again while it has not been collected. */
  customIds: string[];
  submittedAt: string;
  expiresAt: string;
  status: BatchProcessingStatus;
  counts: BatchCounts;
  /** Its results are all in the results file. */
  collected: boolean;
}

export interface BatchState {
  version: 1;
  input: string;
  batches: SubmittedBatch[];
}

export function batchStatePath(resultsPath: string): string {
  return resultsPath.replace(/\.results\.jsonl$/, '') + '.batches.json';
}

export function loadBatchState(path: string, input: string): BatchState {
  if (!fs.existsSync(path)) return { version: 1, input, batches: [] };
  const parsed = JSON.parse(fs.readFileSync(path, 'utf8')) as BatchState;
  if (parsed.version !== 1 || !Array.isArray(parsed.batches)) throw new Error(`${path}: not a Floorline batch state file (version 1)`);
  return parsed;
}

export function saveBatchState(path: string, state: BatchState): void {
  writeFileAtomicSync(path, JSON.stringify(state, null, 1) + '\n');
}
