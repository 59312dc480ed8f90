// Of all token buckets, the one closest to its floor: what a one-line view shows as "remaining".
import type { Dimension } from '../limits/rate-limit-headers';
import type { DimensionView } from '../limits/quota-model';
import type { DispatcherSnapshot } from './snapshot';

export const DIMENSION_LABELS: Record<Dimension, string> = {
  requests: 'requests',
  inputTokens: 'input tokens',
  outputTokens: 'output tokens',
  tokens: 'tokens',
};

export function tightestTokenDimension(snapshot: Pick<DispatcherSnapshot, 'dimensions'>): { dimension: Dimension; view: DimensionView } | undefined {
  let best: { dimension: Dimension; view: DimensionView; share: number } | undefined;
  for (const dimension of ['inputTokens', 'outputTokens', 'tokens'] as const) {
    const view = snapshot.dimensions[dimension];
    if (!view) continue;
    const share = view.remaining / view.limit;
    if (!best || share < best.share) best = { dimension, view, share };
  }
  return best && { dimension: best.dimension, view: best.view };
}
