// A run held to a share of each model class's refill (`--max-share 30%`): a script that must not
// take the whole organisation's limit, whoever else uses the key. Per class the run has its own
// buckets at `share` × the class's limits (the last ones its headers told), filled at `share` × the
// refill and charged what each request is expected to consume; a request that does not fit waits
// for them, while other runs go on. Until the class's limits are known nothing is held: there is
// nothing to take a share of yet, and the first requests are held by the class's own pacing.
import type { Consumption, DimensionView } from '../limits/quota-model';
import type { Dimension } from '../limits/rate-limit-headers';

const DIMENSIONS = ['requests', 'inputTokens', 'outputTokens'] as const satisfies readonly Dimension[];

function amountOf(dimension: (typeof DIMENSIONS)[number], c: Consumption): number {
  return dimension === 'requests' ? 1 : dimension === 'inputTokens' ? c.inputTokens : c.outputTokens;
}

export type ShareWait = { dimension: Dimension; waitMs: number };

export class ShareBuckets {
  private readonly levels = new Map<Dimension, { level: number; at: number }>();

  /** `share`: 0 < share ≤ 1, of each bucket's limit and refill. */
  constructor(readonly share: number) {}

  /** Whether a request consuming `c` fits the run's share now; else which bucket it waits for, and how long. */
  wait(c: Consumption, limits: Partial<Record<Dimension, DimensionView>>, now: number): ShareWait | undefined {
    let worst: ShareWait | undefined;
    for (const dimension of DIMENSIONS) {
      const view = limits[dimension];
      if (!view || !(view.limit > 0)) continue;
      const capacity = this.share * view.limit;
      // A request larger than the whole share could never go: it waits for a full share instead.
      const need = Math.min(amountOf(dimension, c), capacity);
      const level = this.levelAt(dimension, view, now);
      if (level >= need) continue;
      const waitMs = Math.ceil(((need - level) * 60_000) / (this.share * view.limit));
      if (!worst || waitMs > worst.waitMs) worst = { dimension, waitMs };
    }
    return worst;
  }

  /** The request went: its expected consumption comes off the run's share. */
  take(c: Consumption, limits: Partial<Record<Dimension, DimensionView>>, now: number): void {
    for (const dimension of DIMENSIONS) {
      const view = limits[dimension];
      if (!view || !(view.limit > 0)) continue;
      const capacity = this.share * view.limit;
      const level = this.levelAt(dimension, view, now);
      this.levels.set(dimension, { level: level - Math.min(amountOf(dimension, c), capacity), at: now });
    }
  }

  /**
   * A request came back: what it really consumed replaces what was expected (`actual` zero when the
   * API refused it, so it consumed nothing). Without this a share would drift by the estimate's error.
   */
  settle(expected: Consumption, actual: Consumption, limits: Partial<Record<Dimension, DimensionView>>, now: number): void {
    for (const dimension of DIMENSIONS) {
      const view = limits[dimension];
      const last = this.levels.get(dimension);
      if (!view || !(view.limit > 0) || !last) continue;
      const capacity = this.share * view.limit;
      const level = this.levelAt(dimension, view, now);
      const delta = amountOf(dimension, actual) - Math.min(amountOf(dimension, expected), capacity);
      this.levels.set(dimension, { level: Math.min(capacity, level - delta), at: now });
    }
  }

  /**
   * Refilled since last looked at: `share` × the limit per minute, up to `share` × the limit. At
   * first, its share of what the bucket holds: a drained bucket gives no burst to take.
   */
  private levelAt(dimension: Dimension, view: DimensionView, now: number): number {
    const capacity = this.share * view.limit;
    const last = this.levels.get(dimension);
    if (!last) return Math.min(capacity, this.share * Math.max(0, view.remaining));
    return Math.min(capacity, last.level + ((now - last.at) * this.share * view.limit) / 60_000);
  }
}
