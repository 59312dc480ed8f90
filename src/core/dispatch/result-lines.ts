// What the results file says of a line the dispatcher finished: one shape for a success and one
// for an error of any kind (the API's, or ours: unbillable, too large, out of attempts). Apart from
// the Run so its books read as counts and events, and the file's shape is in one place.
import type { ResultError, ResultLine, Usage } from '../types';
import type { PendingItem } from './run-queue';

export interface SentResult {
  message: { usage: Usage; [key: string]: unknown };
  latencyMs: number;
  costUsd: number | null;
}

/** The model that answered, and the line's own when that was a fallback. */
function modelFields(item: PendingItem): Pick<ResultLine, 'model' | 'fallback_from'> {
  return item.model === undefined ? { model: item.request.params.model } : { model: item.model, fallback_from: item.request.params.model };
}

export function successLine(item: PendingItem, sent: SentResult): ResultLine {
  return {
    custom_id: item.request.customId,
    result: { type: 'succeeded', message: sent.message },
    ...modelFields(item),
    latency_ms: sent.latencyMs,
    attempts: item.attempts,
    cost_usd: sent.costUsd,
    usage: sent.message.usage,
  };
}

/** An errored line costs nothing in the results: what a possibly-billed one may have cost stays on the spend cap. */
export function errorLine(item: PendingItem, error: ResultError, latencyMs: number | null): ResultLine {
  return {
    custom_id: item.request.customId,
    result: { type: 'errored', error },
    ...modelFields(item),
    latency_ms: latencyMs,
    attempts: item.attempts,
    cost_usd: 0,
    usage: null,
  };
}
