// How long the mock takes to answer: a fixed time to first token plus a time per output token,
// with a deterministic jitter so a rehearsal is repeatable run after run.
import { MAX_DEFAULT_OUTPUT_TOKENS, MIN_DEFAULT_OUTPUT_TOKENS } from './replies';
import { API_REPLY_MODEL, SIMULATOR_CPU_SECONDS, type ReplyTimes, type RequestShape } from '../core/preflight-duration';

export interface LatencyModel {
  /** Milliseconds before the first token. */
  baseMs: number;
  /** Milliseconds per generated output token. */
  perOutputTokenMs: number;
  /** Spread as a fraction of the total: 0.1 means ±10 %. */
  jitter: number;
}

/** Fast enough for tests, slow enough that requests overlap. */
export const DEFAULT_LATENCY: Readonly<LatencyModel> = { baseMs: 300, perOutputTokenMs: 2, jitter: 0.1 };

/** Roughly what the real API feels like, as the pre-flight assumes it: ~500 ms to first token, then ~80 output tokens per second. */
export const REALISTIC_LATENCY: Readonly<LatencyModel> = {
  baseMs: API_REPLY_MODEL.firstTokenSeconds * 1000,
  perOutputTokenMs: 1000 / API_REPLY_MODEL.outputTokensPerSecond,
  jitter: 0.2,
};

/**
 * Milliseconds to answer a request that generates `outputTokens`.
 * `unit` is a number in [0, 1) derived from the prompt, so the same prompt always takes the same time.
 */
export function latencyMs(model: LatencyModel, outputTokens: number, unit: number): number {
  const nominal = model.baseMs + model.perOutputTokenMs * outputTokens;
  const factor = 1 + model.jitter * (2 * unit - 1);
  return Math.max(0, Math.round(nominal * factor));
}

/** What the mock's replies take for requests of one `max_tokens`, in milliseconds. */
export interface ExpectedLatency {
  /** The average over many prompts. */
  meanMs: number;
  /** The shortest and the longest reply any prompt can get. */
  minMs: number;
  maxMs: number;
  /** Output tokens per reply on average (what the mean is made of). */
  outputTokens: number;
}

/**
 * The reply times a rehearsal will see when the mock picks the output lengths itself (its default:
 * 20..220 tokens, uniform over the prompt hash, capped at `max_tokens`), with the jitter spread
 * evenly either way — the pre-flight estimate of a `--simulate` run reads its latency from here,
 * so the estimate and the mock cannot drift apart.
 */
export function expectedLatency(model: LatencyModel, maxTokens: number): ExpectedLatency {
  const cap = Math.max(1, Math.floor(maxTokens));
  let sum = 0;
  const span = MAX_DEFAULT_OUTPUT_TOKENS - MIN_DEFAULT_OUTPUT_TOKENS + 1;
  for (let t = MIN_DEFAULT_OUTPUT_TOKENS; t <= MAX_DEFAULT_OUTPUT_TOKENS; t++) sum += Math.min(t, cap);
  const outputTokens = sum / span;
  const at = (tokens: number) => model.baseMs + model.perOutputTokenMs * tokens;
  return {
    meanMs: at(outputTokens),
    minMs: Math.max(0, at(Math.min(MIN_DEFAULT_OUTPUT_TOKENS, cap)) * (1 - model.jitter)),
    maxMs: at(Math.min(MAX_DEFAULT_OUTPUT_TOKENS, cap)) * (1 + model.jitter),
    outputTokens,
  };
}

/** Reply times of the simulator (`--simulate`) for the pre-flight, from its own latency model: one source for both. */
export function simulatedReplyTimes(model: LatencyModel): (shape: RequestShape) => ReplyTimes {
  return (shape) => {
    const e = expectedLatency(model, shape.maxTokens);
    return { mean: e.meanMs / 1000, max: e.maxMs / 1000, spread: model.jitter, outputTokens: e.outputTokens, cpuSeconds: SIMULATOR_CPU_SECONDS };
  };
}
