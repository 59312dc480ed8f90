// Published per-model-class limits by tier. Only a first guess: the first response's `-limit` headers win.

export type TierName = 'start' | 'build' | 'scale';

export interface TierLimits {
  requestsPerMinute: number;
  inputTokensPerMinute: number;
  outputTokensPerMinute: number;
}

export const TIERS: Readonly<Record<TierName, TierLimits>> = {
  start: { requestsPerMinute: 1_000, inputTokensPerMinute: 2_000_000, outputTokensPerMinute: 400_000 },
  build: { requestsPerMinute: 5_000, inputTokensPerMinute: 5_000_000, outputTokensPerMinute: 1_000_000 },
  scale: { requestsPerMinute: 10_000, inputTokensPerMinute: 10_000_000, outputTokensPerMinute: 2_000_000 },
};

export function isTierName(value: string): value is TierName {
  return Object.prototype.hasOwnProperty.call(TIERS, value);
}
