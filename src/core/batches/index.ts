export { createSdkBatchesClient, type BatchesClient, type BatchInfo, type BatchResult, type BatchEntry, type BatchCounts } from './batches-client';
export { splitIntoBatches, BATCH_LIMITS, type BatchLimits } from './batch-split';
export { batchStatePath, loadBatchState, saveBatchState, type BatchState, type SubmittedBatch } from './batch-state';
export { submitBatches, refreshBatches, cancelBatches, collectBatches, toResultLine, type BatchJobOptions, type CollectOptions } from './batch-job';
