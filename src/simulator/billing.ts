// What the simulated API bills and the spend limits it enforces on that bill: the organisation's
// monthly limit (429 `enforced_spend_limit_reached`) and the user's own usage limit (a 400).
import { Pricing } from '../core/pricing/pricing';
import type { MockUsage } from './replies';
import type { ApiError } from './types';

/** The Message Batches API bills every token at half the list price. */
export const BATCH_PRICE_FACTOR = 0.5;

interface BillingOptions {
  fallbackPrice?: { input: number; output: number } | undefined;
  orgSpendLimitUsd?: number | undefined;
  usageLimitUsd?: number | undefined;
}

export class Billing {
  private readonly pricing = new Pricing();
  private readonly fallbackPrice: { input: number; output: number } | undefined;
  orgSpendLimitUsd: number | undefined;
  usageLimitUsd: number | undefined;

  constructor(options: BillingOptions) {
    this.fallbackPrice = options.fallbackPrice;
    this.orgSpendLimitUsd = options.orgSpendLimitUsd;
    this.usageLimitUsd = options.usageLimitUsd;
  }

  /** USD for a reply at list price; a model the price table does not know bills at the fallback price, else $0. */
  costOf(model: string, usage: MockUsage): number {
    const known = this.pricing.costOf(model, usage);
    if (known !== null) return known;
    const fallback = this.fallbackPrice;
    if (!fallback) return 0;
    const input = usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
    return (input * fallback.input + usage.output_tokens * fallback.output) / 1_000_000;
  }

  /** The refusal once `billedUsd` has reached a spend limit, else null. */
  spendError(billedUsd: number, now: number): ApiError | null {
    if (this.orgSpendLimitUsd !== undefined && billedUsd >= this.orgSpendLimitUsd) {
      // No retry-after: waiting does not help until the month ends or the limit is raised.
      return {
        status: 429,
        type: 'rate_limit_error',
        errorCode: 'enforced_spend_limit_reached',
        message: 'Your organization has reached its monthly API spend limit. Raise the limit in the Console, or wait until next month, to continue.',
      };
    }
    if (this.usageLimitUsd !== undefined && billedUsd >= this.usageLimitUsd) {
      return {
        status: 400,
        type: 'invalid_request_error',
        message: `You have reached your specified API usage limits. You will regain access on ${firstOfNextMonth(now)} at 00:00 UTC.`,
      };
    }
    return null;
  }
}

function firstOfNextMonth(ms: number): string {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
}
