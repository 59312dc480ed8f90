// List prices in USD per million tokens (late 2026). Data, not logic: users override or extend it
// (`--price model=in,out[,cacheWrite5m,cacheWrite1h,cacheRead]` on the CLI, a setting in the extension).

export interface ModelPrice {
  input: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

const price = (input: number, cacheWrite5m: number, cacheWrite1h: number, cacheRead: number, output: number): ModelPrice => ({
  input,
  cacheWrite5m,
  cacheWrite1h,
  cacheRead,
  output,
});

const opus5 = price(5, 6.25, 10, 0.5, 25);
const sonnet4 = price(3, 3.75, 6, 0.3, 15);
const frontier = price(10, 12.5, 20, 1, 50);

/** Keys are model aliases; dated ids (`claude-haiku-4-5-20251001`) resolve to them. */
export const DEFAULT_PRICES: PriceTable = {
  'claude-opus-5-5': price(4, 5, 8, 0.2, 20),
  'claude-opus-5': opus5,
  'claude-opus-4-8': opus5,
  'claude-opus-4-7': opus5,
  'claude-opus-4-6': opus5,
  'claude-opus-4-5': opus5,
  'claude-sonnet-5-5': price(2, 2.5, 4, 0.1, 10),
  'claude-sonnet-5': price(2, 2.5, 4, 0.2, 10),
  'claude-sonnet-4-6': sonnet4,
  'claude-sonnet-4-5': sonnet4,
  // Published for prompts up to 100k tokens; longer prompts are not priced publicly, so the
  // spend reservation treats them at this rate and the README says so.
  'claude-haiku-5-5': price(0.1, 0.125, 0.2, 0.01, 0.5),
  'claude-haiku-4-5': price(1, 1.25, 2, 0.1, 5),
  'claude-fable-5': frontier,
  'claude-mythos-5': frontier,
};
