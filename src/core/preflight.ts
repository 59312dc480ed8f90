// What a file will take before anything is sent: requests, tokens, the worst and the expected cost,
// and how long the limits will make it last. The CLI prints it; the extension asks to confirm it.
import type { ScanTotals } from './input/scan-file';
import type { Pricing } from './pricing/pricing';
import type { TierLimits } from './tiers';

export interface PreflightOptions {
  /** Limits last seen from the API (or a tier preset); without them no duration is given. */
  limits?: TierLimits;
  /** Expected output as a share of max_tokens (learned from earlier runs when known). */
  outputShare?: number;
  /** Expected tokens per byte of prompt (English prose: about a quarter). */
  tokensPerByte?: number;
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
  /** At the limits given, running flat out. */
  expectedSeconds: number | undefined;
  /** Which limit sets that duration. */
  bindingLimit: 'requests' | 'input tokens' | 'output tokens' | undefined;
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
  let expectedSeconds: number | undefined;
  let bindingLimit: PreflightEstimate['bindingLimit'];
  if (options.limits) {
    const l = options.limits;
    const candidates: Array<[PreflightEstimate['bindingLimit'], number]> = [
      ['requests', (requests * 60) / l.requestsPerMinute],
      ['input tokens', (inputTokens * 60) / l.inputTokensPerMinute],
      ['output tokens', (outputTokens * 60) / l.outputTokensPerMinute],
    ];
    for (const [name, seconds] of candidates) {
      if (expectedSeconds === undefined || seconds > expectedSeconds) {
        expectedSeconds = seconds;
        bindingLimit = name;
      }
    }
  }
  return { requests, inputTokens: Math.round(inputTokens), outputTokens: Math.round(outputTokens), worstCaseUsd: worst, expectedUsd: expected, expectedSeconds, bindingLimit, unpricedModels, outputShare };
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
