// Cost of a request, from its `usage`, and the worst case of one not yet sent.
import type { CacheTtl, Usage } from '../types';
import { DEFAULT_PRICES, type ModelPrice, type PriceTable } from './price-table';

const PER_TOKEN = 1 / 1_000_000;
/**
 * Costs are rounded to 1e-10 USD. Per-token prices are fractions of a million (3 → 0.000003), which
 * binary floating point cannot hold exactly, so a raw sum comes out as 0.00033299999999999996 rather
 * than 0.000333 — and that noise would be written into every results line's `cost_usd`. No price
 * resolves that finely: the cheapest list rate, $0.005 per million tokens (a batch-priced cache read),
 * is 5e-9 USD per token, and every list price is a whole multiple of 1e-10 per token, so rounding there
 * gives back the exact decimal a bill would show and loses nothing a price can express.
 */
const COST_STEPS_PER_USD = 1e10;

/** `usd` rounded to 1e-10 USD: the exact decimal, without float noise. */
function roundCostUsd(usd: number): number {
  // Divide (an exact integer by an exact power of ten), don't multiply by 1e-10: the quotient is the
  // double nearest the decimal, so it prints as that decimal.
  return Math.round(usd * COST_STEPS_PER_USD) / COST_STEPS_PER_USD;
}
// `claude-haiku-4-5-20251001` → `claude-haiku-4-5`; `-latest` likewise names its alias.
const DATED_SUFFIX = /-(\d{8}|latest)$/;

export interface PricingOptions {
  /** User prices, merged over the defaults (keys are aliases or exact ids). */
  overrides?: PriceTable;
  /** The Message Batches API bills half of every price. */
  batch?: boolean;
}

export class Pricing {
  // A Map, not an object: a model named `toString` or `constructor` (it is user input) must find
  // nothing rather than a prototype method that prices every request as NaN and disables the cap.
  private readonly table: ReadonlyMap<string, ModelPrice>;
  private readonly factor: number;

  constructor(options: PricingOptions = {}) {
    this.table = new Map([...Object.entries(DEFAULT_PRICES), ...Object.entries(options.overrides ?? {})]);
    this.factor = options.batch ? 0.5 : 1;
  }

  /** The alias a model id prices as, or the id itself when no alias is known. */
  static aliasOf(model: string): string {
    return model.replace(DATED_SUFFIX, '');
  }

  /** Per-token prices in USD, or `undefined` for a model nobody priced (the caller must warn, never assume $0). */
  priceOf(model: string): ModelPrice | undefined {
    const perMillion = this.table.get(model) ?? this.table.get(Pricing.aliasOf(model));
    if (!perMillion) return undefined;
    const k = PER_TOKEN * this.factor;
    return {
      input: perMillion.input * k,
      cacheWrite5m: perMillion.cacheWrite5m * k,
      cacheWrite1h: perMillion.cacheWrite1h * k,
      cacheRead: perMillion.cacheRead * k,
      output: perMillion.output * k,
    };
  }

  isKnown(model: string): boolean {
    return this.priceOf(model) !== undefined;
  }

  /** What a finished request cost, from the `usage` the API returned; `null` for an unknown model. */
  costOf(model: string, usage: Usage): number | null {
    const p = this.priceOf(model);
    if (!p) return null;
    const cacheWrite = usage.cache_creation_input_tokens ?? 0;
    // The split of cache writes by TTL is optional in `usage`; what is not split is billed as 5-minute writes.
    const write1h = Math.min(cacheWrite, usage.cache_creation?.ephemeral_1h_input_tokens ?? 0);
    const write5m = cacheWrite - write1h;
    // Rounded here, once, so the results line's `cost_usd`, the spend ledger and a shared budget
    // all add up the same numbers.
    return roundCostUsd(
      usage.input_tokens * p.input +
        write5m * p.cacheWrite5m +
        write1h * p.cacheWrite1h +
        (usage.cache_read_input_tokens ?? 0) * p.cacheRead +
        usage.output_tokens * p.output,
    );
  }

  /**
   * The most a request can cost: every input token billed at the dearest input rate it could meet
   * (a cache write at the longest TTL the request asks for, when it asks for caching) and
   * `max_tokens` of output. `null` for an unknown model.
   */
  worstCaseCost(model: string, inputTokensUpperBound: number, maxTokens: number, cacheTtl: CacheTtl | undefined): number | null {
    const p = this.priceOf(model);
    if (!p) return null;
    const writeRate = cacheTtl === '1h' ? p.cacheWrite1h : cacheTtl === '5m' ? p.cacheWrite5m : 0;
    return inputTokensUpperBound * Math.max(p.input, writeRate) + maxTokens * p.output;
  }
}
