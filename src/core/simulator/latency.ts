// How long the mock takes to answer: a fixed time to first token plus a time per output token,
// with a deterministic jitter so a rehearsal is repeatable run after run.

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

/** Roughly what the real API feels like: ~500 ms to first token, then ~80 output tokens per second. */
export const REALISTIC_LATENCY: Readonly<LatencyModel> = { baseMs: 500, perOutputTokenMs: 12.5, jitter: 0.2 };

/**
 * Milliseconds to answer a request that generates `outputTokens`.
 * `unit` is a number in [0, 1) derived from the prompt, so the same prompt always takes the same time.
 */
export function latencyMs(model: LatencyModel, outputTokens: number, unit: number): number {
  const nominal = model.baseMs + model.perOutputTokenMs * outputTokens;
  const factor = 1 + model.jitter * (2 * unit - 1);
  return Math.max(0, Math.round(nominal * factor));
}
