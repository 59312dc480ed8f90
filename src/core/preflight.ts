// What a file will take before anything is sent: requests, tokens, the worst and the expected cost,
// and how long the limits will make it last. The CLI prints it; the extension asks to confirm it.
import type { ModelTotals, ScanTotals } from './input/scan-file';
import { ModelClasses } from './models/model-class';
import type { Pricing } from './pricing/pricing';
import type { TierLimits } from './tiers';
import type { FloorSpec } from './limits/floors';
import { apiReplyTimes, estimateDuration, type CeilingPolicy, type DurationBinding, type DurationEstimate, type ReplyTimes, type RequestShape } from './preflight-duration';

export interface PreflightOptions {
  /** Limits last seen from the API (or a tier preset); without them no duration is given. */
  limits?: TierLimits;
  /** Expected output as a share of max_tokens (learned from earlier runs when known). */
  outputShare?: number;
  /** Expected tokens per byte of prompt (English prose: about a quarter). */
  tokensPerByte?: number;
  /** How long replies take, per model (that model's averages); default `apiReplyTimes`, the simulator's own with `simulatedReplyTimes`. */
  replyTimes?: (shape: RequestShape) => ReplyTimes;
  /** The in-flight ceiling the run will use; default auto, cap 64 (the dispatcher's). */
  inFlight?: CeilingPolicy;
  /** The soft floor the run will keep; default 10%. */
  softFloor?: FloorSpec;
  /** Which buckets each model draws on (default: the built-in table). */
  modelClasses?: ModelClasses;
}

export interface PreflightEstimate {
  requests: number;
  /** Expected input tokens (bytes × tokens per byte). */
  inputTokens: number;
  /** Expected output tokens (max_tokens × output share). */
  outputTokens: number;
  /** The most the file can cost; null if a model has no price. */
  worstCaseUsd: number | null;
  expectedUsd: number | null;
  /** How long the run should take at the limits given (probe, ramp, pace, last reply); undefined without limits. */
  expectedSeconds: number | undefined;
  /** What sets that duration: a limit's refill, or the in-flight ceiling × the reply time. */
  bindingLimit: DurationBinding | undefined;
  /** The duration's range, the reply time and the ceiling behind it (`describeDuration` words it). */
  duration: DurationEstimate | undefined;
  unpricedModels: string[];
  outputShare: number;
}

const DEFAULT_OUTPUT_SHARE = 0.5;
const DEFAULT_TOKENS_PER_BYTE = 0.25;

export function estimatePreflight(totals: ScanTotals, pricing: Pricing, options: PreflightOptions = {}): PreflightEstimate {
  const outputShare = options.outputShare ?? DEFAULT_OUTPUT_SHARE;
  const tokensPerByte = options.tokensPerByte ?? DEFAULT_TOKENS_PER_BYTE;
  let requests = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let worst: number | null = 0;
  let expected: number | null = 0;
  const unpricedModels: string[] = [];
  for (const [model, t] of Object.entries(totals.perModel)) {
    requests += t.requests;
    const input = t.inputBytes * tokensPerByte;
    const output = t.maxTokens * outputShare;
    inputTokens += input;
    outputTokens += output;
    const p = pricing.priceOf(model);
    if (!p) {
      unpricedModels.push(model);
      worst = expected = null;
      continue;
    }
    const worstHere = pricing.worstCaseCost(model, t.inputBytes, t.maxTokens, t.usesCache1h > 0 ? '1h' : t.usesCache > 0 ? '5m' : undefined);
    if (worst !== null && worstHere !== null) worst += worstHere;
    if (expected !== null) expected += input * p.input + output * p.output;
  }
  const duration = options.limits && requests > 0 ? slowestClass(totals, outputShare, tokensPerByte, options.limits, options) : undefined;
  return {
    requests, inputTokens: Math.round(inputTokens), outputTokens: Math.round(outputTokens), worstCaseUsd: worst, expectedUsd: expected,
    expectedSeconds: duration?.expectedSeconds, bindingLimit: duration?.binding, duration, unpricedModels, outputShare,
  };
}

/**
 * Each model class has its own buckets (models/model-class.ts) and the classes run in parallel: the
 * file takes as long as its slowest class, each estimated on its own lines at the limits given (a
 * tier's limits are per class). The range is the slowest class's at either end.
 */
function slowestClass(totals: ScanTotals, outputShare: number, tokensPerByte: number, limits: TierLimits, options: PreflightOptions): DurationEstimate | undefined {
  const classes = options.modelClasses ?? new ModelClasses();
  const byClass = new Map<string, Array<[string, ModelTotals]>>();
  for (const entry of Object.entries(totals.perModel)) {
    const modelClass = classes.classOf(entry[0]);
    const models = byClass.get(modelClass);
    if (models) models.push(entry);
    else byClass.set(modelClass, [entry]);
  }
  let slowest: DurationEstimate | undefined;
  let range: [number, number] = [0, 0];
  for (const models of byClass.values()) {
    const requests = models.reduce((n, [, t]) => n + t.requests, 0);
    if (requests <= 0) continue;
    const estimate = estimateDuration({
      requests,
      inputTokens: (models.reduce((n, [, t]) => n + t.inputBytes, 0) * tokensPerByte) / requests,
      outputTokens: (models.reduce((n, [, t]) => n + t.maxTokens, 0) * outputShare) / requests,
      limits,
      replies: replyTimesOf(models, outputShare, options.replyTimes ?? apiReplyTimes),
      ...(options.inFlight ? { inFlight: options.inFlight } : {}),
      ...(options.softFloor ? { softFloor: options.softFloor } : {}),
    });
    if (!slowest || estimate.expectedSeconds > slowest.expectedSeconds) slowest = estimate;
    range = [Math.max(range[0], estimate.range[0]), Math.max(range[1], estimate.range[1])];
  }
  return slowest && { ...slowest, range };
}

/** Reply times of some models' lines: each model's, weighted by its requests (the longest reply of any). */
function replyTimesOf(models: Array<[string, ModelTotals]>, outputShare: number, of: (shape: RequestShape) => ReplyTimes): ReplyTimes {
  let requests = 0;
  let mean = 0;
  let max = 0;
  let spread = 0;
  let output = 0;
  let outputKnown = true;
  let cpu = 0;
  for (const [model, t] of models) {
    if (t.requests <= 0) continue;
    const r = of({ model, outputTokens: (t.maxTokens * outputShare) / t.requests, maxTokens: t.maxTokens / t.requests });
    requests += t.requests;
    mean += r.mean * t.requests;
    max = Math.max(max, r.max);
    spread = Math.max(spread, r.spread);
    cpu += (r.cpuSeconds ?? 0) * t.requests;
    if (r.outputTokens === undefined) outputKnown = false;
    else output += r.outputTokens * t.requests;
  }
  if (requests === 0) return { mean: 0, max: 0, spread: 0 };
  return { mean: mean / requests, max, spread, cpuSeconds: cpu / requests, ...(outputKnown ? { outputTokens: output / requests } : {}) };
}

/** The same file through the Message Batches API: every price halved, no wait on the live limits. */
export interface BatchAlternative {
  expectedUsd: number | null;
  worstCaseUsd: number | null;
  /** What the API promises, in words: batches have their own pool and a 24-hour window. */
  typically: string;
}

export function batchAlternative(live: PreflightEstimate): BatchAlternative {
  return {
    expectedUsd: live.expectedUsd === null ? null : live.expectedUsd / 2,
    worstCaseUsd: live.worstCaseUsd === null ? null : live.worstCaseUsd / 2,
    typically: 'most batches end within an hour, all within 24 h',
  };
}
